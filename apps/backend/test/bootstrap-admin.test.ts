import { eq, users } from '@syfthub/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BootstrapAdminError, ensureBootstrapAdmin } from '../src/cli/bootstrap-admin';
import type { BackendConfig } from '../src/env';
import { createCapturingLogger } from './auth-fixtures';
import { createTestBackend, type TestBackend } from './harness';

let backend: TestBackend;
const capture = createCapturingLogger();

beforeAll(async () => {
  backend = await createTestBackend();
});
afterAll(async () => {
  await backend.close();
});

const PASSWORD = 'Bootstrap-Secret-42';

function bootstrap(settings: Partial<BackendConfig>) {
  return ensureBootstrapAdmin({
    ...backend.deps,
    logger: capture.logger,
    config: { ...backend.config, ...settings },
  });
}

async function userNamed(username: string) {
  const [row] = await backend.deps.db.select().from(users).where(eq(users.username, username));
  return row;
}

const login = (username: string, password: string) =>
  backend.api<{ user: { role: string; is_email_verified: boolean } }>('POST', '/api/v1/auth/login', {
    form: { username, password },
  });

describe('ensureBootstrapAdmin', () => {
  it('does nothing when no bootstrap admin is configured', async () => {
    await bootstrap({});
    const rows = await backend.deps.db.select({ id: users.id }).from(users);
    expect(rows).toHaveLength(0);
  });

  it('creates a verified admin who can sign in, once, however often it runs', async () => {
    const settings = {
      BOOTSTRAP_ADMIN_USERNAME: ' Hub_Owner ',
      BOOTSTRAP_ADMIN_EMAIL: 'Owner@Example.com',
      BOOTSTRAP_ADMIN_PASSWORD: PASSWORD,
    };
    await bootstrap(settings);
    await bootstrap(settings);
    await Promise.all([bootstrap(settings), bootstrap(settings)]);
    const rows = await backend.deps.db.select().from(users).where(eq(users.username, 'hub_owner'));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ email: 'owner@example.com', role: 'admin', isEmailVerified: true });

    const res = await login('hub_owner', PASSWORD);
    expect(res.status).toBe(200);
    expect(res.body.user.role).toBe('admin');
    expect(JSON.stringify(capture.lines)).not.toContain(PASSWORD);
    expect(capture.lines.filter((l) => l.event === 'bootstrap_admin.created')).toHaveLength(1);
  });

  it('promotes an existing user without touching the password', async () => {
    const user = await backend.registerUser();
    await bootstrap({ BOOTSTRAP_ADMIN_USERNAME: user.user.username.toUpperCase() });
    expect((await userNamed(user.user.username))?.role).toBe('admin');
    await bootstrap({
      BOOTSTRAP_ADMIN_USERNAME: user.user.username,
      BOOTSTRAP_ADMIN_EMAIL: 'other@example.com',
      BOOTSTRAP_ADMIN_PASSWORD: PASSWORD,
    });
    expect((await login(user.user.username, user.password)).status).toBe(200);
    expect((await login(user.user.username, PASSWORD)).status).toBe(401);
  });

  it('stops start-up with a clear message for unusable settings, never echoing the password', async () => {
    const taken = await backend.registerUser();
    const cases: Array<[Partial<BackendConfig>, RegExp]> = [
      [{ BOOTSTRAP_ADMIN_USERNAME: 'newadmin' }, /needs BOOTSTRAP_ADMIN_EMAIL and BOOTSTRAP_ADMIN_PASSWORD/],
      [{ BOOTSTRAP_ADMIN_PASSWORD: PASSWORD }, /without BOOTSTRAP_ADMIN_USERNAME/],
      [
        {
          BOOTSTRAP_ADMIN_USERNAME: 'ad',
          BOOTSTRAP_ADMIN_EMAIL: 'a@example.com',
          BOOTSTRAP_ADMIN_PASSWORD: PASSWORD,
        },
        /BOOTSTRAP_ADMIN_USERNAME is not valid/,
      ],
      [
        {
          BOOTSTRAP_ADMIN_USERNAME: 'Admin',
          BOOTSTRAP_ADMIN_EMAIL: 'a@example.com',
          BOOTSTRAP_ADMIN_PASSWORD: PASSWORD,
        },
        /reserved/,
      ],
      [
        {
          BOOTSTRAP_ADMIN_USERNAME: 'newadmin',
          BOOTSTRAP_ADMIN_EMAIL: 'nope',
          BOOTSTRAP_ADMIN_PASSWORD: PASSWORD,
        },
        /BOOTSTRAP_ADMIN_EMAIL is not valid/,
      ],
      [
        {
          BOOTSTRAP_ADMIN_USERNAME: 'newadmin',
          BOOTSTRAP_ADMIN_EMAIL: 'a@example.com',
          BOOTSTRAP_ADMIN_PASSWORD: 'weakpassword',
        },
        /BOOTSTRAP_ADMIN_PASSWORD is not valid/,
      ],
      [
        {
          BOOTSTRAP_ADMIN_USERNAME: 'newadmin',
          BOOTSTRAP_ADMIN_EMAIL: taken.user.email,
          BOOTSTRAP_ADMIN_PASSWORD: PASSWORD,
        },
        /belongs to user/,
      ],
    ];
    for (const [settings, message] of cases) {
      const failure = await bootstrap(settings).then(
        () => null,
        (err: unknown) => err,
      );
      expect(failure, JSON.stringify(settings)).toBeInstanceOf(BootstrapAdminError);
      expect((failure as Error).message).toMatch(message);
      expect((failure as Error).message).not.toContain('weakpassword');
      expect((failure as Error).message).not.toContain(PASSWORD);
    }
    expect(await userNamed('newadmin')).toBeUndefined();
  });
});
