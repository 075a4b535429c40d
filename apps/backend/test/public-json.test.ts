import { endpoints, inArray, sql, users } from '@syfthub/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpointPublicJsonSql, viewerSource, viewerValues } from '../src/endpoints/public-json';
import { endpointPublicJson } from '../src/endpoints/serialize';
import type { EndpointView } from '../src/endpoints/views';
import { endpointViewFields } from '../src/endpoints/views';
import type { Viewer } from '../src/endpoints/visibility';
import { type Account, createEndpoint, setEndpointColumns, setUserDomain } from './endpoints-fixtures';
import { createTestBackend, type TestBackend } from './harness';

// The `EndpointPublic` JSON PostgreSQL writes for the hot reads (list search, §16 search) must say what the
// backend's own serialiser says, for every kind of row and viewer.

let backend: TestBackend;
let owner: Account;
let reader: Account;
let admin: Account;
const ids: number[] = [];

const policy = (type: string, config: unknown) => ({
  type,
  version: '1.0',
  enabled: true,
  description: '',
  config,
});

const variants: Array<Partial<typeof endpoints.$inferInsert>> = [
  {},
  {
    name: 'Ünïcödé “quotes” \\ back\\slash \u2028 line 😀',
    description: 'tab\there\nnewline "quoted" \u0001 control \u007f del',
    readme: `# Title\n\n${'long text '.repeat(500)}\u00e9\u{1F600}`,
    tags: ['a', 'b-c', 'ünï'],
    contributors: [1, 2, 3],
    starsCount: 2147483647,
    healthStatus: 'healthy',
    healthCheckedAt: new Date('2026-03-04T05:06:07.891Z'),
    version: '10.20.30',
    archived: false,
  },
  {
    policies: [
      policy('rate_limit', { requests: 10 }),
      policy('access', { applied_to: ['*'] }),
      policy('access', { applied_to: ['Reader@Example.com', 'someone@else.org'] }),
      policy('access', { applied_to: ['nobody@example.com'] }),
      policy('odd', { applied_to: 'reader@example.com' }),
      policy('numbers', { applied_to: [1, 2] }),
      policy('nullconfig', null),
      policy('mixed', {
        applied_to: [1, 'reader@example.com', { x: 1 }],
        nested: { deep: [1.5, null, true] },
      }),
    ] as never,
    healthStatus: 'unhealthy',
  },
  {
    policies: [policy('access', { applied_to: ['nobody@example.com'] }), policy('free', {})] as never,
  },
  {
    policies: [policy('access', { applied_to: ['nobody@example.com'] })] as never,
  },
  // Only wildcards (the stored array as it is), and shapes a lax reading would take for other things.
  {
    policies: [
      policy('rate_limit', {}),
      policy('access', { applied_to: ['*', 'reader@example.com'] }),
    ] as never,
  },
  { policies: [policy('access', { applied_to: [['*'], 'reader@example.com'] })] as never },
  { policies: [policy('access', [{ applied_to: ['reader@example.com'] }]), 'just text', 7] as never },
  {
    connect: [
      { type: 'http', enabled: true, description: '', config: { url: 'https://abs.example.com' } },
      { type: 'ws', enabled: true, description: '', config: { url: 'WSS://loud.example/x' } },
      { type: 'http', enabled: true, description: '', config: { url: ['relative', 'https://x'] } },
    ] as never,
  },
  {
    connect: [
      { type: 'http', enabled: true, description: '', config: { url: 'https://abs.example.com/x' } },
      { type: 'http', enabled: true, description: '', config: { url: '/relative/path' } },
      { type: 'http', enabled: true, description: '', config: { url: '' } },
      { type: 'http', enabled: true, description: '', config: { url: '///many' } },
      { type: 'WebSocket', enabled: true, description: '', config: { url: 'ws/path' } },
      { type: 'wss', enabled: false, description: 'é', config: { url: 'tunneling:abc' } },
      { type: 'http', enabled: true, description: '', config: { url: 42, other: 'kept' } },
      { type: 'http', enabled: true, description: '' },
      { type: 'grpc', enabled: true, description: '', config: { url: 'HTTPS://UPPER.example', port: 1 } },
    ] as never,
  },
];

