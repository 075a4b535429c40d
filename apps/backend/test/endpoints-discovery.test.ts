import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Account,
  createEndpoint,
  type EndpointJson,
  setEndpointColumns,
  setUserDomain,
} from './endpoints-fixtures';
import { createTestBackend, type TestBackend } from './harness';

let backend: TestBackend;
let alice: Account;
let bob: Account;
let carol: Account;
let admin: Account;

beforeAll(async () => {
  backend = await createTestBackend();
  alice = await backend.registerUser({ username: `alice${Date.now() % 100000}` });
  bob = await backend.registerUser({ username: `bob${Date.now() % 100000}` });
  carol = await backend.registerUser();
  admin = await backend.registerAdmin();
});
afterAll(async () => {
  await backend.close();
});

const get = <T = EndpointJson[]>(path: string, token?: string) => backend.api<T>('GET', path, { token });

describe('GET /api/v1/endpoints/public', () => {
  it('pages newest first and honours any limit up to 100', async () => {
    const owner = await backend.registerUser();
    for (let i = 0; i < 105; i += 1) {
      await createEndpoint(backend, owner.access_token, {
        name: `Paging ${String(i).padStart(3, '0')}`,
        tags: ['paging'],
      });
    }
    const first = await get(`/api/v1/endpoints/public/by-owner/${owner.user.username}?limit=100`);
    expect(first.body).toHaveLength(100);
    expect(first.body[0]!.name).toBe('Paging 104');
    const page = await get('/api/v1/endpoints/public?search=paging&limit=100&skip=100');
    expect(page.body.map((e) => e.name)).toEqual([
      'Paging 004',
      'Paging 003',
      'Paging 002',
      'Paging 001',
      'Paging 000',
    ]);
    expect((await get('/api/v1/endpoints/public?search=paging')).body).toHaveLength(10);
    expect((await get('/api/v1/endpoints/public?limit=101')).status).toBe(422);
    expect((await get('/api/v1/endpoints/public?limit=0')).status).toBe(422);
    expect((await get('/api/v1/endpoints/public?skip=x')).status).toBe(422);
    expect((await get(`/api/v1/endpoints/public/by-owner/${owner.user.username}?limit=501`)).status).toBe(
      422,
    );
  });

  it('filters by exact type and by an escaped substring of name, description, tag or owner', async () => {
    await createEndpoint(backend, alice.access_token, { name: 'Discount 50% off', type: 'model' });
    await createEndpoint(backend, alice.access_token, { name: 'Discount 50 off', type: 'data_source' });
    await createEndpoint(backend, bob.access_token, {
      name: 'Plain',
      description: 'snake_case docs',
      type: 'agent',
    });
    await createEndpoint(backend, bob.access_token, {
      name: 'Plain too',
      description: 'snakeXcase',
      tags: ['zebra-tag'],
    });
    const names = async (query: string) =>
      (await get(`/api/v1/endpoints/public?${query}`)).body.map((e) => e.name);
    expect(await names('search=50%25')).toEqual(['Discount 50% off']);
    expect(await names('search=snake_case')).toEqual(['Plain']);
    expect(await names('search=ZEBRA')).toEqual(['Plain too']);
    await createEndpoint(backend, bob.access_token, { name: 'Two tags', tags: ['alpha-one', 'beta-two'] });
    expect(await names('search=a-on')).toEqual(['Two tags']);
    // A term cannot match across the boundary between two tags.
    expect(await names(`search=${encodeURIComponent('one", "beta')}`)).toEqual([]);
    expect(await names(`search=${encodeURIComponent('one beta')}`)).toEqual([]);
    expect(await names(`search=${bob.user.username}`)).toEqual(['Two tags', 'Plain too', 'Plain']);
    expect(await names('search=discount&endpoint_type=data_source')).toEqual(['Discount 50 off']);
    expect((await get('/api/v1/endpoints/public?endpoint_type=robot')).status).toBe(422);
    expect((await get(`/api/v1/endpoints/public?search=${'x'.repeat(201)}`)).status).toBe(422);
  });

  it('returns the EndpointPublic shape with health and archive state from the row', async () => {
    const made = await createEndpoint(backend, carol.access_token, {
      name: 'Shape check',
      contributors: [alice.user.id],
      readme: '# Readme',
    });
    await setEndpointColumns(backend, made.id, {
      healthStatus: 'healthy',
      healthCheckedAt: new Date('2026-01-02T03:04:05.678Z'),
    });
    const [row] = (await get(`/api/v1/endpoints/public/by-owner/${carol.user.username}`)).body;
    expect(Object.keys(row!).sort()).toEqual(
      [
        'id',
        'name',
        'slug',
        'description',
        'type',
        'owner_username',
        'contributors_count',
        'version',
        'readme',
        'tags',
        'stars_count',
        'policies',
        'connect',
        'created_at',
        'updated_at',
        'health_status',
        'health_checked_at',
        'archived',
      ].sort(),
    );
    expect(row).toMatchObject({
      id: made.id,
      contributors_count: 2,
      readme: '# Readme',
      health_status: 'healthy',
      health_checked_at: '2026-01-02T03:04:05.678Z',
      archived: false,
    });
  });
});

