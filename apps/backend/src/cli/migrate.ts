import { createDb, migrate } from '@syfthub/db';
import { bundledMigrationsFolder } from '../deps';

// The one-shot migrate step (operations.md §4; the compose `migrate` profile runs `node dist/migrate.js`).
async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    process.stderr.write('DATABASE_URL is required\n');
    process.exit(2);
  }
  const handle = await createDb({ url, poolSize: 1 });
  try {
    const folder = process.env.MIGRATIONS_FOLDER ?? bundledMigrationsFolder();
    const { applied } = await migrate(handle, folder ? { migrationsFolder: folder } : {});
    process.stdout.write(
      applied.length
        ? `applied ${applied.length} migration(s): ${applied.join(', ')}\n`
        : 'database is up to date\n',
    );
  } finally {
    await handle.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`migration failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
