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

/** Each scenario starts from a hub without admins, which is when the bootstrap acts. */
async function demoteEveryone() {
  await backend.deps.db.update(users).set({ role: 'user' }).where(eq(users.role, 'admin'));
}

const owner = (name: string) => ({
  BOOTSTRAP_ADMIN_USERNAME: name,
  BOOTSTRAP_ADMIN_EMAIL: `${name.replace(/_/g, '.')}@example.com`,
  BOOTSTRAP_ADMIN_PASSWORD: PASSWORD,
});

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
    expect(rows[0]?.emailVerifiedAt).toBeInstanceOf(Date);

    const res = await login('hub_owner', PASSWORD);
    expect(res.status).toBe(200);
    expect(res.body.user.role).toBe('admin');
    expect(JSON.stringify(capture.lines)).not.toContain(PASSWORD);
    expect(capture.lines.filter((l) => l.event === 'bootstrap_admin.created')).toHaveLength(1);
  });

  it('acts only while no admin exists', async () => {
    await demoteEveryone();
    await backend.registerAdmin();
    await bootstrap(owner('only_when_none'));
    expect(await userNamed('only_when_none')).toBeUndefined();
  });

  // Issue 19 defect 7: the name alone was promoted on every start, so whoever registered a freed name became admin.
  it('never promotes whoever holds the name: after a rename, a deletion, or a registration with the address', async () => {
    await demoteEveryone();
    const settings = owner('the_owner');
    await bootstrap(settings);
    const original = await userNamed('the_owner');
    expect(original?.role).toBe('admin');

    // Renamed and demoted; someone registers the freed name. The next start re-promotes the bound account only.
    await backend.deps.db
      .update(users)
      .set({ username: 'renamed_owner', role: 'user' })
      .where(eq(users.id, original?.id ?? 0));
    const squatter = await backend.registerUser({ username: 'the_owner' });
    await bootstrap(settings);
    expect((await userNamed('the_owner'))?.role).toBe('user');
    expect((await userNamed('renamed_owner'))?.role).toBe('admin');

    // Deleted; someone registers the name and, on this hub without an e-mail sender, the address too. Unproven.
    await backend.deps.db.delete(users).where(eq(users.id, original?.id ?? 0));
    await backend.deps.db.delete(users).where(eq(users.id, squatter.user.id));
    const impostor = await backend.registerUser({
      username: 'the_owner',
      email: settings.BOOTSTRAP_ADMIN_EMAIL,
    });
    await bootstrap(settings);
    expect((await userNamed('the_owner'))?.role).toBe('user');
    expect(
      capture.lines.some((l) => l.event === 'bootstrap_admin.refused' && l.reason === 'email_not_proven'),
    ).toBe(true);
    expect((await login(impostor.user.username, impostor.password)).body.user.role).toBe('user');

    // Only the name, with another address: refused as well.
    await backend.deps.db
      .update(users)
      .set({ email: 'someone.else@example.com' })
      .where(eq(users.id, impostor.user.id));
    await bootstrap(settings);
    expect((await userNamed('the_owner'))?.role).toBe('user');
    expect(
      capture.lines.some((l) => l.event === 'bootstrap_admin.refused' && l.reason === 'username_taken'),
    ).toBe(true);
  });

  it('promotes an account that proved the configured address, without touching its password', async () => {
    await demoteEveryone();
    const user = await backend.registerUser();
    await backend.deps.db
      .update(users)
      .set({ emailVerifiedAt: new Date() })
      .where(eq(users.id, user.user.id));
    await bootstrap({
      BOOTSTRAP_ADMIN_USERNAME: 'any_name',
      BOOTSTRAP_ADMIN_EMAIL: user.user.email,
      BOOTSTRAP_ADMIN_PASSWORD: PASSWORD,
    });
    expect((await userNamed(user.user.username))?.role).toBe('admin');
    expect((await login(user.user.username, user.password)).status).toBe(200);
    expect((await login(user.user.username, PASSWORD)).status).toBe(401);
  });

  it('stops start-up with a clear message for unusable settings, never echoing the password', async () => {
    const cases: Array<[Partial<BackendConfig>, RegExp]> = [
      [{ BOOTSTRAP_ADMIN_USERNAME: 'newadmin' }, /needs BOOTSTRAP_ADMIN_EMAIL and BOOTSTRAP_ADMIN_PASSWORD/],
      [
        { BOOTSTRAP_ADMIN_USERNAME: 'newadmin', BOOTSTRAP_ADMIN_EMAIL: 'a@example.com' },
        /needs BOOTSTRAP_ADMIN_EMAIL and BOOTSTRAP_ADMIN_PASSWORD/,
      ],
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