describe('trending and guest-accessible', () => {
  it('orders by stars, then recency, then id, with min_stars and type filters', async () => {
    const owner = await backend.registerUser();
    const a = await createEndpoint(backend, owner.access_token, { name: 'Trend A', tags: ['trend'] });
    const b = await createEndpoint(backend, owner.access_token, {
      name: 'Trend B',
      tags: ['trend'],
      type: 'data_source',
    });
    const c = await createEndpoint(backend, owner.access_token, { name: 'Trend C', tags: ['trend'] });
    const same = new Date('2026-03-01T00:00:00.000Z');
    await setEndpointColumns(backend, a.id, { starsCount: 5000, updatedAt: same });
    await setEndpointColumns(backend, b.id, { starsCount: 5000, updatedAt: same });
    await setEndpointColumns(backend, c.id, {
      starsCount: 6000,
      updatedAt: new Date('2020-01-01T00:00:00.000Z'),
    });
    const names = async (query: string) =>
      (await get(`/api/v1/endpoints/trending?${query}`)).body
        .map((e) => e.name)
        .filter((n) => n.startsWith('Trend'));
    expect(await names('min_stars=5000')).toEqual(['Trend C', 'Trend B', 'Trend A']);
    expect(await names('min_stars=5500')).toEqual(['Trend C']);
    expect(await names('min_stars=1&endpoint_type=data_source')).toEqual(['Trend B']);
    expect((await get('/api/v1/endpoints/trending?min_stars=-1')).status).toBe(422);
  });

  it('guest-accessible lists only listed endpoints without policies', async () => {
    const owner = await backend.registerUser();
    await createEndpoint(backend, owner.access_token, { name: 'Open door' });
    await createEndpoint(backend, owner.access_token, {
      name: 'Closed door',
      policies: [{ type: 'auth_required' }],
    });
    const res = await get('/api/v1/endpoints/guest-accessible?limit=100');
    const names = res.body.map((e) => e.name);
    expect(names).toContain('Open door');
    expect(names).not.toContain('Closed door');
  });
});

describe('grouped and owner listings', () => {
  it('groups by owner with counts, has_more, paging over groups and per-owner caps', async () => {
    const fresh = await createTestBackend();
    try {
      const x = await fresh.registerUser({ username: 'xavier' });
      const y = await fresh.registerUser({ username: 'yolanda' });
      const z = await fresh.registerUser({ username: 'zed' });
      for (let i = 0; i < 3; i += 1) await createEndpoint(fresh, x.access_token, { name: `X${i}` });
      for (let i = 0; i < 3; i += 1)
        await createEndpoint(fresh, y.access_token, {
          name: `Y${i}`,
          type: i === 0 ? 'data_source' : 'model_data_source',
        });
      await createEndpoint(fresh, z.access_token, { name: 'Z0' });
      await createEndpoint(fresh, z.access_token, { name: 'Z hidden', visibility: 'internal' });
      type Grouped = {
        groups: Array<{
          owner_username: string;
          endpoints: EndpointJson[];
          total_count: number;
          has_more: boolean;
        }>;
      };
      const all = await fresh.api<Grouped>('GET', '/api/v1/endpoints/public/grouped?max_per_owner=2');
      expect(
        all.body.groups.map((g) => [
          g.owner_username,
          g.endpoints.map((e) => e.name),
          g.total_count,
          g.has_more,
        ]),
      ).toEqual([
        ['xavier', ['X2', 'X1'], 3, true],
        ['yolanda', ['Y2', 'Y1'], 3, true],
        ['zed', ['Z0'], 1, false],
      ]);
      const second = await fresh.api<Grouped>('GET', '/api/v1/endpoints/public/grouped?skip=1&limit=1');
      expect(second.body.groups.map((g) => [g.owner_username, g.endpoints.length])).toEqual([['yolanda', 3]]);
      expect((await fresh.api('GET', '/api/v1/endpoints/public/grouped?max_per_owner=51')).status).toBe(422);
      expect((await fresh.api('GET', '/api/v1/endpoints/public/grouped?limit=201')).status).toBe(422);

      const owners = await fresh.api('GET', '/api/v1/endpoints/public/owners');
      expect(owners.body).toEqual({
        owners: [
          { username: 'xavier', endpoint_count: 3, model_count: 3, data_source_count: 0 },
          { username: 'yolanda', endpoint_count: 3, model_count: 0, data_source_count: 1 },
          { username: 'zed', endpoint_count: 1, model_count: 1, data_source_count: 0 },
        ],
        total_count: 3,
      });
      const beyond = await fresh.api('GET', '/api/v1/endpoints/public/owners?skip=10');
      expect(beyond.body).toEqual({ owners: [], total_count: 3 });
      const paged = await fresh.api<{ owners: Array<{ username: string }> }>(
        'GET',
        '/api/v1/endpoints/public/owners?skip=1&limit=1',
      );
      expect(paged.body.owners.map((o) => o.username)).toEqual(['yolanda']);
      expect((await fresh.api('GET', '/api/v1/endpoints/public/by-owner/XAVIER')).body).toHaveLength(3);
      expect((await fresh.api('GET', '/api/v1/endpoints/public/by-owner/nobody-here')).body).toEqual([]);
    } finally {
      await fresh.close();
    }
  });
});

