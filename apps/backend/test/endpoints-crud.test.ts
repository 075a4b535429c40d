import { endpoints as endpointsTable, eq, users } from '@syfthub/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Account,
  createApiToken,
  createEndpoint,
  type EndpointJson,
  locsOf,
  setEndpointColumns,
} from './endpoints-fixtures';
import { createTestBackend, type TestBackend } from './harness';

let backend: TestBackend;
let alice: Account;
let bob: Account;
let admin: Account;
beforeAll(async () => {
  backend = await createTestBackend();
  alice = await backend.registerUser();
  bob = await backend.registerUser();
  admin = await backend.registerAdmin();
});
afterAll(async () => {
  await backend.close();
});

const create = (token: string, json: Record<string, unknown>) =>
  backend.api<EndpointJson>('POST', '/api/v1/endpoints', { token, json: { type: 'model', ...json } });

describe('POST /api/v1/endpoints', () => {
  it('creates an endpoint with the documented defaults and answers with the owner view', async () => {
    const res = await create(alice.access_token, { name: '  Legal Docs  ', type: 'data_source' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      user_id: alice.user.id,
      owner_username: alice.user.username,
      name: 'Legal Docs',
      slug: 'legal-docs',
      description: '',
      type: 'data_source',
      visibility: 'public',
      is_active: true,
      archived: false,
      contributors: [alice.user.id],
      version: '0.1.0',
      readme: '',
      tags: [],
      stars_count: 0,
      policies: [],
      connect: [],
      health_status: null,
      health_checked_at: null,
      health_ttl_seconds: null,
    });
    expect(res.body.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(res.body.updated_at).toBe(res.body.created_at);
  });

  it('derives slugs from the name with -1, -2 … suffixes for taken and reserved ones', async () => {
    const first = await create(alice.access_token, { name: 'Weather Bot!' });
    const second = await create(alice.access_token, { name: 'weather  bot' });
    const third = await create(alice.access_token, { name: 'WEATHER-BOT' });
    expect([first.body.slug, second.body.slug, third.body.slug]).toEqual([
      'weather-bot',
      'weather-bot-1',
      'weather-bot-2',
    ]);
    expect((await create(alice.access_token, { name: 'Search' })).body.slug).toBe('search-1');
    expect((await create(alice.access_token, { name: 'é' })).body.slug).toBe('endpoint');
    expect((await create(alice.access_token, { name: 'AI' })).body.slug).toBe('endpoint-ai');
    const long = await create(alice.access_token, { name: `${'x'.repeat(70)} tail` });
    expect(long.body.slug).toBe('x'.repeat(63));
    const longAgain = await create(alice.access_token, { name: `${'x'.repeat(70)}` });
    expect(longAgain.body.slug).toBe(`${'x'.repeat(61)}-1`);
    // Another owner's slugs never collide.
    expect((await create(bob.access_token, { name: 'Weather Bot' })).body.slug).toBe('weather-bot');
  });

  it('rejects an explicit slug the owner already uses with 400, and lowercases explicit slugs', async () => {
    const made = await create(alice.access_token, { name: 'Anything', slug: 'My-Model' });
    expect(made.status).toBe(201);
    expect(made.body.slug).toBe('my-model');
    const taken = await create(alice.access_token, { name: 'Other', slug: 'my-model' });
    expect(taken.status).toBe(400);
    expect(taken.body).toEqual({ detail: 'slug already exists - already taken' });
  });

  it('refuses reserved and malformed slugs with 422 at the slug', async () => {
    for (const slug of ['api', 'ab', 'a--b', '-ab', 'has space', 'x'.repeat(64)]) {
      const res = await create(alice.access_token, { name: 'Bad slug', slug });
      expect(res.status, slug).toBe(422);
      expect(locsOf(res.body), slug).toEqual([['body', 'slug']]);
    }
  });

  it('normalises tags and rejects invalid ones', async () => {
    const ok = await create(alice.access_token, {
      name: 'Tagged',
      tags: [' Legal ', 'legal', '', 'NLP', 'a-b'],
    });
    expect(ok.body.tags).toEqual(['legal', 'nlp', 'a-b']);
    for (const tags of [['bad tag'], ['x'.repeat(31)], Array.from({ length: 11 }, (_, i) => `t${i}`)]) {
      const res = await create(alice.access_token, { name: 'Tagged', tags });
      expect(res.status).toBe(422);
      expect(locsOf(res.body)[0]).toEqual(['body', 'tags']);
    }
  });

  it('fills policy and connection defaults and rejects unknown keys inside them', async () => {
    const res = await create(alice.access_token, {
      name: 'Defaults',
      policies: [{ type: 'rate_limit', config: { rpm: 10 } }],
      connect: [{ type: 'http', config: { url: '' } }],
    });
    expect(res.status).toBe(201);
    expect(res.body.policies).toEqual([
      { type: 'rate_limit', version: '1.0', enabled: true, description: '', config: { rpm: 10 } },
    ]);
    expect(res.body.connect).toEqual([{ type: 'http', enabled: true, description: '', config: { url: '' } }]);

    const extra = await create(alice.access_token, {
      name: 'Extra',
      policies: [{ type: 'a' }, { type: 'b', surprise: 1 }],
      connect: [{ type: 'http', oops: true }],
    });
    expect(extra.status).toBe(422);
    const detail = (extra.body as unknown as { detail: Array<{ type: string; loc: unknown[] }> }).detail;
    expect(detail).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'extra_forbidden', loc: ['body', 'policies', 1, 'surprise'] }),
        expect.objectContaining({ type: 'extra_forbidden', loc: ['body', 'connect', 0, 'oops'] }),
      ]),
    );
  });

  it('caps policies at 20, connections at 10 and each config at 16 KiB', async () => {
    const policies = (n: number) => Array.from({ length: n }, () => ({ type: 'p' }));
    const connections = (n: number) => Array.from({ length: n }, () => ({ type: 'http' }));
    expect((await create(alice.access_token, { name: 'P20', policies: policies(20) })).status).toBe(201);
    expect(locsOf((await create(alice.access_token, { name: 'P21', policies: policies(21) })).body)).toEqual([
      ['body', 'policies'],
    ]);
    expect((await create(alice.access_token, { name: 'C10', connect: connections(10) })).status).toBe(201);
    expect((await create(alice.access_token, { name: 'C11', connect: connections(11) })).status).toBe(422);
    const big = { type: 'p', config: { blob: 'x'.repeat(16 * 1024) } };
    const res = await create(alice.access_token, { name: 'Big', policies: [big] });
    expect(res.status).toBe(422);
    expect(locsOf(res.body)).toEqual([['body', 'policies', 0, 'config']]);
    const fits = { type: 'p', config: { blob: 'x'.repeat(16 * 1024 - 20) } };
    expect((await create(alice.access_token, { name: 'Fits', policies: [fits] })).status).toBe(201);
  });

  it('validates name, type, version, description and visibility', async () => {
    const cases: Array<[Record<string, unknown>, unknown[]]> = [
      [{ name: '   ' }, ['body', 'name']],
      [{ name: 'x'.repeat(101) }, ['body', 'name']],
      [{ name: 'ok', type: 'robot' }, ['body', 'type']],
      [{ name: 'ok', version: '1.0' }, ['body', 'version']],
      [{ name: 'ok', description: 'd'.repeat(501) }, ['body', 'description']],
      [{ name: 'ok', visibility: 'secret' }, ['body', 'visibility']],
      [{ name: 'ok', contributors: ['1'] }, ['body', 'contributors', 0]],
    ];
    for (const [json, loc] of cases) {
      const res = await create(alice.access_token, json);
      expect(res.status, JSON.stringify(json)).toBe(422);
      expect(locsOf(res.body)).toEqual([loc]);
    }
    const missing = await backend.api('POST', '/api/v1/endpoints', { token: alice.access_token, json: {} });
    expect(locsOf(missing.body)).toEqual([
      ['body', 'name'],
      ['body', 'type'],
    ]);
  });

  it('keeps only existing active contributors, always including the owner', async () => {
    const carol = await backend.registerUser();
    const dave = await backend.registerUser();
    await backend.deps.db.update(users).set({ isActive: false }).where(eq(users.id, dave.user.id));
    const res = await create(alice.access_token, {
      name: 'Team',
      contributors: [carol.user.id, 999_999, dave.user.id, carol.user.id, alice.user.id],
    });
    expect(res.body.contributors).toEqual([alice.user.id, carol.user.id]);
  });

  it('adds the prepaid tag for xendit policies (when there is room) and stores archived', async () => {
    const res = await create(alice.access_token, {
      name: 'Paid',
      tags: ['legal'],
      archived: true,
      policies: [{ type: 'Xendit', config: { price: 1 } }],
    });
    expect(res.body.tags).toEqual(['legal', 'prepaid']);
    expect(res.body.archived).toBe(true);
    expect(res.body.visibility).toBe('public');
    const full = Array.from({ length: 10 }, (_, i) => `t${i}`);
    const noRoom = await create(alice.access_token, {
      name: 'Paid full',
      tags: full,
      policies: [{ type: 'xendit' }],
    });
    expect(noRoom.body.tags).toEqual(full);
  });

  it('needs a signed-in caller with the write scope', async () => {
    expect(
      (await backend.api('POST', '/api/v1/endpoints', { json: { name: 'x', type: 'model' } })).status,
    ).toBe(401);
    const read = await createApiToken(backend, alice.access_token, ['read']);
    const res = await create(read, { name: 'Read only' });
    expect(res.status).toBe(403);
    expect((res.body as unknown as { detail: { code: string } }).detail.code).toBe('INSUFFICIENT_SCOPE');
    const write = await createApiToken(backend, alice.access_token, ['write']);
    expect((await create(write, { name: 'Written with a PAT' })).status).toBe(201);
  });
});

