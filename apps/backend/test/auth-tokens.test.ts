import { apiTokens, eq } from '@syfthub/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestBackend, type TestBackend } from './harness';

interface ApiTokenJson {
  id: number;
  name: string;
  token_prefix: string;
  scopes: string[];
  expires_at: string | null;
  last_used_at: string | null;
  last_used_ip: string | null;
  is_active: boolean;
  created_at: string;
  updated_at: string;
  token?: string;
}
interface TokenList {
  tokens: ApiTokenJson[];
  total: number;
}
type User = Awaited<ReturnType<TestBackend['registerUser']>>;

const TOKEN_FIELDS = [
  'created_at',
  'expires_at',
  'id',
  'is_active',
  'last_used_at',
  'last_used_ip',
  'name',
  'scopes',
  'token_prefix',
  'updated_at',
];

let backend: TestBackend;
let alice: User;
let bob: User;

beforeAll(async () => {
  backend = await createTestBackend();
  alice = await backend.registerUser();
  bob = await backend.registerUser();
});
afterAll(async () => {
  await backend.close();
});

const createToken = (token: string, json: Record<string, unknown>) =>
  backend.api<ApiTokenJson>('POST', '/api/v1/auth/tokens', { token, json });

async function tokenFor(user: User, scopes: string[], name = scopes.join('+')): Promise<ApiTokenJson> {
  const res = await createToken(user.access_token, { name, scopes });
  expect(res.status).toBe(201);
  return res.body;
}

