import { apiTokens, eq, refreshTokens, userAggregators, users } from '@syfthub/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestBackend, type TestBackend } from './harness';
import { createAccount, createAdmin, createPat, startSession } from './users-fixtures';

type UserBody = Record<string, unknown> & { id: number; username: string; email: string };

const PASSWORD = 'correct-horse-1';

let backend: TestBackend;
beforeAll(async () => {
  backend = await createTestBackend();
});
afterAll(async () => {
  await backend.close();
});

const insufficientScope = (scope: string) => ({
  detail: {
    code: 'INSUFFICIENT_SCOPE',
    message: `This API token lacks the '${scope}' scope.`,
    required_scope: scope,
  },
  message: `This API token lacks the '${scope}' scope.`,
});
const operationNotPermitted = {
  detail: { code: 'PERMISSION_DENIED', message: 'Operation not permitted' },
  message: 'Operation not permitted',
};

describe('GET /users/me', () => {
  it('returns the caller as a User with every field of §3.1', async () => {
    const { user, token } = await createAccount(backend, { bio: 'hi' });
    const res = await backend.api<UserBody>('GET', '/api/v1/users/me', { token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      id: user.id,
      username: user.username,
      email: user.email,
      full_name: user.fullName,
      avatar_url: null,
      role: 'user',
      is_active: true,
      is_email_verified: true,
      email_verified_at: null,
      auth_provider: 'local',
      created_at: user.createdAt.toISOString(),
      updated_at: user.updatedAt.toISOString(),
      wallet_address: null,
      domain: null,
      aggregator_url: null,
      last_login_at: null,
      encryption_public_key: null,
      bio: 'hi',
      is_email_public: false,
    });
  });

  it('accepts a read-scope API token and rejects anonymous callers with 401', async () => {
    const { user } = await createAccount(backend);
    const pat = await createPat(backend, user.id, ['read']);
    expect((await backend.api('GET', '/api/v1/users/me', { token: pat })).status).toBe(200);
    const anon = await backend.api('GET', '/api/v1/users/me');
    expect(anon.status).toBe(401);
    expect(anon.body).toEqual({ detail: 'Could not validate credentials' });
    expect(anon.headers.get('www-authenticate')).toBe('Bearer');
  });
});

