import {
  collectiveMembers,
  collectiveSharedEndpointMembers,
  collectiveSharedEndpoints,
  collectives,
  endpoints,
  eq,
} from '@syfthub/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestBackend, type TestBackend } from './harness';

let backend: TestBackend;
let alice: Awaited<ReturnType<TestBackend['registerUser']>>;
let bob: Awaited<ReturnType<TestBackend['registerUser']>>;

async function publish(token: string, slug: string, visibility: string) {
  const res = await backend.api<{ id: number }>('POST', '/api/v1/endpoints', {
    token,
    json: { name: slug, slug, type: 'data_source', visibility },
  });
  if (res.status !== 201) throw new Error(`create failed: ${res.status} ${res.text}`);
  return res.body.id;
}

beforeAll(async () => {
  backend = await createTestBackend();
  alice = await backend.registerUser();
  bob = await backend.registerUser();
  const { db } = backend.deps;
  // No route creates collectives before phase 2, so the fixture writes the rows the path routes resolve.
  const [collective] = await db
    .insert(collectives)
    .values({ ownerId: alice.user.id, name: 'Legal', slug: 'legal' })
    .returning({ id: collectives.id });
  const id = collective!.id;
  const pub = await publish(alice.access_token, 'public-docs', 'public');
  const internal = await publish(bob.access_token, 'internal-docs', 'internal');
  const priv = await publish(bob.access_token, 'private-docs', 'private');
  const pending = await publish(alice.access_token, 'pending-docs', 'public');
  const inactive = await publish(alice.access_token, 'inactive-docs', 'public');
  await db.update(endpoints).set({ isActive: false }).where(eq(endpoints.id, inactive));
  const now = new Date();
  await db.insert(collectiveMembers).values([
    { collectiveId: id, endpointId: pub, status: 'approved', requestedAt: now },
    { collectiveId: id, endpointId: internal, status: 'approved', requestedAt: now },
    { collectiveId: id, endpointId: priv, status: 'approved', requestedAt: now },
    { collectiveId: id, endpointId: pending, status: 'pending', requestedAt: now },
    { collectiveId: id, endpointId: inactive, status: 'approved', requestedAt: now },
  ]);
  const [shared] = await db
    .insert(collectiveSharedEndpoints)
    .values({ collectiveId: id, name: 'Public subset', slug: 'subset' })
    .returning({ id: collectiveSharedEndpoints.id });
  await db.insert(collectiveSharedEndpointMembers).values([
    { sharedEndpointId: shared!.id, endpointId: pub },
    { sharedEndpointId: shared!.id, endpointId: pending },
  ]);
});

afterAll(async () => {
  await backend.close();
});

describe('collective path resolution (phase 1)', () => {
  it('answers 404 for an unknown collective or shared endpoint', async () => {
    const res = await backend.api('GET', '/api/v1/collectives/by-slug/nope/endpoint-paths');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ detail: 'Collective not found' });
    const shared = await backend.api(
      'GET',
      '/api/v1/collectives/by-slug/legal/shared-endpoints/nope/endpoint-paths',
    );
    expect(shared.status).toBe(404);
  });

  it('lists approved, active members the caller may see', async () => {
    const a = alice.user.username;
    const b = bob.user.username;
    const anonymous = await backend.api<string[]>('GET', '/api/v1/collectives/by-slug/legal/endpoint-paths');
    expect(anonymous.body).toEqual([`${a}/public-docs`]);
    const signedIn = await backend.api<string[]>('GET', '/api/v1/collectives/by-slug/LEGAL/endpoint-paths', {
      token: alice.access_token,
    });
    expect(signedIn.body.sort()).toEqual([`${a}/public-docs`, `${b}/internal-docs`].sort());
    const owner = await backend.api<string[]>('GET', '/api/v1/collectives/by-slug/legal/endpoint-paths', {
      token: bob.access_token,
    });
    expect(owner.body.sort()).toEqual([`${a}/public-docs`, `${b}/internal-docs`, `${b}/private-docs`].sort());
  });

  it('resolves a shared subset to its approved members, and `all` to every member', async () => {
    const subset = await backend.api<string[]>(
      'GET',
      '/api/v1/collectives/by-slug/legal/shared-endpoints/subset/endpoint-paths',
    );
    expect(subset.body).toEqual([`${alice.user.username}/public-docs`]);
    const all = await backend.api<string[]>(
      'GET',
      '/api/v1/collectives/by-slug/legal/shared-endpoints/all/endpoint-paths',
    );
    expect(all.body).toEqual([`${alice.user.username}/public-docs`]);
  });
});