function expectInvalidToken(res: { status: number; body: unknown; headers: Headers }, detail: string) {
  expect(res.status).toBe(401);
  expect(res.body).toEqual({ detail });
  expect(res.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
}

function expectScopeDenied(res: { status: number; body: unknown; headers: Headers }, scope: string) {
  expect(res.status).toBe(403);
  expect(res.body).toEqual({
    detail: {
      code: 'INSUFFICIENT_SCOPE',
      message: `This API token lacks the '${scope}' scope.`,
      required_scope: scope,
    },
    message: `This API token lacks the '${scope}' scope.`,
  });
  expect(res.headers.get('www-authenticate')).toBe(`Bearer error="insufficient_scope", scope="${scope}"`);
}

describe('POST /api/v1/auth/tokens', () => {
  it('creates a full token by default and shows its secret once', async () => {
    const res = await createToken(alice.access_token, { name: '  laptop  ' });
    expect(res.status).toBe(201);
    const { token, ...rest } = res.body;
    expect(Object.keys(rest).sort()).toEqual(TOKEN_FIELDS);
    expect(token).toMatch(/^syft_pat_[A-Za-z0-9_-]{43}$/);
    expect(rest).toMatchObject({
      name: 'laptop',
      token_prefix: token?.slice(0, 16),
      scopes: ['full'],
      expires_at: null,
      last_used_at: null,
      last_used_ip: null,
      is_active: true,
    });
    const shown = await backend.api<ApiTokenJson>('GET', `/api/v1/auth/tokens/${rest.id}`, {
      token: alice.access_token,
    });
    expect(shown.body).not.toHaveProperty('token');
    expect(shown.text).not.toContain(token);

    const me = await backend.api<{ id: number }>('GET', '/api/v1/auth/me', { token });
    expect(me.status).toBe(200);
    expect(me.body.id).toBe(alice.user.id);
  });

  it('removes duplicate scopes and reads zone-less expiry times as UTC', async () => {
    const deduped = await createToken(alice.access_token, { name: 'dup', scopes: ['read', 'write', 'read'] });
    expect(deduped.body.scopes).toEqual(['read', 'write']);
    const zoneless = await createToken(alice.access_token, {
      name: 'utc',
      expires_at: '2099-01-02T03:04:05',
    });
    expect(zoneless.status).toBe(201);
    expect(zoneless.body.expires_at).toBe('2099-01-02T03:04:05.000Z');
    const offset = await createToken(alice.access_token, {
      name: 'off',
      expires_at: '2099-01-02T03:04:05.5+02:00',
    });
    expect(offset.body.expires_at).toBe('2099-01-02T01:04:05.500Z');
    const explicitNull = await createToken(alice.access_token, { name: 'null', expires_at: null });
    expect(explicitNull.body.expires_at).toBeNull();
  });

  it('refuses invalid bodies with 422', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{}, 'name'],
      [{ name: '' }, 'name'],
      [{ name: '   ' }, 'name'],
      [{ name: 'x'.repeat(101) }, 'name'],
      [{ name: 'nul\u0000' }, 'name'],
      [{ name: 'x', scopes: [] }, 'scopes'],
      [{ name: 'x', scopes: ['admin'] }, 'scopes'],
      [{ name: 'x', scopes: 'full' }, 'scopes'],
      [{ name: 'x', expires_at: '2000-01-01T00:00:00Z' }, 'expires_at'],
      [{ name: 'x', expires_at: 'tomorrow' }, 'expires_at'],
      [{ name: 'x', expires_at: '2099-02-30T00:00:00Z' }, 'expires_at'],
      [{ name: 'x', expires_at: '2099-01-01T25:00:00Z' }, 'expires_at'],
      [{ name: 'x', expires_at: 4102444800 }, 'expires_at'],
    ];
    for (const [json, field] of cases) {
      const res = await backend.api<{ detail: Array<{ loc: unknown[] }> }>('POST', '/api/v1/auth/tokens', {
        token: alice.access_token,
        json,
      });
      expect(res.status, JSON.stringify(json)).toBe(422);
      expect(res.body.detail.map((item) => item.loc[1])).toContain(field);
    }
    const past = await createToken(alice.access_token, { name: 'x', expires_at: '2000-01-01T00:00:00Z' });
    expect(JSON.stringify(past.body)).toContain('must be in the future');
  });

  it('allows at most 50 active tokens; revoked and expired ones do not count', async () => {
    const user = await backend.registerUser();
    // 48 rows written directly keep the test fast; the API then fills the last two slots.
    await backend.deps.db.insert(apiTokens).values(
      Array.from({ length: 48 }, (_, i) => ({
        userId: user.user.id,
        name: `bulk-${i}`,
        tokenPrefix: 'syft_pat_bulk000',
        tokenHash: `${i}`.padStart(64, 'b'),
        scopes: ['read' as const],
      })),
    );
    const last = [await tokenFor(user, ['read'], 'slot-49'), await tokenFor(user, ['read'], 'slot-50')];
    const over = await createToken(user.access_token, { name: 'one too many' });
    expect(over.status).toBe(400);
    expect(over.body).toEqual({ detail: 'Maximum number of active API tokens (50) reached' });

    const revoked = await backend.api('DELETE', `/api/v1/auth/tokens/${last[0]?.id}`, {
      token: user.access_token,
    });
    expect(revoked.status).toBe(204);
    expect((await createToken(user.access_token, { name: 'replacement' })).status).toBe(201);
    expect((await createToken(user.access_token, { name: 'again too many' })).status).toBe(400);

    await backend.deps.db
      .update(apiTokens)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(apiTokens.id, last[1]?.id ?? 0));
    expect((await createToken(user.access_token, { name: 'after expiry' })).status).toBe(201);
  });
});