describe('policy audience filtering (§3.5)', () => {
  it('shows targeted policies to their audience, wildcards to everyone else, everything to managers', async () => {
    const policies = [
      { type: 'open', config: {} },
      { type: 'star', config: { applied_to: ['*'] } },
      { type: 'for-bob', config: { applied_to: [bob.user.email.toUpperCase(), 'x@example.com'] } },
      { type: 'for-nobody', config: { applied_to: ['nobody@example.com'] } },
      { type: 'empty', config: { applied_to: [] } },
    ];
    const made = await createEndpoint(backend, alice.access_token, { name: 'Policies', policies });
    const path = `/${alice.user.username}/${made.slug}`;
    const typesFor = async (url: string, token?: string) =>
      (await backend.api<EndpointJson>('GET', url, { token })).body.policies.map((p) => p.type);
    const wildcards = ['open', 'star', 'empty'];
    expect(await typesFor(path)).toEqual(wildcards);
    expect(await typesFor(path, carol.access_token)).toEqual(wildcards);
    expect(await typesFor(path, bob.access_token)).toEqual(['for-bob']);
    expect(await typesFor(`/api/v1/endpoints/${made.id}`, bob.access_token)).toEqual(['for-bob']);
    expect(
      await typesFor(`/api/v1/endpoints/public/${alice.user.username}/${made.slug}`, bob.access_token),
    ).toEqual(['for-bob']);
    const all = policies.map((p) => p.type);
    expect(await typesFor(path, alice.access_token)).toEqual(all);
    expect(await typesFor(path, admin.access_token)).toEqual(all);
    const listed = (
      await get(`/api/v1/endpoints/public/by-owner/${alice.user.username}`, bob.access_token)
    ).body.find((e) => e.id === made.id);
    expect(listed?.policies.map((p) => p.type)).toEqual(['for-bob']);
  });
});

describe('connection URL rewriting (§3.4)', () => {
  it('joins relative paths to the owner domain, uses ws for websocket types, passes absolute and tunnel URLs', async () => {
    const dave = await backend.registerUser();
    const made = await createEndpoint(backend, dave.access_token, {
      name: 'Connections',
      connect: [
        { type: 'http', config: { url: '' } },
        { type: 'https', config: { url: '/api/x' } },
        { type: 'http', config: { url: 'no/slash', tenant_name: 'acme' } },
        { type: 'websocket', config: { url: 'ws' } },
        { type: 'wss', config: { url: '' } },
        { type: 'http', config: { url: 'https://elsewhere.example.com/q' } },
        { type: 'ws', config: { url: 'wss://stream.example.com' } },
        { type: 'http', config: { url: `tunneling:${dave.user.username}` } },
        { type: 'http', config: {} },
      ],
    });
    const urls = async () =>
      (await backend.api<EndpointJson>('GET', `/${dave.user.username}/${made.slug}`)).body.connect.map(
        (c) => c.config.url,
      );
    expect(await urls()).toEqual([
      '',
      '/api/x',
      'no/slash',
      'ws',
      '',
      'https://elsewhere.example.com/q',
      'wss://stream.example.com',
      `tunneling:${dave.user.username}`,
      undefined,
    ]);
    await setUserDomain(backend, dave.user.id, 'https://sat.example.com');
    expect(await urls()).toEqual([
      'https://sat.example.com',
      'https://sat.example.com/api/x',
      'https://sat.example.com/no/slash',
      'wss://sat.example.com/ws',
      'wss://sat.example.com',
      'https://elsewhere.example.com/q',
      'wss://stream.example.com',
      `tunneling:${dave.user.username}`,
      undefined,
    ]);
    await setUserDomain(backend, dave.user.id, 'http://10.0.0.5:8003');
    expect((await urls()).slice(3, 5)).toEqual(['ws://10.0.0.5:8003/ws', 'ws://10.0.0.5:8003']);
    await setUserDomain(backend, dave.user.id, 'tunneling:dave');
    expect((await urls()).slice(0, 3)).toEqual(['tunneling:dave', 'tunneling:dave', 'tunneling:dave']);
    // Stored values are untouched: the owner's own view after a domain change is rewritten from the same input.
    const own = await backend.api<EndpointJson[]>('GET', '/api/v1/endpoints', { token: dave.access_token });
    expect(own.body[0]!.connect[2]!.config).toEqual({ url: 'tunneling:dave', tenant_name: 'acme' });
  });
});
