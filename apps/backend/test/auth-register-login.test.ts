import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCapturingLogger, createReplica } from './auth-fixtures';
import { createTestBackend, type TestBackend } from './harness';

interface UserJson {
  id: number;
  username: string;
  email: string;
  full_name: string;
  is_active: boolean;
  is_email_verified: boolean;
  last_login_at: string | null;
  [key: string]: unknown;
}
interface AuthJson {
  user: UserJson;
  access_token: string;
  refresh_token: string;
  token_type: string;
  requires_email_verification?: boolean;
}

const USER_FIELDS = [
  'id',
  'username',
  'email',
  'full_name',
  'avatar_url',
  'role',
  'is_active',
  'is_email_verified',
  'email_verified_at',
  'auth_provider',
  'created_at',
  'updated_at',
  'wallet_address',
  'domain',
  'aggregator_url',
  'last_login_at',
  'encryption_public_key',
  'bio',
  'is_email_public',
].sort();
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

let backend: TestBackend;
let seq = 0;
function unique(prefix: string): string {
  seq += 1;
  return `${prefix}${Date.now().toString(36)}${seq}`;
}
const register = (json: Record<string, unknown>) =>
  backend.api<AuthJson>('POST', '/api/v1/auth/register', { json });
const login = (form: Record<string, string>) => backend.api<AuthJson>('POST', '/api/v1/auth/login', { form });

function newAccount(overrides: Record<string, unknown> = {}) {
  const name = unique('acct');
  return {
    username: name,
    email: `${name}@example.com`,
    full_name: 'Ada Lovelace',
    password: 'analytical-1',
    ...overrides,
  };
}

beforeAll(async () => {
  backend = await createTestBackend();
});
afterAll(async () => {
  await backend.close();
});

describe('GET /api/v1/auth/config', () => {
  it('reports every e-mail feature off when no sender is configured', async () => {
    const res = await backend.api('GET', '/api/v1/auth/config');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      require_email_verification: false,
      smtp_configured: false,
      password_reset_enabled: false,
    });
  });
});

describe('[email] routes without an e-mail sender', () => {
  it('answer 404 EMAIL_NOT_CONFIGURED before looking at the body', async () => {
    const paths = [
      'register/verify-otp',
      'register/resend-otp',
      'password-reset/request',
      'password-reset/confirm',
    ];
    for (const path of paths) {
      for (const init of [
        { json: { email: 'a@example.com', code: '123456', new_password: 'new-pass-123' } },
        { raw: '{oops' },
        {},
      ]) {
        const res = await backend.api('POST', `/api/v1/auth/${path}`, init);
        expect(res.status, path).toBe(404);
        expect(res.body).toEqual({
          detail: { code: 'EMAIL_NOT_CONFIGURED', message: 'E-mail delivery is not configured on this hub.' },
          message: 'E-mail delivery is not configured on this hub.',
        });
      }
    }
  });
});