describe('updating endpoints', () => {
  it('PATCH by id applies non-null fields, ignores type and slug, and bumps updated_at', async () => {
    const made = await createEndpoint(backend, alice.access_token, {
      name: 'Editable',
      description: 'before',
      tags: ['one'],
    });
    await new Promise((resolve) => setTimeout(resolve, 15));
    const res = await backend.api<EndpointJson>('PATCH', `/api/v1/endpoints/${made.id}`, {
      token: alice.access_token,
      json: {
        description: 'after',
        name: null,
        type: 'agent',
        slug: 'renamed',
        archived: true,
        readme: '# Hi',
      },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: made.id,
      name: 'Editable',
      slug: 'editable',
      type: 'model',
      description: 'after',
      archived: true,
      readme: '# Hi',
      tags: ['one'],
      created_at: made.created_at,
    });
    expect(Date.parse(res.body.updated_at)).toBeGreaterThan(Date.parse(made.updated_at));
  });

  it('re-applies the auto-tag and contributor rules on update', async () => {
    const made = await createEndpoint(backend, alice.access_token, { name: 'Later paid', tags: ['x'] });
    const res = await backend.api<EndpointJson>('PATCH', `/api/v1/endpoints/slug/${made.slug}`, {
      token: alice.access_token,
      json: { policies: [{ type: 'xendit' }], contributors: [bob.user.id, 424242] },
    });
    expect(res.status).toBe(200);
    expect(res.body.tags).toEqual(['x', 'prepaid']);
    expect(res.body.contributors).toEqual([alice.user.id, bob.user.id]);
  });

  it('answers 404 to strangers and 403 to users who can see but not own the endpoint', async () => {
    const visible = await createEndpoint(backend, alice.access_token, { name: 'Public one' });
    const hidden = await createEndpoint(backend, alice.access_token, {
      name: 'Private one',
      visibility: 'private',
    });
    const patch = (id: number) =>
      backend.api('PATCH', `/api/v1/endpoints/${id}`, {
        token: bob.access_token,
        json: { name: 'mine now' },
      });
    expect((await patch(hidden.id)).body).toEqual({ detail: 'Endpoint not found' });
    expect((await patch(hidden.id)).status).toBe(404);
    const denied = await patch(visible.id);
    expect(denied.status).toBe(403);
    expect(denied.body).toEqual({ detail: 'Permission denied: insufficient permissions' });
    const del = await backend.api('DELETE', `/api/v1/endpoints/${visible.id}`, { token: bob.access_token });
    expect(del.status).toBe(403);
    expect(
      (await backend.api('PATCH', '/api/v1/endpoints/99999999999', { token: bob.access_token, json: {} }))
        .status,
    ).toBe(404);
  });

  it('lets owners and admins update and delete inactive endpoints by id and by slug', async () => {
    const made = await createEndpoint(backend, alice.access_token, { name: 'Sleeping' });
    await setEndpointColumns(backend, made.id, { isActive: false });
    const byAdmin = await backend.api<EndpointJson>('PATCH', `/api/v1/endpoints/${made.id}`, {
      token: admin.access_token,
      json: { description: 'fixed by admin', contributors: [bob.user.id] },
    });
    expect(byAdmin.status).toBe(200);
    expect(byAdmin.body).toMatchObject({ description: 'fixed by admin', is_active: false });
    expect(byAdmin.body.contributors).toEqual([alice.user.id, bob.user.id]);
    const bySlug = await backend.api<EndpointJson>('PATCH', '/api/v1/endpoints/slug/sleeping', {
      token: alice.access_token,
      json: { version: '2.0.0' },
    });
    expect(bySlug.body.version).toBe('2.0.0');
    expect(
      (await backend.api('GET', `/api/v1/endpoints/${made.id}`, { token: alice.access_token })).status,
    ).toBe(200);
    const gone = await backend.api('DELETE', '/api/v1/endpoints/slug/SLEEPING', {
      token: alice.access_token,
    });
    expect(gone.status).toBe(204);
    expect(gone.text).toBe('');
    expect(gone.headers.get('content-type')).toBeNull();
    expect(
      (await backend.api('GET', `/api/v1/endpoints/${made.id}`, { token: alice.access_token })).status,
    ).toBe(404);
    const again = await backend.api('DELETE', '/api/v1/endpoints/slug/sleeping', {
      token: alice.access_token,
    });
    expect(again.status).toBe(404);
    expect(again.body).toEqual({ detail: 'Endpoint not found' });
  });

  it("slug routes only ever see the caller's own endpoints", async () => {
    const made = await createEndpoint(backend, alice.access_token, { name: 'Only alice' });
    const res = await backend.api('PATCH', `/api/v1/endpoints/slug/${made.slug}`, {
      token: admin.access_token,
      json: { name: 'hijack' },
    });
    expect(res.status).toBe(404);
    expect(
      (await backend.api('DELETE', `/api/v1/endpoints/slug/${made.slug}`, { token: bob.access_token }))
        .status,
    ).toBe(404);
  });

  it('deletes by id (hard delete)', async () => {
    const made = await createEndpoint(backend, alice.access_token, { name: 'Doomed' });
    expect(
      (await backend.api('DELETE', `/api/v1/endpoints/${made.id}`, { token: admin.access_token })).status,
    ).toBe(204);
    expect(
      (await backend.api('GET', `/api/v1/endpoints/${made.id}`, { token: admin.access_token })).status,
    ).toBe(404);
  });
});

