import { createDb } from '../client';
import { defaultMigrationsFolder, migrate } from '../migrate';

// One-shot migration step (operations §4): `pnpm db:migrate`, or the bundled dist/migrate.js of the backend image.

function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable DATABASE_URL)';
  }
}

async function main(): Promise<number> {
  const url = process.env.DATABASE_URL;
  if (!url || !/^postgres(ql)?:\/\//i.test(url)) {
    console.error('migrate: DATABASE_URL must be set to a postgres:// or postgresql:// connection string');
    return 2;
  }
  const migrationsFolder = process.env.MIGRATIONS_FOLDER ?? defaultMigrationsFolder;
  const handle = await createDb({ url, poolSize: 1 });
  try {
    const { applied } = await migrate(handle, { migrationsFolder });
    if (applied.length === 0) {
      console.log(`migrate: ${redact(url)} is up to date (migrations from ${migrationsFolder})`);
    } else {
      console.log(`migrate: applied ${applied.length} migration(s) to ${redact(url)}: ${applied.join(', ')}`);
    }
    return 0;
  } finally {
    await handle.close();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error('migrate: failed', err);
    process.exitCode = 1;
  },
);