describe('POST /api/v1/auth/register', () => {
  it('creates a verified user with a session, lowercasing name and e-mail', async () => {
    const account = newAccount({ username: unique('Mixed_Case-'), email: `${unique('Ada.L')}@Example.COM` });
    const res = await register(account);
    expect(res.status).toBe(201);
    expect(res.headers.get('content-type')).toContain('application/json');
    const { user } = res.body;
    expect(Object.keys(user).sort()).toEqual(USER_FIELDS);
    expect(user).toMatchObject({
      username: (account.username as string).toLowerCase(),
      email: (account.email as string).toLowerCase(),
      full_name: 'Ada Lovelace',
      avatar_url: null,
      role: 'user',
      is_active: true,
      is_email_verified: true,
      auth_provider: 'local',
      wallet_address: null,
      encryption_public_key: null,
      is_email_public: false,
    });
    expect(user.created_at).toMatch(ISO_UTC);
    expect(user.last_login_at).toMatch(ISO_UTC);
    expect(res.body.token_type).toBe('bearer');
    expect(res.body.requires_email_verification).toBe(false);
    expect('password_hash' in user || 'password' in user).toBe(false);

    const me = await backend.api<UserJson>('GET', '/api/v1/auth/me', { token: res.body.access_token });
    expect(me.status).toBe(200);
    expect(me.body).toEqual(user);
    const refreshed = await backend.api('POST', '/api/v1/auth/refresh', {
      json: { refresh_token: res.body.refresh_token },
    });
    expect(refreshed.status).toBe(200);
  });

  it('accepts and ignores the legacy accounting fields', async () => {
    const res = await register(
      newAccount({ accounting_service_url: 'https://accounting.example', accounting_password: 42 }),
    );
    expect(res.status).toBe(201);
    expect(res.text).not.toContain('accounting');
  });

  it('answers 409 field email for a taken e-mail, whatever its case, even when the name is also taken', async () => {
    const first = newAccount();
    expect((await register(first)).status).toBe(201);
    const res = await register(newAccount({ email: (first.email as string).toUpperCase() }));
    expect(res.status).toBe(409);
    expect(res.body).toEqual({
      detail: { code: 'USER_ALREADY_EXISTS', message: 'Email already exists', field: 'email' },
      message: 'Email already exists',
    });
    const both = await register({ ...first, password: 'another-pass-2' });
    expect(both.status).toBe(409);
    expect(both.body).toMatchObject({ detail: { field: 'email' } });
  });

  it('answers 409 field username for a taken name in any case and for reserved names', async () => {
    const first = newAccount();
    expect((await register(first)).status).toBe(201);
    const expected = {
      detail: { code: 'USER_ALREADY_EXISTS', message: 'Username is not available', field: 'username' },
      message: 'Username is not available',
    };
    const taken = await register(newAccount({ username: (first.username as string).toUpperCase() }));
    expect(taken.status).toBe(409);
    expect(taken.body).toEqual(expected);
    for (const reserved of ['admin', 'API', 'well-known', 'guest-accessible']) {
      const res = await register(newAccount({ username: reserved }));
      expect(res.status, reserved).toBe(409);
      expect(res.body).toEqual(expected);
    }
  });

  it('refuses invalid fields with the 422 list and never echoes the password', async () => {
    const unicode = await register(newAccount({ username: 'jösé_ü' }));
    expect(unicode.status).toBe(422);
    expect(unicode.body).toMatchObject({ detail: [{ loc: ['body', 'username'] }] });

    const cases: Array<[Record<string, unknown>, string]> = [
      [{ username: 'ab' }, 'username'],
      [{ username: 'a'.repeat(51) }, 'username'],
      [{ email: 'not-an-email' }, 'email'],
      [{ email: `${'a'.repeat(250)}@example.com` }, 'email'],
      [{ full_name: '   ' }, 'full_name'],
      [{ full_name: 'x'.repeat(101) }, 'full_name'],
      [{ full_name: 'nul\u0000byte' }, 'full_name'],
      [{ full_name: 42 }, 'full_name'],
      [{ password: 'short1' }, 'password'],
      [{ password: 'no-digits-here' }, 'password'],
      [{ password: '1234567890' }, 'password'],
      [{ password: `a1${'x'.repeat(255)}` }, 'password'],
    ];
    for (const [override, field] of cases) {
      const res = await backend.api<{ detail: Array<{ loc: unknown[]; input?: unknown }> }>(
        'POST',
        '/api/v1/auth/register',
        { json: newAccount(override) },
      );
      expect(res.status, JSON.stringify(override)).toBe(422);
      const items = res.body.detail;
      expect(items.map((item) => item.loc)).toContainEqual(['body', field]);
      if (field === 'password') expect(items.every((item) => !('input' in item))).toBe(true);
    }

    const missing = await backend.api<{ detail: Array<{ type: string; loc: string[] }> }>(
      'POST',
      '/api/v1/auth/register',
      { json: {} },
    );
    expect(missing.status).toBe(422);
    expect(missing.body.detail.map((d) => [d.type, d.loc[1]])).toEqual([
      ['missing', 'username'],
      ['missing', 'email'],
      ['missing', 'full_name'],
      ['missing', 'password'],
    ]);
    const notObject = await backend.api('POST', '/api/v1/auth/register', { json: ['a'] });
    expect(notObject.status).toBe(422);
  });

  it('stores SQL and HTML strings inert and returns them verbatim', async () => {
    const hostile = `<script>alert(1)</script>'); DROP TABLE users;-- "${'\u202e'}`;
    const res = await register(newAccount({ full_name: hostile }));
    expect(res.status).toBe(201);
    expect(res.body.user.full_name).toBe(hostile.trim());
    const me = await backend.api<UserJson>('GET', '/api/v1/auth/me', { token: res.body.access_token });
    expect(me.body.full_name).toBe(hostile.trim());
    expect((await register(newAccount())).status).toBe(201);
    const injectedLogin = await login({ username: "' OR '1'='1", password: "' OR '1'='1" });
    expect(injectedLogin.status).toBe(401);
  });
});