beforeAll(async () => {
  backend = await createTestBackend();
  owner = await backend.registerUser();
  reader = await backend.registerUser({ email: `reader${Date.now()}@example.com` });
  admin = await backend.registerAdmin();
  // The policies above target reader@example.com: give the reader that address in the database.
  await backend.deps.db
    .update(users)
    .set({ email: 'reader@example.com' })
    .where(inArray(users.id, [reader.user.id]));
  for (const [i, values] of variants.entries()) {
    const created = await createEndpoint(backend, owner.access_token, {
      name: `Variant ${i}`,
      type: 'data_source',
    });
    if (Object.keys(values).length > 0) await setEndpointColumns(backend, created.id, values);
    ids.push(created.id);
  }
  // Microseconds, which both sides truncate to milliseconds.
  await backend.deps.db.execute(
    sql`update endpoints set created_at = '2026-01-02 03:04:05.999999+00',
        updated_at = '2026-01-02 03:04:05.000500+00', health_checked_at = '2025-12-31 23:59:59.123456+00'
        where id = ${ids[0]}`,
  );
});
afterAll(async () => {
  await backend?.close();
});

async function compare(viewer: Viewer) {
  const statement = backend.deps.db
    .select({ ...endpointViewFields, json: sql<string>`${endpointPublicJsonSql()}` })
    .from(endpoints)
    .innerJoin(users, sql`${users.id} = ${endpoints.userId}`)
    .innerJoin(viewerSource, sql`true`)
    .where(inArray(endpoints.id, ids))
    .orderBy(endpoints.id)
    .prepare(`public_json_test_${Math.random().toString(36).slice(2)}`);
  const rows = await statement.execute(viewerValues(viewer));
  expect(rows).toHaveLength(ids.length);
  for (const { json, ...view } of rows) {
    const expected = JSON.stringify(endpointPublicJson(view as EndpointView, viewer));
    expect(JSON.stringify(JSON.parse(json))).toBe(expected);
  }
}

async function viewerOf(account: Account | null): Promise<Viewer> {
  if (!account) return null;
  const [user] = await backend.deps.db
    .select()
    .from(users)
    .where(inArray(users.id, [account.user.id]));
  if (!user) throw new Error('no user');
  return { id: user.id, role: user.role, email: user.email };
}

describe('EndpointPublic JSON written by PostgreSQL', () => {
  for (const domain of [
    null,
    '',
    'https://owner.example.com/',
    'http://plain.example//',
    'tunneling:node-1',
  ]) {
    it(`equals the serialiser's for every viewer (owner domain ${JSON.stringify(domain)})`, async () => {
      await setUserDomain(backend, owner.user.id, domain);
      for (const account of [null, reader, owner, admin]) await compare(await viewerOf(account));
      // A signed-in viewer whose address no policy names.
      await compare({ id: 999_999, role: 'user', email: 'stranger@example.com' });
    });
  }

  it('writes compact top-level JSON with the keys in the serialiser order', async () => {
    const statement = backend.deps.db
      .select({
        json: sql<string>`${endpointPublicJsonSql({ key: 'relevance_score', value: sql`0.5::float8` })}`,
      })
      .from(endpoints)
      .innerJoin(users, sql`${users.id} = ${endpoints.userId}`)
      .innerJoin(viewerSource, sql`true`)
      .where(inArray(endpoints.id, [ids[0] as number]))
      .prepare('public_json_test_keys');
    const [row] = await statement.execute(viewerValues(null));
    const json = row?.json ?? '';
    expect(json.startsWith(`{"id":${ids[0]},"name":`)).toBe(true);
    expect(Object.keys(JSON.parse(json)).at(-1)).toBe('relevance_score');
    expect(JSON.parse(json).created_at).toBe('2026-01-02T03:04:05.999Z');
    expect(JSON.parse(json).updated_at).toBe('2026-01-02T03:04:05.000Z');
  });
});
