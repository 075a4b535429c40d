import { eq, users } from '@syfthub/db';
import { buildDeps } from '../deps';
import { parseBackendEnv } from '../env';

// `pnpm --filter @syfthub/backend admin:promote <username>`: makes an existing user an admin (operations.md §4).
async function main(): Promise<void> {
  const username = process.argv[2]?.trim().toLowerCase();
  if (!username) {
    process.stderr.write('usage: admin:promote <username>\n');
    process.exit(2);
  }
  const deps = await buildDeps(parseBackendEnv({ ...process.env, LOG_LEVEL: 'warn' }));
  try {
    const updated = await deps.db
      .update(users)
      .set({ role: 'admin', updatedAt: new Date() })
      .where(eq(users.username, username))
      .returning({ id: users.id });
    if (updated.length === 0) {
      process.stderr.write(`no user named '${username}'\n`);
      process.exitCode = 1;
    } else {
      process.stdout.write(`'${username}' is now an admin\n`);
    }
  } finally {
    await deps.kv.close();
    await deps.dbHandle.close();
  }
}

void main();
