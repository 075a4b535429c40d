import { Collective, type Collective as CollectiveJson } from '@syfthub/contracts';
import { collectives, endpoints, eq, sql } from '@syfthub/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { approvedMember, C, createCollective, dataSource, expectShape } from './collectives-fixtures';
import { type Account, setEndpointColumns } from './endpoints-fixtures';
import { createTestBackend, type TestBackend } from './harness';

// `member_count` / `owner_count` are served from counts stored on `collectives` (kept by the triggers of migration
// 0007) plus, for a signed-in caller, their own private members. After every kind of write that changes V(caller)
// (collectives.md §5.3) they must still equal what that caller can resolve: the paths of R05, which are computed
// live. Each check reads the counts three ways (by id, by slug, the directory) for four kinds of caller.

let backend: TestBackend;
let owner: Account;
let alice: Account;
let bob: Account;
let stranger: Account;
let admin: Account;

beforeAll(async () => {
  backend = await createTestBackend();
  [owner, alice, bob, stranger, admin] = await Promise.all([
    backend.registerUser(),
    backend.registerUser(),
    backend.registerUser(),
    backend.registerUser(),
    backend.registerAdmin(),
  ]);
});
afterAll(async () => {
  await backend.close();
});

interface Counts {
  member_count: number;
  owner_count: number;
}

/** What `token`'s caller may resolve: R05's paths, counted and grouped by owner. */
async function resolvable(made: CollectiveJson, token?: string): Promise<Counts> {
  const res = await backend.api<string[]>(
    'GET',
    `${C}/by-slug/${made.slug}/endpoint-paths`,
    token ? { token } : {},
  );
  expect(res.status, res.text).toBe(200);
  return {
    member_count: res.body.length,
    owner_count: new Set(res.body.map((path) => path.split('/')[0])).size,
  };
}

/** The counts of `made` as `token`'s caller reads them by id, by slug and in the directory; all three must agree. */
async function shown(made: CollectiveJson, token?: string): Promise<Counts> {
  const auth = token ? { token } : {};
  const byId = expectShape(await backend.api('GET', `${C}/${made.id}`, auth), 200, Collective);
  const bySlug = expectShape(await backend.api('GET', `${C}/by-slug/${made.slug}`, auth), 200, Collective);
  const listed = expectShape(
    await backend.api('GET', `${C}?owner_id=${made.owner_id}&limit=100`, auth),
    200,
    z.array(Collective),
  ).find((row) => row.id === made.id);
  const pick = (row: CollectiveJson | undefined): Counts => ({
    member_count: row?.member_count ?? -1,
    owner_count: row?.owner_count ?? -1,
  });
  expect(pick(bySlug)).toEqual(pick(byId));
  expect(pick(listed)).toEqual(pick(byId));
  return pick(byId);
}

/** Every caller kind sees counts equal to what it can resolve, and the anonymous ones are `expected`. */
async function expectCounts(made: CollectiveJson, anonymous: Counts, signedIn?: Counts): Promise<void> {
  expect(await shown(made)).toEqual(anonymous);
  expect(await resolvable(made)).toEqual(anonymous);
  if (signedIn) expect(await shown(made, stranger.access_token)).toEqual(signedIn);
  for (const account of [stranger, alice, bob, owner, admin]) {
    expect(await shown(made, account.access_token), account.user.username).toEqual(
      await resolvable(made, account.access_token),
    );
  }
  await expectStoredMatchesLive();
}

/** The stored columns of every collective equal a live count over its members (the migration's invariant). */
async function expectStoredMatchesLive(): Promise<void> {
  const rows = await backend.deps.db.execute(sql`
    select c.id from ${collectives} c
    left join lateral (
      select
        count(*) filter (where e.visibility = 'public')::int as pm,
        count(distinct e.user_id) filter (where e.visibility = 'public')::int as po,
        count(*) filter (where e.visibility in ('public', 'internal'))::int as lm,
        count(distinct e.user_id) filter (where e.visibility in ('public', 'internal'))::int as lo
      from collective_members m join endpoints e on e.id = m.endpoint_id join users u on u.id = e.user_id
      where m.collective_id = c.id and m.status = 'approved' and e.is_active and u.is_active
        and e.type in ('data_source', 'model_data_source') and not e.archived
    ) s on true
    where (c.public_member_count, c.public_owner_count, c.listed_member_count, c.listed_owner_count)
      is distinct from (s.pm, s.po, s.lm, s.lo)`);
  expect(Array.isArray(rows) ? rows : (rows as { rows: unknown[] }).rows).toEqual([]);
}

