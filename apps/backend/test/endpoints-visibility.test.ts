import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Account, createEndpoint, type EndpointJson, setEndpointColumns } from './endpoints-fixtures';
import { createTestBackend, type TestBackend } from './harness';

// The visibility matrix of backend-api.md §3.6 on every route that reads endpoints.

let backend: TestBackend;
let owner: Account;
let other: Account;
let admin: Account;
const ids: Record<string, EndpointJson> = {};

const VISIBILITIES = ['public', 'internal', 'private'] as const;
const STATES = ['active', 'inactive'] as const;
type Caller = 'anonymous' | 'other' | 'owner' | 'admin';
const CALLERS: Caller[] = ['anonymous', 'other', 'owner', 'admin'];

function tokenOf(caller: Caller): string | undefined {
  return {
    anonymous: undefined,
    other: other.access_token,
    owner: owner.access_token,
    admin: admin.access_token,
  }[caller];
}

beforeAll(async () => {
  backend = await createTestBackend();
  owner = await backend.registerUser();
  other = await backend.registerUser();
  admin = await backend.registerAdmin();
  for (const visibility of VISIBILITIES) {
    for (const state of STATES) {
      const made = await createEndpoint(backend, owner.access_token, {
        name: `${visibility} ${state}`,
        visibility,
        tags: ['matrix'],
      });
      if (state === 'inactive') await setEndpointColumns(backend, made.id, { isActive: false });
      ids[`${visibility}-${state}`] = made;
    }
  }
  ids.archived = await createEndpoint(backend, owner.access_token, {
    name: 'public archived',
    archived: true,
  });
});
afterAll(async () => {
  await backend.close();
});

/** Expected status of a direct read per §3.6 (401 only where signing in would help). */
function expectedDirect(caller: Caller, visibility: string, state: string): number {
  if (caller === 'owner' || caller === 'admin') return 200;
  if (state === 'inactive') return 404;
  if (visibility === 'public') return 200;
  if (visibility === 'internal') return caller === 'anonymous' ? 401 : 200;
  return 404;
}

describe('direct reads', () => {
  for (const caller of CALLERS) {
    for (const visibility of VISIBILITIES) {
      for (const state of STATES) {
        it(`${caller} reading a ${state} ${visibility} endpoint`, async () => {
          const endpoint = ids[`${visibility}-${state}`]!;
          const token = tokenOf(caller);
          const expected = expectedDirect(caller, visibility, state);
          const path = `${owner.user.username}/${endpoint.slug}`;
          for (const url of [`/${path}`, `/api/v1/endpoints/by-path/${path.toUpperCase()}`]) {
            const res = await backend.api<EndpointJson>('GET', url, { token });
            expect(res.status, url).toBe(expected);
            if (expected === 404) expect(res.body).toEqual({ detail: 'Owner or endpoint not found' });
            if (expected === 401) {
              expect(res.body).toEqual({ detail: 'Authentication required to access this endpoint' });
              expect(res.headers.get('www-authenticate')).toBe('Bearer');
            }
            if (expected === 200) {
              const managerView = caller === 'owner' || caller === 'admin';
              expect('user_id' in res.body, url).toBe(managerView);
              expect('contributors_count' in res.body, url).toBe(!managerView);
            }
          }
          if (caller !== 'anonymous') {
            const byId = await backend.api('GET', `/api/v1/endpoints/${endpoint.id}`, { token });
            expect(byId.status).toBe(expected);
            if (expected === 404) expect(byId.body).toEqual({ detail: 'Endpoint not found' });
            const star = await backend.api('GET', `/api/v1/endpoints/${endpoint.id}/starred`, { token });
            expect(star.status).toBe(expected);
          }
          const publicRoute = await backend.api('GET', `/api/v1/endpoints/public/${path}`, { token });
          const listedPublic = visibility === 'public' && state === 'active';
          expect(publicRoute.status).toBe(listedPublic ? 200 : 404);
          const uptime = await backend.api('GET', `/api/v1/endpoints/${path}/uptime`, { token });
          // Uptime ignores the active state (§9.6).
          expect(uptime.status).toBe(expectedDirect(caller, visibility, 'active'));
        });
      }
    }
  }

  it('anonymous callers get 401 on by-id routes (they need a user)', async () => {
    const res = await backend.api('GET', `/api/v1/endpoints/${ids['public-active']!.id}`);
    expect(res.status).toBe(401);
  });

  it('archived endpoints stay readable directly and say so', async () => {
    const res = await backend.api<EndpointJson>('GET', `/${owner.user.username}/${ids.archived!.slug}`);
    expect(res.status).toBe(200);
    expect(res.body.archived).toBe(true);
    const pub = await backend.api<EndpointJson>(
      'GET',
      `/api/v1/endpoints/public/${owner.user.username}/${ids.archived!.slug}`,
    );
    expect(pub.body.archived).toBe(true);
  });
});