describe('API-token scopes', () => {
  it('lets a read token use safe routes, logout and nothing that writes', async () => {
    const { token } = await tokenFor(bob, ['read']);
    const read = token as string;
    expect((await backend.api('GET', '/api/v1/auth/me', { token: read })).status).toBe(200);
    expect((await backend.api('POST', '/api/v1/auth/logout', { token: read })).status).toBe(204);
    expectScopeDenied(
      await backend.api('PUT', '/api/v1/users/me', { token: read, json: { full_name: 'Bob' } }),
      'write',
    );
    expectScopeDenied(await createToken(read, { name: 'escalate', scopes: ['full'] }), 'full');
    expectScopeDenied(await backend.api('GET', '/api/v1/auth/tokens', { token: read }), 'full');
  });

  it('lets a write token write but not manage tokens or the password', async () => {
    const { token } = await tokenFor(bob, ['read', 'write']);
    const write = token as string;
    const updated = await backend.api('PUT', '/api/v1/users/me', {
      token: write,
      json: { full_name: 'Bob Writer' },
    });
    expect(updated.status).toBe(200);
    expectScopeDenied(await createToken(write, { name: 'escalate' }), 'full');
    expectScopeDenied(await backend.api('GET', '/api/v1/auth/tokens', { token: write }), 'full');
    expectScopeDenied(await backend.api('DELETE', '/api/v1/auth/tokens/1', { token: write }), 'full');
    // Reading or renaming one token, even the caller's own, is token management too (issue 19 mutation run).
    const own = await tokenFor(bob, ['read'], 'own');
    expectScopeDenied(await backend.api('GET', `/api/v1/auth/tokens/${own.id}`, { token: write }), 'full');
    expectScopeDenied(
      await backend.api('PATCH', `/api/v1/auth/tokens/${own.id}`, {
        token: write,
        json: { name: 'renamed' },
      }),
      'full',
    );
    expectScopeDenied(
      await backend.api('PUT', '/api/v1/auth/me/password', {
        token: write,
        json: { current_password: bob.password, new_password: 'another-pass-1' },
      }),
      'full',
    );
  });

  it('lets a full token manage tokens', async () => {
    const { token } = await tokenFor(bob, ['full']);
    const child = await createToken(token as string, { name: 'made by a token', scopes: ['read'] });
    expect(child.status).toBe(201);
    expect((await backend.api('GET', '/api/v1/auth/tokens', { token })).status).toBe(200);
  });
});

describe('API-token failures', () => {
  it('answers the §2.5 401 details for garbage, unknown, revoked and expired tokens and inactive owners', async () => {
    const me = (token: string) => backend.api('GET', '/api/v1/auth/me', { token });
    expectInvalidToken(await me('syft_pat_short'), 'Invalid API token');
    expectInvalidToken(await me(`syft_pat_${'A'.repeat(43)}`), 'Invalid API token');
    expectInvalidToken(await me('syft_something_else'), 'Invalid API token');

    const user = await backend.registerUser();
    const revoked = await tokenFor(user, ['full'], 'revoked');
    await backend.api('DELETE', `/api/v1/auth/tokens/${revoked.id}`, { token: user.access_token });
    expectInvalidToken(await me(revoked.token as string), 'API token has been revoked');

    const expiring = await createToken(user.access_token, {
      name: 'expiring',
      expires_at: '2099-01-01T00:00:00Z',
    });
    // Expiry in the past cannot be set through the API, so the clock is moved in the database.
    await backend.deps.db
      .update(apiTokens)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(apiTokens.id, expiring.body.id));
    expectInvalidToken(await me(expiring.body.token as string), 'API token has expired');

    const live = await tokenFor(user, ['full'], 'live');
    const admin = await backend.registerAdmin();
    const off = await backend.api('PATCH', `/api/v1/users/${user.user.id}/deactivate`, {
      token: admin.access_token,
    });
    expect(off.status).toBe(200);
    expectInvalidToken(await me(live.token as string), 'User account is inactive');
  });

  it('records last use', async () => {
    const user = await backend.registerUser();
    const created = await tokenFor(user, ['read']);
    expect((await backend.api('GET', '/api/v1/auth/me', { token: created.token })).status).toBe(200);
    await expect
      .poll(async () => {
        const res = await backend.api<ApiTokenJson>('GET', `/api/v1/auth/tokens/${created.id}`, {
          token: user.access_token,
        });
        return res.body.last_used_at;
      })
      .not.toBeNull();
  });
});