describe('PUT /users/me (UserUpdate)', () => {
  it('updates every field, normalising domain, username and e-mail', async () => {
    const { token } = await createAccount(backend, {
      passwordHash: await backend.deps.passwords.hash(PASSWORD),
    });
    const res = await backend.api<UserBody>('PUT', '/api/v1/users/me', {
      token,
      json: {
        current_password: PASSWORD,
        username: '  New_Name-1 ',
        email: ' New.Address@Example.COM ',
        full_name: '  Ada Lovelace ',
        avatar_url: 'https://cdn.example.com/a.png',
        domain: '  https://Sat.Example.com:8443/some/path/  ',
        aggregator_url: 'https://agg.example.com/api/v1',
        bio: '# About me',
        is_email_public: true,
        wallet_address: '0xabc',
        role: 'admin',
      },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      username: 'new_name-1',
      email: 'new.address@example.com',
      full_name: 'Ada Lovelace',
      avatar_url: 'https://cdn.example.com/a.png',
      domain: 'https://sat.example.com:8443',
      aggregator_url: 'https://agg.example.com/api/v1',
      bio: '# About me',
      is_email_public: true,
      wallet_address: null,
      role: 'user',
    });
    const me = await backend.api<UserBody>('GET', '/api/v1/users/me', { token });
    expect(me.body.username).toBe('new_name-1');
  });

  it('leaves absent and null fields unchanged, except domain and bio which null clears', async () => {
    const { token, user } = await createAccount(backend, {
      domain: 'https://old.example.com',
      bio: 'old bio',
      avatarUrl: '/avatars/1.png',
      aggregatorUrl: 'https://agg.example.com',
    });
    const res = await backend.api<UserBody>('PUT', '/api/v1/users/me', {
      token,
      json: {
        username: null,
        email: null,
        full_name: null,
        avatar_url: null,
        is_active: null,
        aggregator_url: null,
        is_email_public: null,
        domain: null,
        bio: null,
      },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      username: user.username,
      email: user.email,
      full_name: user.fullName,
      avatar_url: '/avatars/1.png',
      aggregator_url: 'https://agg.example.com',
      is_active: true,
      domain: null,
      bio: null,
    });
  });

  it('clears avatar_url, aggregator_url and domain with empty strings and accepts tunneling domains', async () => {
    const { token, user } = await createAccount(backend, {
      avatarUrl: 'https://x.example/a.png',
      aggregatorUrl: 'https://agg.example.com',
    });
    const cleared = await backend.api<UserBody>('PUT', '/api/v1/users/me', {
      token,
      json: { avatar_url: '', aggregator_url: '', domain: `tunneling:${user.username.toUpperCase()}` },
    });
    expect(cleared.status).toBe(200);
    expect(cleared.body).toMatchObject({
      avatar_url: null,
      aggregator_url: null,
      domain: `tunneling:${user.username}`,
    });
    const foreign = await backend.api<{ detail: Array<{ loc: unknown[]; msg: string }> }>(
      'PUT',
      '/api/v1/users/me',
      { token, json: { domain: 'tunneling:someone-else' } },
    );
    expect(foreign.status).toBe(422);
    expect(foreign.body.detail[0]).toMatchObject({
      loc: ['body', 'domain'],
      msg: `Value error, a tunnel must be named after its owner: tunneling:${user.username}`,
    });
    const domainCleared = await backend.api<UserBody>('PUT', '/api/v1/users/me', {
      token,
      json: { domain: '' },
    });
    expect(domainCleared.body.domain).toBeNull();
  });

  it('rejects avatar URLs with a non-web scheme, however they are disguised', async () => {
    const { token } = await createAccount(backend);
    for (const avatar of [
      'javascript:alert(1)',
      ' JavaScript:alert(1)',
      'java\tscript:alert(1)',
      'data:text/html,x',
    ]) {
      const res = await backend.api<{ detail: Array<{ loc: unknown[]; msg: string }> }>(
        'PUT',
        '/api/v1/users/me',
        {
          token,
          json: { avatar_url: avatar },
        },
      );
      expect(res.status, avatar).toBe(422);
      expect(res.body.detail[0]?.loc).toEqual(['body', 'avatar_url']);
      expect(res.body.detail[0]?.msg).toContain('Avatar URL must use http or https');
    }
    const relative = await backend.api<UserBody>('PUT', '/api/v1/users/me', {
      token,
      json: { avatar_url: '/static/me.png' },
    });
    expect(relative.status).toBe(200);
    expect(relative.body.avatar_url).toBe('/static/me.png');
  });

  it('validates fields with the 422 list', async () => {
    const { token } = await createAccount(backend);
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ username: 'has space' }, 'username'],
      [{ username: 'ab' }, 'username'],
      [{ email: 'not-an-email' }, 'email'],
      [{ full_name: '   ' }, 'full_name'],
      [{ full_name: 'x'.repeat(101) }, 'full_name'],
      [{ domain: 'ftp://files.example.com' }, 'domain'],
      [{ aggregator_url: 'javascript:alert(1)' }, 'aggregator_url'],
      [{ aggregator_url: 'agg.example.com' }, 'aggregator_url'],
      [{ bio: 'b'.repeat(2001) }, 'bio'],
      [{ is_active: 'no' }, 'is_active'],
      [{ avatar_url: `https://x.example/${'a'.repeat(500)}` }, 'avatar_url'],
    ];
    for (const [json, field] of cases) {
      const res = await backend.api<{ detail: Array<{ loc: unknown[] }> }>('PUT', '/api/v1/users/me', {
        token,
        json,
      });
      expect(res.status, JSON.stringify(json)).toBe(422);
      expect(res.body.detail[0]?.loc).toEqual(['body', field]);
    }
    const malformed = await backend.api<{ detail: Array<{ type: string }> }>('PUT', '/api/v1/users/me', {
      token,
      raw: '{"bio":',
      headers: { 'Content-Type': 'application/json' },
    });
    expect(malformed.status).toBe(422);
    expect(malformed.body.detail[0]?.type).toBe('json_invalid');
  });

  it('answers 409 CONFLICT with resource and field for taken or reserved names', async () => {
    const other = await createAccount(backend);
    const { token, user } = await createAccount(backend, {
      passwordHash: await backend.deps.passwords.hash(PASSWORD),
    });
    const taken = await backend.api('PUT', '/api/v1/users/me', {
      token,
      json: { username: other.user.username.toUpperCase() },
    });
    expect(taken.status).toBe(409);
    expect(taken.body).toEqual({
      detail: { code: 'CONFLICT', message: 'Username already exists', resource: 'user', field: 'username' },
      message: 'Username already exists',
    });
    const reserved = await backend.api('PUT', '/api/v1/users/me', { token, json: { username: 'Admin' } });
    expect(reserved.status).toBe(409);
    expect(reserved.body).toEqual(taken.body);
    const email = await backend.api('PUT', '/api/v1/users/me', {
      token,
      json: { email: other.user.email, current_password: PASSWORD },
    });
    expect(email.status).toBe(409);
    expect(email.body).toEqual({
      detail: { code: 'CONFLICT', message: 'Email already exists', resource: 'user', field: 'email' },
      message: 'Email already exists',
    });
    // Nothing was half-applied, and re-sending one's own name and e-mail is not a conflict.
    const same = await backend.api<UserBody>('PUT', '/api/v1/users/me', {
      token,
      json: { username: user.username.toUpperCase(), email: user.email },
    });
    expect(same.status).toBe(200);
    expect(same.body).toMatchObject({ username: user.username, email: user.email });
  });

  it('needs the write scope: a read-scope token gets 403 INSUFFICIENT_SCOPE', async () => {
    const { user } = await createAccount(backend);
    const read = await createPat(backend, user.id, ['read']);
    const res = await backend.api('PUT', '/api/v1/users/me', { token: read, json: { bio: 'x' } });
    expect(res.status).toBe(403);
    expect(res.body).toEqual(insufficientScope('write'));
    expect(res.headers.get('www-authenticate')).toBe('Bearer error="insufficient_scope", scope="write"');
    const write = await createPat(backend, user.id, ['write']);
    expect((await backend.api('PUT', '/api/v1/users/me', { token: write, json: { bio: 'x' } })).status).toBe(
      200,
    );
  });

  it('is_active false deactivates the account and revokes its sessions', async () => {
    const { token, user } = await createAccount(backend);
    const pat = await createPat(backend, user.id, ['write']);
    const res = await backend.api<UserBody>('PUT', '/api/v1/users/me', { token, json: { is_active: false } });
    expect(res.status).toBe(200);
    expect(res.body.is_active).toBe(false);
    expect((await backend.api('GET', '/api/v1/users/me', { token })).status).toBe(401);
    const viaPat = await backend.api('GET', '/api/v1/users/me', { token: pat });
    expect(viaPat.status).toBe(401);
    expect(viaPat.body).toEqual({ detail: 'User account is inactive' });
    const sessions = await backend.deps.db
      .select()
      .from(refreshTokens)
      .where(eq(refreshTokens.userId, user.id));
    expect(sessions.map((s) => s.revokedReason)).toEqual(['user_deactivated']);
  });
});

