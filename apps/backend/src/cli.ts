import { runCli, usage } from '@syfthub/service';
import { createSessionService } from './auth/sessions';
import { generateSigningKeySettings, revokeAllSessions, setUserRole } from './cli/commands';
import { type BackendDeps, buildDeps } from './deps';
import { parseBackendEnv } from './env';

const USAGE = `Usage: node dist/cli.js <command>

  admin:promote <username>   make a user an admin
  admin:demote <username>    make an admin a regular user again
  sessions:revoke-all        revoke every session (after a restore or a suspected key leak); API tokens keep working
  keys:generate [kid]        print a new satellite-token signing key pair as RSA_KEY_ID / RSA_*_KEY_PEM settings
`;

async function withDeps<T>(work: (deps: BackendDeps) => Promise<T>): Promise<T> {
  const deps = await buildDeps(
    parseBackendEnv({ ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' }),
  );
  try {
    return await work(deps);
  } finally {
    await deps.kv.close();
    await deps.dbHandle.close();
  }
}

async function changeRole(username: string | undefined, role: 'admin' | 'user'): Promise<number> {
  if (!username?.trim()) {
    process.stderr.write(USAGE);
    return 2;
  }
  const found = await withDeps((deps) => setUserRole(deps.db, username, role));
  if (!found) {
    process.stderr.write(`no user named '${username.trim().toLowerCase()}'\n`);
    return 1;
  }
  process.stdout.write(
    `'${username.trim().toLowerCase()}' is now ${role === 'admin' ? 'an admin' : 'a user'}\n`,
  );
  return 0;
}

async function main(): Promise<number> {
  const [command, argument] = process.argv.slice(2);
  switch (command) {
    case 'admin:promote':
      return changeRole(argument, 'admin');
    case 'admin:demote':
      return changeRole(argument, 'user');
    case 'sessions:revoke-all': {
      const revoked = await withDeps((deps) => revokeAllSessions(createSessionService(deps)));
      process.stdout.write(`Revoked ${revoked} sessions\n`);
      return 0;
    }
    case 'keys:generate': {
      const stamp = new Date().toISOString().slice(0, 10).replaceAll('-', '');
      process.stdout.write(await generateSigningKeySettings(argument ?? `hub-key-${stamp}`));
      return 0;
    }
    default:
      return usage(USAGE, command);
  }
}

await runCli(main);