describe('POST /api/v1/auth/login', () => {
  let account: ReturnType<typeof newAccount>;
  beforeAll(async () => {
    account = newAccount();
    expect((await register(account)).status).toBe(201);
  });

  it('signs in by username with the OAuth2 password form and stamps last_login_at', async () => {
    const before = await login({
      username: account.username as string,
      password: account.password as string,
    });
    expect(before.status).toBe(200);
    expect(Object.keys(before.body).sort()).toEqual(['access_token', 'refresh_token', 'token_type', 'user']);
    expect(before.body.token_type).toBe('bearer');
    expect(Object.keys(before.body.user).sort()).toEqual(USER_FIELDS);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const again = await login({
      username: (account.username as string).toUpperCase(),
      password: account.password as string,
      grant_type: 'password',
      scope: 'anything',
      client_id: 'ignored',
    });
    expect(again.status).toBe(200);
    expect(Date.parse(again.body.user.last_login_at ?? '')).toBeGreaterThan(
      Date.parse(before.body.user.last_login_at ?? ''),
    );
    const me = await backend.api<UserJson>('GET', '/api/v1/auth/me', { token: again.body.access_token });
    expect(me.body.username).toBe(account.username);
  });

  it('signs in by e-mail (any case), also as multipart/form-data', async () => {
    const byEmail = await login({
      username: ` ${(account.email as string).toUpperCase()} `,
      password: account.password as string,
    });
    expect(byEmail.status).toBe(200);
    expect(byEmail.body.user.email).toBe(account.email);

    const form = new FormData();
    form.set('username', account.email as string);
    form.set('password', account.password as string);
    form.set('grant_type', '');
    const multipart = await backend.app.request('/api/v1/auth/login', { method: 'POST', body: form });
    expect(multipart.status).toBe(200);
  });

  it('does not read a JSON body: 422 missing form fields', async () => {
    const res = await backend.api<{ detail: Array<{ type: string; loc: string[] }> }>(
      'POST',
      '/api/v1/auth/login',
      {
        json: { username: account.username, password: account.password },
      },
    );
    expect(res.status).toBe(422);
    expect(res.body.detail.map((d) => [d.type, d.loc.join('.')])).toEqual([
      ['missing', 'body.username'],
      ['missing', 'body.password'],
    ]);
  });

  it('answers 400 to a malformed multipart body and 422 to a file where text belongs', async () => {
    for (const contentType of ['multipart/form-data; boundary=xyz', 'multipart/form-data']) {
      const res = await backend.api('POST', '/api/v1/auth/login', {
        raw: 'garbage',
        headers: { 'Content-Type': contentType },
      });
      expect(res.status, contentType).toBe(400);
      expect(res.body).toEqual({ detail: 'There was an error parsing the body' });
    }
    const form = new FormData();
    form.set('username', new Blob(['x']), 'name.txt');
    form.set('password', 'x');
    const file = await backend.app.request('/api/v1/auth/login', { method: 'POST', body: form });
    expect(file.status).toBe(422);
  });

  it('validates the form fields', async () => {
    const grant = await login({ username: 'x', password: 'y', grant_type: 'client_credentials' });
    expect(grant.status).toBe(422);
    expect(grant.body).toMatchObject({ detail: [{ loc: ['body', 'grant_type'] }] });
    expect((await login({ username: 'x'.repeat(256), password: 'y' })).status).toBe(422);
    expect((await login({ username: 'x', password: 'y'.repeat(257) })).status).toBe(422);
    expect((await login({ username: '', password: 'y' })).status).toBe(422);
    expect((await login({ username: 'nul\u0000name', password: 'y' })).status).toBe(422);
  });

  it('answers 401 "Invalid credentials" alike for a wrong password, an unknown user and an unknown e-mail', async () => {
    const attempts = [
      { username: account.username as string, password: 'wrong-password-1' },
      { username: unique('nobody'), password: 'whatever-1' },
      { username: `${unique('nobody')}@example.com`, password: 'whatever-1' },
      // Upstream raised a 500 on identifiers over 50 characters (§19 #18).
      { username: `${'long'.repeat(60)}@example.com`, password: 'whatever-1' },
    ];
    for (const form of attempts) {
      const res = await login(form);
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ detail: 'Invalid credentials' });
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
    }
  });

  it('answers 401 "Account is deactivated" only after the password was right', async () => {
    const admin = await backend.registerAdmin();
    const victim = await backend.registerUser();
    const deactivated = await backend.api('PATCH', `/api/v1/users/${victim.user.id}/deactivate`, {
      token: admin.access_token,
    });
    expect(deactivated.status).toBe(200);
    const right = await login({ username: victim.user.username, password: victim.password });
    expect(right.status).toBe(401);
    expect(right.body).toEqual({ detail: 'Account is deactivated' });
    expect(right.headers.get('www-authenticate')).toBe('Bearer');
    const wrong = await login({ username: victim.user.username, password: 'wrong-password-1' });
    expect(wrong.body).toEqual({ detail: 'Invalid credentials' });
  });

  it('logs success and failure events with a hashed identifier, and counts them', async () => {
    const capture = createCapturingLogger();
    const replica = await createReplica(backend, { logger: capture.logger });
    try {
      const identifier = account.email as string;
      expect(
        (
          await replica.api('POST', '/api/v1/auth/login', {
            form: { username: identifier, password: 'nope-nope-1' },
          })
        ).status,
      ).toBe(401);
      expect(
        (await replica.api('POST', '/api/v1/auth/login', { form: { username: 'ghost-user', password: 'x' } }))
          .status,
      ).toBe(401);
      const ok = await replica.api<AuthJson>('POST', '/api/v1/auth/login', {
        form: { username: identifier, password: account.password as string },
      });
      expect(ok.status).toBe(200);

      const events = capture.lines.filter((line) => String(line.event).startsWith('user.login'));
      expect(events.map((e) => [e.event, e.level, e.reason])).toEqual([
        ['user.login.failed', 'warn', 'bad_password'],
        ['user.login.failed', 'warn', 'unknown_user'],
        ['user.login.success', 'info', undefined],
      ]);
      const [badPassword, unknownUser, success] = events;
      expect(badPassword?.identifier_hash).toMatch(/^[0-9a-f]{16}$/);
      expect(unknownUser?.identifier_hash).not.toBe(badPassword?.identifier_hash);
      expect(success).toMatchObject({
        user_id: ok.body.user.id,
        username: account.username,
        via: 'password',
      });
      const everything = JSON.stringify(capture.lines);
      expect(everything).not.toContain(identifier);
      expect(everything).not.toContain('ghost-user');
      expect(everything).not.toContain('nope-nope-1');
      expect(everything).not.toContain(account.password as string);

      const metrics = await replica.api<string>('GET', '/metrics');
      expect(metrics.text).toMatch(/auth_logins_total\{[^}]*result="success"[^}]*\} 1/);
      expect(metrics.text).toMatch(/auth_logins_total\{[^}]*result="bad_password"[^}]*\} 1/);
      expect(metrics.text).toMatch(/auth_logins_total\{[^}]*result="unknown_user"[^}]*\} 1/);
    } finally {
      await replica.close();
    }
  });

  it('re-hashes a password stored with other argon2 parameters on the next login', async () => {
    const { db } = backend.deps;
    const { createPasswordHasher } = await import('@syfthub/auth');
    const { eq, users } = await import('@syfthub/db');
    const user = await backend.registerUser();
    const oldHash = await createPasswordHasher({ memoryKiB: 2048, iterations: 2, parallelism: 1 }).hash(
      user.password,
    );
    await db.update(users).set({ passwordHash: oldHash }).where(eq(users.id, user.user.id));
    expect((await login({ username: user.user.username, password: user.password })).status).toBe(200);
    const [row] = await db.select({ hash: users.passwordHash }).from(users).where(eq(users.id, user.user.id));
    expect(row?.hash).not.toBe(oldHash);
    expect(row?.hash).toContain('m=1024,t=1,p=1');
    expect((await login({ username: user.user.username, password: user.password })).status).toBe(200);
  });
});