describe('availability checks', () => {
  it('check-username: false when taken, reserved or invalid; lowercases', async () => {
    const { user } = await createAccount(backend);
    const check = (name: string) =>
      backend.api('GET', `/api/v1/users/check-username/${encodeURIComponent(name)}`);
    expect((await check('Fresh_Name')).body).toEqual({ available: true, username: 'fresh_name' });
    expect((await check(user.username.toUpperCase())).body).toEqual({
      available: false,
      username: user.username,
    });
    expect((await check('Admin')).body).toEqual({ available: false, username: 'admin' });
    expect((await check('no way')).body).toEqual({ available: false, username: 'no way' });
    expect((await check('ab')).body).toEqual({ available: false, username: 'ab' });
  });

  it('check-email: URL-decoded, lowercased, false when taken or invalid', async () => {
    const { user } = await createAccount(backend);
    const free = await backend.api('GET', '/api/v1/users/check-email/Someone.New%40Example.com');
    expect(free.status).toBe(200);
    expect(free.body).toEqual({ available: true, email: 'someone.new@example.com' });
    const taken = await backend.api(
      'GET',
      `/api/v1/users/check-email/${encodeURIComponent(user.email.toUpperCase())}`,
    );
    expect(taken.body).toEqual({ available: false, email: user.email });
    expect((await backend.api('GET', '/api/v1/users/check-email/nope')).body).toEqual({
      available: false,
      email: 'nope',
    });
  });

  it('uses the lookup rate bucket', async () => {
    const limited = await createTestBackend({ RATE_LIMIT_ENABLED: 'true', LOOKUP_RATE_LIMIT_MAX: '2' });
    try {
      const path = '/api/v1/users/check-username/someone';
      const first = await limited.api('GET', path);
      expect(first.headers.get('x-ratelimit-limit')).toBe('2');
      await limited.api('GET', '/api/v1/users/check-email/a%40b.example');
      const third = await limited.api('GET', path);
      expect(third.status).toBe(429);
      expect(third.headers.get('retry-after')).toBeTruthy();
    } finally {
      await limited.close();
    }
  });
});