describe('GET /api/v1/endpoints/{slug}/exists', () => {
  it('tells whether the caller owns the slug in any state', async () => {
    const made = await createEndpoint(backend, bob.access_token, { name: 'Exists check' });
    await setEndpointColumns(backend, made.id, { isActive: false });
    const yes = await backend.api('GET', '/api/v1/endpoints/Exists-Check/exists', {
      token: bob.access_token,
    });
    expect(yes.status).toBe(200);
    expect(yes.text).toBe('true');
    expect(yes.headers.get('content-type')).toContain('application/json');
    const no = await backend.api('GET', '/api/v1/endpoints/exists-check/exists', {
      token: alice.access_token,
    });
    expect(no.body).toBe(false);
  });
});

describe('GET /api/v1/endpoints (own list)', () => {
  it("lists only the caller's endpoints, newest first, with filters and escaped search", async () => {
    const carol = await backend.registerUser();
    const names = ['100% pure', '100 percent', 'under_score', 'underXscore', 'Hidden thing'];
    const made: EndpointJson[] = [];
    for (const name of names) {
      made.push(
        await createEndpoint(backend, carol.access_token, {
          name,
          visibility: name === 'Hidden thing' ? 'private' : 'public',
        }),
      );
    }
    await setEndpointColumns(backend, made[0]!.id, { isActive: false });
    const list = (query: string) =>
      backend.api<EndpointJson[]>('GET', `/api/v1/endpoints${query}`, { token: carol.access_token });
    const all = await list('');
    expect(all.body.map((e) => e.name)).toEqual([...names].reverse());
    expect(all.body[0]).toHaveProperty('is_active');
    expect((await list('?search=100%25')).body.map((e) => e.name)).toEqual(['100% pure']);
    expect((await list('?search=under_')).body.map((e) => e.name)).toEqual(['under_score']);
    expect((await list('?visibility=private')).body.map((e) => e.name)).toEqual(['Hidden thing']);
    expect((await list('?skip=1&limit=2')).body.map((e) => e.name)).toEqual(['underXscore', 'under_score']);
    expect((await list('?limit=101')).status).toBe(422);
    expect((await list('?skip=-1')).status).toBe(422);
    expect((await backend.api('GET', '/api/v1/endpoints')).status).toBe(401);
  });
});