describe('listings', () => {
  const onlyListed = ['public active'];

  it('public, trending, guest-accessible, by-owner and search list only active, unarchived, public endpoints', async () => {
    for (const caller of CALLERS) {
      const token = tokenOf(caller);
      for (const url of [
        '/api/v1/endpoints/public?search=matrix&limit=100',
        '/api/v1/endpoints/trending?limit=100',
        '/api/v1/endpoints/guest-accessible?limit=100',
        `/api/v1/endpoints/public/by-owner/${owner.user.username}`,
      ]) {
        const res = await backend.api<EndpointJson[]>('GET', url, { token });
        expect(res.status, url).toBe(200);
        expect(
          res.body.map((e) => e.name),
          `${caller} ${url}`,
        ).toEqual(onlyListed);
      }
      const grouped = await backend.api<{ groups: Array<{ endpoints: EndpointJson[] }> }>(
        'GET',
        '/api/v1/endpoints/public/grouped',
        { token },
      );
      expect(grouped.body.groups.flatMap((g) => g.endpoints.map((e) => e.name))).toEqual(onlyListed);
      const search = await backend.api<{ results: EndpointJson[] }>('POST', '/api/v1/endpoints/search', {
        token,
        json: { query: 'matrix' },
      });
      expect(search.body.results.map((e) => e.name)).toEqual(onlyListed);
    }
    const owners = await backend.api<{ owners: Array<{ username: string; endpoint_count: number }> }>(
      'GET',
      '/api/v1/endpoints/public/owners',
    );
    expect(owners.body.owners).toEqual([
      { username: owner.user.username, endpoint_count: 1, model_count: 1, data_source_count: 0 },
    ]);
  });

  it('GET /{owner} shows internal to signed-in users and everything to the owner and admins', async () => {
    const expected: Record<Caller, string[]> = {
      anonymous: ['public active'],
      other: ['internal active', 'public active'],
      owner: [
        'public archived',
        ...['private', 'internal', 'public'].flatMap((v) => [`${v} inactive`, `${v} active`]),
      ],
      admin: [],
    };
    expected.admin = expected.owner;
    for (const caller of CALLERS) {
      const res = await backend.api<EndpointJson[]>(
        'GET',
        `/${owner.user.username.toUpperCase()}?limit=100`,
        {
          token: tokenOf(caller),
        },
      );
      expect(res.status).toBe(200);
      expect(
        res.body.map((e) => e.name),
        caller,
      ).toEqual(expected[caller]);
    }
  });

  it('hides the endpoints of a deactivated owner from everyone but admins', async () => {
    const gone = await backend.registerUser();
    const made = await createEndpoint(backend, gone.access_token, { name: 'Orphan', tags: ['orphan'] });
    const { users, eq } = await import('@syfthub/db');
    await backend.deps.db.update(users).set({ isActive: false }).where(eq(users.id, gone.user.id));
    const list = await backend.api<EndpointJson[]>('GET', '/api/v1/endpoints/public?search=orphan');
    expect(list.body).toEqual([]);
    expect((await backend.api('GET', `/${gone.user.username}/${made.slug}`)).status).toBe(404);
    expect((await backend.api('GET', `/${gone.user.username}`)).body).toEqual({
      detail: `'${gone.user.username}' not found`,
    });
    expect(
      (await backend.api('GET', `/api/v1/endpoints/${made.id}`, { token: admin.access_token })).status,
    ).toBe(200);
  });
});