describe('GET /users/public/{username}', () => {
  it('shows the public profile, e-mail only when public, case-insensitively', async () => {
    const hidden = await createAccount(backend, { bio: 'bio', domain: 'https://d.example' });
    const res = await backend.api('GET', `/api/v1/users/public/${hidden.user.username.toUpperCase()}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      username: hidden.user.username,
      full_name: hidden.user.fullName,
      avatar_url: null,
      role: 'user',
      bio: 'bio',
      domain: 'https://d.example',
      email: null,
      is_email_public: false,
      created_at: hidden.user.createdAt.toISOString(),
    });
    const shown = await createAccount(backend, { isEmailPublic: true });
    const pub = await backend.api<{ email: string }>('GET', `/api/v1/users/public/${shown.user.username}`);
    expect(pub.body.email).toBe(shown.user.email);
  });

  it('answers 404 for missing and inactive users', async () => {
    const inactive = await createAccount(backend, { isActive: false });
    for (const name of [inactive.user.username, 'nobody-here']) {
      const res = await backend.api('GET', `/api/v1/users/public/${name}`);
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ detail: 'User not found' });
    }
  });
});

describe('/users/{user_id}', () => {
  it('GET: self or admin; others 403; missing 404; non-digit ids do not match; huge ids 422', async () => {
    const alice = await createAccount(backend);
    const bob = await createAccount(backend);
    const admin = await createAdmin(backend);
    expect(
      (await backend.api<UserBody>('GET', `/api/v1/users/${alice.user.id}`, { token: alice.token })).body.id,
    ).toBe(alice.user.id);
    const denied = await backend.api('GET', `/api/v1/users/${alice.user.id}`, { token: bob.token });
    expect(denied.status).toBe(403);
    expect(denied.body).toEqual({
      detail: { code: 'PERMISSION_DENIED', message: 'Access denied: insufficient permissions' },
      message: 'Access denied: insufficient permissions',
    });
    expect((await backend.api('GET', `/api/v1/users/${alice.user.id}`, { token: admin.token })).status).toBe(
      200,
    );
    const missing = await backend.api('GET', '/api/v1/users/99999999', { token: admin.token });
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ detail: 'User not found' });
    expect((await backend.api('GET', '/api/v1/users/abc', { token: admin.token })).status).toBe(404);
    expect((await backend.api('GET', '/api/v1/users/99999999999', { token: admin.token })).status).toBe(422);
  });

  it('PUT: others get 403 "Can only update your own profile"; admins update anyone', async () => {
    const alice = await createAccount(backend);
    const bob = await createAccount(backend);
    const admin = await createAdmin(backend);
    const denied = await backend.api('PUT', `/api/v1/users/${alice.user.id}`, {
      token: bob.token,
      json: { bio: 'x' },
    });
    expect(denied.status).toBe(403);
    expect(denied.body).toEqual({
      detail: { code: 'PERMISSION_DENIED', message: 'Can only update your own profile' },
      message: 'Can only update your own profile',
    });
    const self = await backend.api<UserBody>('PUT', `/api/v1/users/${alice.user.id}`, {
      token: alice.token,
      json: { full_name: 'Alice A' },
    });
    expect(self.body.full_name).toBe('Alice A');
    const byAdmin = await backend.api<UserBody>('PUT', `/api/v1/users/${alice.user.id}`, {
      token: admin.token,
      json: { bio: 'set by admin' },
    });
    expect(byAdmin.status).toBe(200);
    expect(byAdmin.body).toMatchObject({ id: alice.user.id, bio: 'set by admin', full_name: 'Alice A' });
    const missing = await backend.api('PUT', '/api/v1/users/99999999', {
      token: admin.token,
      json: { bio: 'x' },
    });
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ detail: 'User not found' });
  });

  it('admin PUT with is_active false revokes the target’s sessions', async () => {
    const target = await createAccount(backend);
    const admin = await createAdmin(backend);
    const res = await backend.api<UserBody>('PUT', `/api/v1/users/${target.user.id}`, {
      token: admin.token,
      json: { is_active: false },
    });
    expect(res.body.is_active).toBe(false);
    expect((await backend.api('GET', '/api/v1/users/me', { token: target.token })).status).toBe(401);
    expect((await backend.api('GET', '/api/v1/users/me', { token: admin.token })).status).toBe(200);
  });
});

describe('activate / deactivate', () => {
  it('deactivation revokes every session; activation lets the user sign in again', async () => {
    const target = await createAccount(backend);
    const second = await createAccount(backend);
    const admin = await createAdmin(backend);
    const deactivated = await backend.api<UserBody>('PATCH', `/api/v1/users/${target.user.id}/deactivate`, {
      token: admin.token,
    });
    expect(deactivated.status).toBe(200);
    expect(deactivated.body).toMatchObject({ id: target.user.id, is_active: false });
    const rejected = await backend.api('GET', '/api/v1/users/me', { token: target.token });
    expect(rejected.status).toBe(401);
    expect(rejected.headers.get('www-authenticate')).toContain('Bearer');
    expect((await backend.api('GET', '/api/v1/users/me', { token: second.token })).status).toBe(200);

    const activated = await backend.api<UserBody>('PATCH', `/api/v1/users/${target.user.id}/activate`, {
      token: admin.token,
    });
    expect(activated.status).toBe(200);
    expect(activated.body.is_active).toBe(true);
    // The revoked session stays revoked; a new one works.
    expect((await backend.api('GET', '/api/v1/users/me', { token: target.token })).status).toBe(401);
    const fresh = await startSession(backend, target.user);
    expect((await backend.api('GET', '/api/v1/users/me', { token: fresh.token })).status).toBe(200);
  });

  it('refuses self-deactivation with 422 VALIDATION_ERROR and unknown ids with the 404 object', async () => {
    const admin = await createAdmin(backend);
    const self = await backend.api('PATCH', `/api/v1/users/${admin.user.id}/deactivate`, {
      token: admin.token,
    });
    expect(self.status).toBe(422);
    expect(self.body).toEqual({
      detail: { code: 'VALIDATION_ERROR', message: 'Cannot deactivate your own account' },
      message: 'Cannot deactivate your own account',
    });
    for (const action of ['deactivate', 'activate']) {
      const res = await backend.api('PATCH', `/api/v1/users/99999999/${action}`, { token: admin.token });
      expect(res.status).toBe(404);
      expect(res.body).toEqual({
        detail: { code: 'NOT_FOUND', message: 'User not found', resource: 'user' },
        message: 'User not found',
      });
    }
  });

  it('is admin-only with scope full', async () => {
    const target = await createAccount(backend);
    const user = await createAccount(backend);
    const admin = await createAdmin(backend);
    const denied = await backend.api('PATCH', `/api/v1/users/${target.user.id}/deactivate`, {
      token: user.token,
    });
    expect(denied.status).toBe(403);
    expect(denied.body).toEqual(operationNotPermitted);
    const writePat = await createPat(backend, admin.user.id, ['write']);
    const scoped = await backend.api('PATCH', `/api/v1/users/${target.user.id}/activate`, {
      token: writePat,
    });
    expect(scoped.status).toBe(403);
    expect(scoped.body).toEqual(insufficientScope('full'));
    const fullPat = await createPat(backend, admin.user.id, ['full']);
    expect(
      (await backend.api('PATCH', `/api/v1/users/${target.user.id}/activate`, { token: fullPat })).status,
    ).toBe(200);
  });
});

describe('GET /users (admin list)', () => {
  it('lists every user by id with real skip/limit, with and without the trailing slash', async () => {
    const admin = await createAdmin(backend);
    await createAccount(backend);
    await createAccount(backend);
    const all = await backend.api<UserBody[]>('GET', '/api/v1/users/?limit=100', { token: admin.token });
    expect(all.status).toBe(200);
    const ids = all.body.map((u) => u.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(ids.length).toBeGreaterThan(3);
    const page = await backend.api<UserBody[]>('GET', '/api/v1/users?skip=1&limit=2', { token: admin.token });
    expect(page.body.map((u) => u.id)).toEqual(ids.slice(1, 3));
    expect(page.body[0]).not.toHaveProperty('password_hash');
    expect((await backend.api('GET', '/api/v1/users?limit=101', { token: admin.token })).status).toBe(422);
    expect((await backend.api('GET', '/api/v1/users?skip=-1', { token: admin.token })).status).toBe(422);
  });

  it('denies non-admins with the PERMISSION_DENIED object', async () => {
    const user = await createAccount(backend);
    const res = await backend.api('GET', '/api/v1/users', { token: user.token });
    expect(res.status).toBe(403);
    expect(res.body).toEqual(operationNotPermitted);
  });
});

describe('DELETE /users/{user_id}', () => {
  it('hard-deletes the caller and cascades to tokens, sessions and aggregators', async () => {
    const victim = await createAccount(backend);
    const pat = await createPat(backend, victim.user.id, ['full']);
    await backend.deps.db
      .insert(userAggregators)
      .values({ userId: victim.user.id, name: 'agg', url: 'https://agg.example.com', isDefault: true });
    const res = await backend.api('DELETE', `/api/v1/users/${victim.user.id}`, { token: pat });
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    const { db } = backend.deps;
    expect(await db.select().from(users).where(eq(users.id, victim.user.id))).toEqual([]);
    expect(await db.select().from(apiTokens).where(eq(apiTokens.userId, victim.user.id))).toEqual([]);
    expect(await db.select().from(refreshTokens).where(eq(refreshTokens.userId, victim.user.id))).toEqual([]);
    expect(await db.select().from(userAggregators).where(eq(userAggregators.userId, victim.user.id))).toEqual(
      [],
    );
    expect((await backend.api('GET', '/api/v1/users/me', { token: victim.token })).status).toBe(401);
  });

  it('lets admins delete others; others get 403; a second delete is 404', async () => {
    const target = await createAccount(backend);
    const stranger = await createAccount(backend);
    const admin = await createAdmin(backend);
    const denied = await backend.api('DELETE', `/api/v1/users/${target.user.id}`, { token: stranger.token });
    expect(denied.status).toBe(403);
    expect(denied.body).toEqual({
      detail: { code: 'PERMISSION_DENIED', message: 'Access denied: insufficient permissions' },
      message: 'Access denied: insufficient permissions',
    });
    expect(
      (await backend.api('DELETE', `/api/v1/users/${target.user.id}`, { token: admin.token })).status,
    ).toBe(204);
    const again = await backend.api('DELETE', `/api/v1/users/${target.user.id}`, { token: admin.token });
    expect(again.status).toBe(404);
    expect(again.body).toEqual({ detail: 'User not found' });
  });

  it('needs scope full: a write-scope token of the user itself gets 403', async () => {
    const self = await createAccount(backend);
    const write = await createPat(backend, self.user.id, ['write']);
    const res = await backend.api('DELETE', `/api/v1/users/${self.user.id}`, { token: write });
    expect(res.status).toBe(403);
    expect(res.body).toEqual(insufficientScope('full'));
    expect((await backend.api('GET', '/api/v1/users/me', { token: self.token })).status).toBe(200);
  });
});

describe('through the public account flows', () => {
  it('a registered user edits the profile; an admin deactivates and reactivates them', async () => {
    const admin = await backend.registerAdmin();
    const alice = await backend.registerUser();
    const updated = await backend.api<UserBody>('PUT', '/api/v1/users/me', {
      token: alice.access_token,
      json: { full_name: 'Alice Registered', domain: 'http://LOCALHOST:8003/' },
    });
    expect(updated.body).toMatchObject({ full_name: 'Alice Registered', domain: 'http://localhost:8003' });
    const me = await backend.api<UserBody>('GET', '/api/v1/auth/me', { token: alice.access_token });
    expect(me.body).toMatchObject({ full_name: 'Alice Registered', domain: 'http://localhost:8003' });

    const off = await backend.api('PATCH', `/api/v1/users/${alice.user.id}/deactivate`, {
      token: admin.access_token,
    });
    expect(off.status).toBe(200);
    expect((await backend.api('GET', '/api/v1/users/me', { token: alice.access_token })).status).toBe(401);
    const refresh = await backend.api('POST', '/api/v1/auth/refresh', {
      json: { refresh_token: alice.refresh_token },
    });
    expect(refresh.status).toBe(401);

    expect(
      (await backend.api('PATCH', `/api/v1/users/${alice.user.id}/activate`, { token: admin.access_token }))
        .status,
    ).toBe(200);
    const login = await backend.api<{ access_token: string }>('POST', '/api/v1/auth/login', {
      form: { username: alice.user.username, password: alice.password },
    });
    expect(login.status).toBe(200);
    expect((await backend.api('GET', '/api/v1/users/me', { token: login.body.access_token })).status).toBe(
      200,
    );
  });
});