describe('GET /api/v1/auth/tokens', () => {
  let user: User;
  let ids: number[];
  beforeAll(async () => {
    user = await backend.registerUser();
    ids = [];
    for (let i = 0; i < 5; i++) ids.push((await tokenFor(user, ['read'], `list-${i}`)).id);
    await backend.api('DELETE', `/api/v1/auth/tokens/${ids[1]}`, { token: user.access_token });
  });
  const list = (query = '') =>
    backend.api<TokenList>('GET', `/api/v1/auth/tokens${query}`, { token: user.access_token });

  it('lists active tokens newest first with the total, or every token with include_inactive', async () => {
    const active = await list();
    expect(active.status).toBe(200);
    expect(active.body.total).toBe(4);
    expect(active.body.tokens.map((t) => t.id)).toEqual([ids[4], ids[3], ids[2], ids[0]]);
    expect(active.body.tokens.every((t) => !('token' in t))).toBe(true);
    const all = await list('?include_inactive=true');
    expect(all.body.total).toBe(5);
    expect(all.body.tokens.find((t) => t.id === ids[1])?.is_active).toBe(false);
  });

  it('pages with skip and limit while total counts every match', async () => {
    const page = await list('?include_inactive=1&skip=1&limit=2');
    expect(page.body.total).toBe(5);
    expect(page.body.tokens.map((t) => t.id)).toEqual([ids[3], ids[2]]);
    const last = await list('?include_inactive=true&skip=4&limit=2');
    expect(last.body.tokens.map((t) => t.id)).toEqual([ids[0]]);
    const beyond = await list('?skip=100');
    expect(beyond.body).toEqual({ tokens: [], total: 4 });
  });

  it('validates the query', async () => {
    for (const query of ['?limit=0', '?limit=101', '?skip=-1', '?limit=abc', '?include_inactive=maybe']) {
      const res = await list(query);
      expect(res.status, query).toBe(422);
      expect((res.body as unknown as { detail: Array<{ loc: string[] }> }).detail[0]?.loc[0]).toBe('query');
    }
  });

  it("never shows another user's tokens", async () => {
    const others = await backend.api<TokenList>('GET', '/api/v1/auth/tokens?include_inactive=true', {
      token: bob.access_token,
    });
    const mine = new Set(ids);
    expect(others.body.tokens.some((t) => mine.has(t.id))).toBe(false);
  });
});

describe('GET, PATCH and DELETE /api/v1/auth/tokens/{id}', () => {
  it('reads, renames and revokes own tokens; revoking twice is fine', async () => {
    const user = await backend.registerUser();
    const created = await tokenFor(user, ['write'], 'old name');
    const path = `/api/v1/auth/tokens/${created.id}`;

    const got = await backend.api<ApiTokenJson>('GET', path, { token: user.access_token });
    expect(got.status).toBe(200);
    expect(Object.keys(got.body).sort()).toEqual(TOKEN_FIELDS);
    expect(got.body).toMatchObject({ id: created.id, name: 'old name', scopes: ['write'] });

    const renamed = await backend.api<ApiTokenJson>('PATCH', path, {
      token: user.access_token,
      json: { name: ' new name ' },
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body.name).toBe('new name');
    expect(Date.parse(renamed.body.updated_at)).toBeGreaterThanOrEqual(Date.parse(created.updated_at));
    for (const json of [{}, { name: '' }, { name: 'x'.repeat(101) }]) {
      expect((await backend.api('PATCH', path, { token: user.access_token, json })).status).toBe(422);
    }

    const first = await backend.api('DELETE', path, { token: user.access_token });
    expect(first.status).toBe(204);
    expect(first.text).toBe('');
    expect((await backend.api('DELETE', path, { token: user.access_token })).status).toBe(204);
    const after = await backend.api<ApiTokenJson>('GET', path, { token: user.access_token });
    expect(after.status).toBe(200);
    expect(after.body.is_active).toBe(false);
  });

  it("answers 404 for another user's token and for ids that do not exist", async () => {
    const created = await tokenFor(alice, ['read'], 'private');
    const notFound = { detail: 'API token not found' };
    const path = `/api/v1/auth/tokens/${created.id}`;
    for (const [method, json] of [['GET'], ['PATCH', { name: 'stolen' }], ['DELETE']] as const) {
      const res = await backend.api(method, path, { token: bob.access_token, json });
      expect(res.status, method).toBe(404);
      expect(res.body).toEqual(notFound);
    }
    for (const id of ['0', '987654', '99999999999999999999']) {
      const res = await backend.api('GET', `/api/v1/auth/tokens/${id}`, { token: bob.access_token });
      expect(res.status, id).toBe(404);
      expect(res.body).toEqual(notFound);
    }
    expect((await backend.api('GET', '/api/v1/auth/tokens/abc', { token: bob.access_token })).status).toBe(
      404,
    );
    const still = await backend.api<ApiTokenJson>('GET', path, { token: alice.access_token });
    expect(still.body).toMatchObject({ name: 'private', is_active: true });
  });

  it('needs a signed-in caller', async () => {
    const res = await backend.api('GET', '/api/v1/auth/tokens');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
  });
});