const patchEndpoint = (account: Account, id: number, json: Record<string, unknown>) =>
  backend.api('PATCH', `/api/v1/endpoints/${id}`, { token: account.access_token, json });

describe('stored member counts (collectives.md §2.3, §5.3)', () => {
  it('follow joins, reviews, visibility, archival, activity, type, removal and deletion', async () => {
    const made = await createCollective(backend, owner.access_token);
    const a1 = await dataSource(backend, alice);
    const a2 = await dataSource(backend, alice, { visibility: 'internal' });
    const a3 = await dataSource(backend, alice, { visibility: 'private' });
    const b1 = await dataSource(backend, bob);
    await expectCounts(made, { member_count: 0, owner_count: 0 });

    // A pending request counts for nobody; approval does.
    const pending = await backend.api('POST', `${C}/${made.id}/members`, {
      token: alice.access_token,
      json: { endpoint_id: a1.id },
    });
    expect(pending.status, pending.text).toBe(201);
    await expectCounts(made, { member_count: 0, owner_count: 0 });
    await approvedMember(backend, made, owner, alice, a1.id);
    await approvedMember(backend, made, owner, alice, a2.id);
    await approvedMember(backend, made, owner, alice, a3.id);
    await approvedMember(backend, made, owner, bob, b1.id);
    await expectCounts(made, { member_count: 2, owner_count: 2 }, { member_count: 3, owner_count: 2 });
    // Alice sees her private member on top; bob does not; admins see all four.
    expect(await shown(made, alice.access_token)).toEqual({ member_count: 4, owner_count: 2 });
    expect(await shown(made, bob.access_token)).toEqual({ member_count: 3, owner_count: 2 });
    expect(await shown(made, admin.access_token)).toEqual({ member_count: 4, owner_count: 2 });

    // Visibility changes through the endpoint route, both ways.
    expect((await patchEndpoint(alice, a1.id, { visibility: 'private' })).status).toBe(200);
    await expectCounts(made, { member_count: 1, owner_count: 1 }, { member_count: 2, owner_count: 2 });
    expect(await shown(made, alice.access_token)).toEqual({ member_count: 4, owner_count: 2 });
    expect((await patchEndpoint(alice, a1.id, { visibility: 'public' })).status).toBe(200);
    await expectCounts(made, { member_count: 2, owner_count: 2 }, { member_count: 3, owner_count: 2 });

    // Archival through the endpoint route.
    expect((await patchEndpoint(bob, b1.id, { archived: true })).status).toBe(200);
    await expectCounts(made, { member_count: 1, owner_count: 1 }, { member_count: 2, owner_count: 1 });
    expect((await patchEndpoint(bob, b1.id, { archived: false })).status).toBe(200);
    await expectCounts(made, { member_count: 2, owner_count: 2 }, { member_count: 3, owner_count: 2 });

    // The health monitor's activity flag and a type that can no longer be a member (written as they are: columns).
    await setEndpointColumns(backend, a1.id, { isActive: false });
    await expectCounts(made, { member_count: 1, owner_count: 1 }, { member_count: 2, owner_count: 2 });
    await setEndpointColumns(backend, a1.id, { isActive: true });
    await setEndpointColumns(backend, b1.id, { type: 'model' });
    await expectCounts(made, { member_count: 1, owner_count: 1 }, { member_count: 2, owner_count: 1 });
    await setEndpointColumns(backend, b1.id, { type: 'data_source' });
    await expectCounts(made, { member_count: 2, owner_count: 2 }, { member_count: 3, owner_count: 2 });

    // Removal by the collective owner, and leaving by the endpoint owner.
    const removed = await backend.api('DELETE', `${C}/${made.id}/members/${a2.id}`, {
      token: owner.access_token,
    });
    expect(removed.status, removed.text).toBe(204);
    await expectCounts(made, { member_count: 2, owner_count: 2 }, { member_count: 2, owner_count: 2 });
    const left = await backend.api('DELETE', `${C}/${made.id}/members/${b1.id}`, { token: bob.access_token });
    expect(left.status, left.text).toBe(204);
    await expectCounts(made, { member_count: 1, owner_count: 1 }, { member_count: 1, owner_count: 1 });
    expect(await shown(made, alice.access_token)).toEqual({ member_count: 2, owner_count: 1 });

    // Deleting a member endpoint (the membership goes by cascade).
    const deleted = await backend.api('DELETE', `/api/v1/endpoints/${a1.id}`, { token: alice.access_token });
    expect(deleted.status, deleted.text).toBe(204);
    await expectCounts(made, { member_count: 0, owner_count: 0 }, { member_count: 0, owner_count: 0 });
    // Alice's private member alone: she counts it, and herself as its owner.
    expect(await shown(made, alice.access_token)).toEqual({ member_count: 1, owner_count: 1 });
  });

  it('follow invitations, rejection, owner deactivation and a change of endpoint owner', async () => {
    const made = await createCollective(backend, owner.access_token);
    const a = await dataSource(backend, alice);
    const b = await dataSource(backend, bob, { visibility: 'internal' });
    const invite = (id: number) =>
      backend.api('POST', `${C}/${made.id}/invitations`, {
        token: owner.access_token,
        json: { endpoint_id: id },
      });
    const respond = (account: Account, id: number, decision: string) =>
      backend.api('POST', `${C}/${made.id}/invitations/${id}/respond`, {
        token: account.access_token,
        json: { decision },
      });
    expect((await invite(a.id)).status).toBe(201);
    expect((await invite(b.id)).status).toBe(201);
    await expectCounts(made, { member_count: 0, owner_count: 0 }, { member_count: 0, owner_count: 0 });
    expect((await respond(alice, a.id, 'accept')).status).toBe(200);
    expect((await respond(bob, b.id, 'decline')).status).toBe(200);
    await expectCounts(made, { member_count: 1, owner_count: 1 }, { member_count: 1, owner_count: 1 });
    // A rejected row that comes back by request and approval counts again.
    await approvedMember(backend, made, owner, bob, b.id);
    await expectCounts(made, { member_count: 1, owner_count: 1 }, { member_count: 2, owner_count: 2 });

    // Deactivating alice (admin route) hides her members; reactivating shows them again.
    const off = await backend.api('PATCH', `/api/v1/users/${alice.user.id}/deactivate`, {
      token: admin.access_token,
    });
    expect(off.status, off.text).toBe(200);
    await expectCounts(made, { member_count: 0, owner_count: 0 }, { member_count: 1, owner_count: 1 });
    const on = await backend.api('PATCH', `/api/v1/users/${alice.user.id}/activate`, {
      token: admin.access_token,
    });
    expect(on.status, on.text).toBe(200);
    await expectCounts(made, { member_count: 1, owner_count: 1 }, { member_count: 2, owner_count: 2 });

    // An endpoint handed to another owner (no route does this today; the trigger covers the column anyway).
    await backend.deps.db.update(endpoints).set({ userId: alice.user.id }).where(eq(endpoints.id, b.id));
    await expectCounts(made, { member_count: 1, owner_count: 1 }, { member_count: 2, owner_count: 1 });
  });

  it('count every one of 20 concurrent joins, and drop them all with the collective', async () => {
    // Fresh accounts: deactivation above ended alice's sessions.
    const [carol, dave] = await Promise.all([backend.registerUser(), backend.registerUser()]);
    const made = await createCollective(backend, owner.access_token, { auto_approve: true });
    const sources = await Promise.all(
      Array.from({ length: 20 }, (_, i) => dataSource(backend, i % 2 ? carol : dave)),
    );
    const joins = await Promise.all(
      sources.map((source, i) =>
        backend.api('POST', `${C}/${made.id}/members`, {
          token: (i % 2 ? carol : dave).access_token,
          json: { endpoint_id: source.id },
        }),
      ),
    );
    expect(joins.map((res) => res.status)).toEqual(sources.map(() => 201));
    await expectCounts(made, { member_count: 20, owner_count: 2 }, { member_count: 20, owner_count: 2 });
    // Bulk write in one statement (every source private at once): one recompute, right counts.
    await backend.deps.db
      .update(endpoints)
      .set({ visibility: 'private' })
      .where(sql`${endpoints.id} in ${sources.slice(0, 10).map((s) => s.id)}`);
    await expectCounts(made, { member_count: 10, owner_count: 2 }, { member_count: 10, owner_count: 2 });
    expect((await backend.api('DELETE', `${C}/${made.id}`, { token: owner.access_token })).status).toBe(204);
    await expectStoredMatchesLive();
  });
});
