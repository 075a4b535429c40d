import { spawnSync } from 'node:child_process';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSessionService } from '../src/auth/sessions';
import { generateSigningKeySettings, revokeAllSessions, setUserRole } from '../src/cli/commands';
import { createApiToken } from './endpoints-fixtures';
import { createTestBackend, type TestBackend } from './harness';

let backend: TestBackend;
beforeAll(async () => {
  backend = await createTestBackend();
});
afterAll(async () => {
  await backend.close();
});

const me = (token: string) => backend.api<{ role: string }>('GET', '/api/v1/auth/me', { token });
const refresh = (refreshToken: string) =>
  backend.api('POST', '/api/v1/auth/refresh', { json: { refresh_token: refreshToken } });

describe('sessions:revoke-all', () => {
  it('ends every session of every user, keeps API tokens working and lets users sign in again', async () => {
    const alice = await backend.registerUser();
    const bob = await backend.registerUser();
    const apiToken = await createApiToken(backend, alice.access_token, ['read']);
    expect((await me(alice.access_token)).status).toBe(200);

    const revoked = await revokeAllSessions(createSessionService(backend.deps));
    expect(revoked).toBeGreaterThanOrEqual(2);

    for (const user of [alice, bob]) {
      expect((await me(user.access_token)).status).toBe(401);
      expect((await refresh(user.refresh_token)).status).toBe(401);
    }
    expect((await me(apiToken)).status).toBe(200);
    const again = await backend.api<{ access_token: string }>('POST', '/api/v1/auth/login', {
      form: { username: alice.user.username, password: alice.password },
    });
    expect(again.status).toBe(200);
    expect((await me(again.body.access_token)).status).toBe(200);
    // Nothing left to revoke but the new session.
    expect(await revokeAllSessions(createSessionService(backend.deps))).toBe(1);
  });
});

describe('admin:promote / admin:demote', () => {
  it('changes the role on the next request, whatever the case and spacing of the username', async () => {
    const user = await backend.registerUser();
    expect((await me(user.access_token)).body.role).toBe('user');
    expect(await setUserRole(backend.deps.db, `  ${user.user.username.toUpperCase()} `, 'admin')).toBe(true);
    expect((await me(user.access_token)).body.role).toBe('admin');
    expect(await setUserRole(backend.deps.db, user.user.username, 'user')).toBe(true);
    expect((await me(user.access_token)).body.role).toBe('user');
    expect(await setUserRole(backend.deps.db, 'no-such-user', 'admin')).toBe(false);
  });
});

describe('keys:generate', () => {
  it('prints a usable key pair as base64 PEM settings', async () => {
    const output = await generateSigningKeySettings('hub-key-test');
    const settings = Object.fromEntries(
      output
        .trim()
        .split('\n')
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    expect(settings.RSA_KEY_ID).toBe('hub-key-test');
    const privateKey = createPrivateKey(
      Buffer.from(settings.RSA_PRIVATE_KEY_PEM ?? '', 'base64').toString('utf8'),
    );
    const publicKey = createPublicKey(
      Buffer.from(settings.RSA_PUBLIC_KEY_PEM ?? '', 'base64').toString('utf8'),
    );
    expect(privateKey.asymmetricKeyType).toBe('rsa');
    expect(createPublicKey(privateKey).export({ format: 'jwk' })).toEqual(
      publicKey.export({ format: 'jwk' }),
    );
  });
});

describe('node dist/cli.js (the entry point, run as a process)', () => {
  const cli = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(new URL('../src/cli.ts', import.meta.url)), ...args],
      {
        encoding: 'utf8',
        env: { ...process.env, ...env },
        timeout: 60_000,
      },
    );

  it('prints usage for no command and refuses unknown ones', () => {
    const help = cli([]);
    expect(help.status).toBe(0);
    expect(help.stderr).toContain('sessions:revoke-all');
    const unknown = cli(['drop:everything']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('Usage');
    const missing = cli(['admin:promote']);
    expect(missing.status).toBe(2);
  });

  it('runs keys:generate without a database', () => {
    const run = cli(['keys:generate', 'kid-1']);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(
      /^RSA_KEY_ID=kid-1\nRSA_PRIVATE_KEY_PEM=[A-Za-z0-9+/=]+\nRSA_PUBLIC_KEY_PEM=[A-Za-z0-9+/=]+\n$/,
    );
  });

  it.runIf(process.env.DATABASE_URL)(
    'promotes through the database it is configured with, and exits 1 for an unknown user',
    async () => {
      const user = await backend.registerUser();
      const env = {
        DATABASE_URL: backend.database.url as string,
        REDIS_URL: 'memory://',
        ENVIRONMENT: 'test',
        RSA_KEYS_DIRECTORY: backend.config.RSA_KEYS_DIRECTORY ?? '',
      };
      const promoted = cli(['admin:promote', user.user.username], env);
      expect(promoted.stderr).toBe('');
      expect(promoted.status).toBe(0);
      expect((await me(user.access_token)).body.role).toBe('admin');
      const unknown = cli(['admin:promote', 'no-such-user'], env);
      expect(unknown.status).toBe(1);
      expect(unknown.stderr).toContain("no user named 'no-such-user'");
    },
  );
});