describe('PATCH /api/v1/endpoints/{id}/admin', () => {
  it('disables with disabled_by_admin, re-enables, sets stars and bumps updated_at', async () => {
    const made = await createEndpoint(backend, alice.access_token, { name: 'Moderated' });
    const off = await backend.api<EndpointJson>('PATCH', `/api/v1/endpoints/${made.id}/admin`, {
      token: admin.access_token,
      json: { is_active: false, stars_count: 7 },
    });
    expect(off.status).toBe(200);
    expect(off.body).toMatchObject({ is_active: false, stars_count: 7 });
    expect(Date.parse(off.body.updated_at)).toBeGreaterThanOrEqual(Date.parse(made.updated_at));
    const [row] = await backend.deps.db.select().from(endpointsTable).where(eq(endpointsTable.id, made.id));
    expect(row).toMatchObject({ isActive: false, disabledByAdmin: true });
    await setEndpointColumns(backend, made.id, { consecutiveFailureCount: 5 });
    const on = await backend.api<EndpointJson>('PATCH', `/api/v1/endpoints/${made.id}/admin`, {
      token: admin.access_token,
      json: { is_active: true },
    });
    expect(on.body.is_active).toBe(true);
    const [after] = await backend.deps.db.select().from(endpointsTable).where(eq(endpointsTable.id, made.id));
    expect(after).toMatchObject({ isActive: true, disabledByAdmin: false, consecutiveFailureCount: 0 });
  });

  it('is admin-only with the full scope, 404 for missing endpoints, 422 for negative stars', async () => {
    const made = await createEndpoint(backend, alice.access_token, { name: 'Not yours' });
    const denied = await backend.api('PATCH', `/api/v1/endpoints/${made.id}/admin`, {
      token: alice.access_token,
      json: { is_active: false },
    });
    expect(denied.status).toBe(403);
    expect(denied.body).toEqual({
      detail: { code: 'PERMISSION_DENIED', message: 'Operation not permitted' },
      message: 'Operation not permitted',
    });
    const writePat = await createApiToken(backend, admin.access_token, ['write']);
    const scoped = await backend.api('PATCH', `/api/v1/endpoints/${made.id}/admin`, {
      token: writePat,
      json: {},
    });
    expect(scoped.status).toBe(403);
    const missing = await backend.api('PATCH', '/api/v1/endpoints/987654/admin', {
      token: admin.access_token,
      json: {},
    });
    expect(missing.status).toBe(404);
    const negative = await backend.api('PATCH', `/api/v1/endpoints/${made.id}/admin`, {
      token: admin.access_token,
      json: { stars_count: -1 },
    });
    expect(negative.status).toBe(422);
  });
});
