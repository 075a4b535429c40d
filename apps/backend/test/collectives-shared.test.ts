import { BillingSummary, Collective, SharedEndpoint } from '@syfthub/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  approvedMember,
  C,
  createCollective,
  createShared,
  dataSource,
  expectShape,
  tableCounts,
} from './collectives-fixtures';
import { type Account, setEndpointColumns } from './endpoints-fixtures';
import { createTestBackend, type TestBackend } from './harness';

// Shared endpoints, path resolution and billing summaries (collectives.md §7-§8, R05-R11, R23-R27), with upstream's
// T:933-1593 and our fixes C2-C6, C22-C25.

let backend: TestBackend;
let owner: Account;
let member: Account;
let stranger: Account;
let admin: Account;

beforeAll(async () => {
  backend = await createTestBackend();
  owner = await backend.registerUser();
  member = await backend.registerUser();
  stranger = await backend.registerUser();
  admin = await backend.registerAdmin();
});
afterAll(async () => {
  await backend.close();
});

const Paths = z.array(z.string());
const SharedList = z.array(SharedEndpoint);

async function paths(slug: string, shared?: string, token?: string): Promise<string[]> {
  const url = shared
    ? `${C}/by-slug/${slug}/shared-endpoints/${shared}/endpoint-paths`
    : `${C}/by-slug/${slug}/endpoint-paths`;
  return expectShape(await backend.api('GET', url, { token }), 200, Paths);
}

/** A collective with two approved public data sources of `member` (source-one, then source-two). */
async function twoMembers() {
  const collective = await createCollective(backend, owner.access_token);
  const one = await dataSource(backend, member);
  const two = await dataSource(backend, member);
  await approvedMember(backend, collective, owner, member, one.id);
  await approvedMember(backend, collective, owner, member, two.id);
  return { collective, one, two, path: (e: { slug: string }) => `${member.user.username}/${e.slug}` };
}

describe('endpoint paths (R05, R10)', () => {
  it('404 for unknown, [] when empty, approved only, owner/slug format (T:933-1079)', async () => {
    expect((await backend.api('GET', `${C}/by-slug/not-a-collective/endpoint-paths`)).status).toBe(404);
    const empty = await createCollective(backend, owner.access_token);
    expect(await paths(empty.slug)).toEqual([]);
    const { collective, one, two, path } = await twoMembers();
    const pending = await dataSource(backend, member);
    const rejected = await dataSource(backend, member);
    await backend.api('POST', `${C}/${collective.id}/members`, {
      token: member.access_token,
      json: { endpoint_id: pending.id },
    });
    await backend.api('POST', `${C}/${collective.id}/members`, {
      token: member.access_token,
      json: { endpoint_id: rejected.id },
    });
    await backend.api('POST', `${C}/${collective.id}/members/${rejected.id}/review`, {
      token: owner.access_token,
      json: { decision: 'reject' },
    });
    const listed = await paths(collective.slug);
    // §14 D2: newest membership first.
    expect(listed).toEqual([path(two), path(one)]);
    expect(listed.every((p) => /^[^/]+\/[^/]+$/.test(p))).toBe(true);
  });

  it('`all` equals the whole collective; unknown shared slug 404 (T:1406, T:1424)', async () => {
    const { collective } = await twoMembers();
    expect((await paths(collective.slug, 'all')).sort()).toEqual((await paths(collective.slug)).sort());
    expect((await paths(collective.slug, 'ALL')).sort()).toEqual((await paths(collective.slug)).sort());
    const missing = await backend.api(
      'GET',
      `${C}/by-slug/${collective.slug}/shared-endpoints/nope/endpoint-paths`,
    );
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ detail: 'Shared endpoint not found' });
    expect((await backend.api('GET', `${C}/by-slug/${collective.slug}/shared-endpoints/all`)).status).toBe(
      404,
    );
  });

  it('intersects a shared endpoint with current approvals and keeps configuration order (T:1350, C23)', async () => {
    const { collective, one, two, path } = await twoMembers();
    const three = await dataSource(backend, member);
    await approvedMember(backend, collective, owner, member, three.id);
    const shared = await createShared(backend, owner.access_token, collective.id, {
      slug: 'ordered',
      endpoint_ids: [three.id, one.id, two.id, three.id],
    });
    expect(shared.members.map((m) => m.endpoint_id)).toEqual([three.id, one.id, two.id]);
    expect(await paths(collective.slug, 'ordered')).toEqual([path(three), path(one), path(two)]);
    // Removing a member that is in a shared endpoint: 204, the configuration stays, fan-out drops it.
    const leave = await backend.api('DELETE', `${C}/${collective.id}/members/${two.id}`, {
      token: member.access_token,
    });
    expect(leave.status).toBe(204);
    expect(await paths(collective.slug, 'ordered')).toEqual([path(three), path(one)]);
    const detail = expectShape(
      await backend.api('GET', `${C}/${collective.id}/shared-endpoints/ordered`, {
        token: owner.access_token,
      }),
      200,
      SharedEndpoint,
    );
    expect(detail.member_count).toBe(3);
    expect(detail.active_member_count).toBe(2);
    expect(detail.members.find((m) => !m.is_active)?.endpoint_id).toBe(two.id);
    // Re-approval brings it back.
    await approvedMember(backend, collective, owner, member, two.id);
    expect(await paths(collective.slug, 'ordered')).toEqual([path(three), path(one), path(two)]);
  });
});

describe('shared endpoints (R07-R09, R23-R27)', () => {
  it('creates with a derived or explicit slug, per-collective unique, `all` reserved (T:1082-1230)', async () => {
    const { collective, one, two } = await twoMembers();
    const created = await createShared(backend, owner.access_token, collective.id, {
      name: 'Health News',
      endpoint_ids: [one.id],
    });
    expect(created).toMatchObject({
      slug: 'health-news',
      collective_slug: collective.slug,
      shared_endpoint_path: `collective/${collective.slug}/health-news`,
      member_count: 1,
      active_member_count: 1,
    });
    expect(created.members[0]).toMatchObject({ endpoint_id: one.id, is_active: true });
    const explicit = await createShared(backend, owner.access_token, collective.id, {
      slug: 'alpha',
      endpoint_ids: [two.id],
    });
    expect(explicit.slug).toBe('alpha');
    const before = await tableCounts(backend);
    const dup = await backend.api('POST', `${C}/${collective.id}/shared-endpoints`, {
      token: owner.access_token,
      json: { name: 'Again', slug: 'alpha', endpoint_ids: [one.id] },
    });
    expect(dup.status).toBe(409);
    expect(dup.body).toEqual({ detail: 'Shared endpoint slug already taken in this collective' });
    for (const json of [
      { name: 'All', slug: 'all', endpoint_ids: [one.id] },
      { name: 'Empty', endpoint_ids: [] },
      { name: 'Upper', slug: 'Alpha', endpoint_ids: [one.id] },
      { name: 'Hyphens', slug: 'a--b', endpoint_ids: [one.id] },
      { name: '', endpoint_ids: [one.id] },
      { name: 'x'.repeat(101), endpoint_ids: [one.id] },
      { name: 'Desc', description: 'x'.repeat(501), endpoint_ids: [one.id] },
      { name: 'Ids', endpoint_ids: ['1'] },
      { name: 'Ids', endpoint_ids: [0] },
      { name: 'Ids' },
      { name: 'Ids', endpoint_ids: null },
    ]) {
      const res = await backend.api('POST', `${C}/${collective.id}/shared-endpoints`, {
        token: owner.access_token,
        json,
      });
      expect(res.status, JSON.stringify(json)).toBe(422);
    }
    const outsider = await dataSource(backend, stranger);
    const notApproved = await backend.api('POST', `${C}/${collective.id}/shared-endpoints`, {
      token: owner.access_token,
      json: { name: 'Mixed', endpoint_ids: [one.id, outsider.id, 999_999] },
    });
    expect(notApproved.status).toBe(400);
    expect(notApproved.body).toEqual({
      detail: `Every endpoint must be an approved member of this collective. Not approved: ${outsider.id}, 999999`,
    });
    for (const account of [member, stranger]) {
      const res = await backend.api('POST', `${C}/${collective.id}/shared-endpoints`, {
        token: account.access_token,
        json: { name: 'No', endpoint_ids: [one.id] },
      });
      expect(res.status).toBe(403);
    }
    expect(await tableCounts(backend)).toEqual(before);
    const named = await createShared(backend, owner.access_token, collective.id, {
      name: 'All',
      endpoint_ids: [one.id],
    });
    expect(named.slug).not.toBe('all');
    const byAdmin = await createShared(backend, admin.access_token, collective.id, {
      endpoint_ids: [one.id],
    });
    expect(byAdmin.id).toBeGreaterThan(0);
  });

  it('lists and reads by id and slug (T:1233) and in bulk (T:1520, T:1551, C25)', async () => {
    const { collective, one } = await twoMembers();
    await createShared(backend, owner.access_token, collective.id, {
      name: 'Health News',
      endpoint_ids: [one.id],
    });
    const byId = expectShape(
      await backend.api('GET', `${C}/${collective.id}/shared-endpoints`),
      200,
      SharedList,
    );
    const bySlug = expectShape(
      await backend.api('GET', `${C}/by-slug/${collective.slug}/shared-endpoints`),
      200,
      SharedList,
    );
    expect(byId).toHaveLength(1);
    expect(bySlug).toEqual(byId);
    const pair = expectShape(
      await backend.api('GET', `${C}/by-slug/${collective.slug}/shared-endpoints/HEALTH-NEWS`),
      200,
      SharedEndpoint,
    );
    expect(pair.slug).toBe('health-news');
    const other = await twoMembers();
    await createShared(backend, owner.access_token, other.collective.id, {
      slug: 'first',
      endpoint_ids: [other.one.id],
    });
    const bulk = expectShape(
      await backend.api(
        'GET',
        `${C}/shared-endpoints/bulk?collective_id=${other.collective.id}&collective_id=999999`,
      ),
      200,
      SharedList,
    );
    expect(bulk.map((s) => [s.slug, s.collective_id])).toEqual([['first', other.collective.id]]);
    const both = expectShape(
      await backend.api(
        'GET',
        `${C}/shared-endpoints/bulk?collective_id=${collective.id}&collective_id=${other.collective.id}`,
      ),
      200,
      SharedList,
    );
    expect(both.map((s) => s.collective_id)).toEqual([other.collective.id, collective.id]);
    expect(expectShape(await backend.api('GET', `${C}/shared-endpoints/bulk`), 200, SharedList)).toEqual([]);
    const many = Array.from({ length: 101 }, (_, i) => `collective_id=${i + 1}`).join('&');
    expect((await backend.api('GET', `${C}/shared-endpoints/bulk?${many}`)).status).toBe(422);
    expect((await backend.api('GET', `${C}/shared-endpoints/bulk?collective_id=x`)).status).toBe(422);
    expect((await backend.api('GET', `${C}/by-slug/nope-nope/shared-endpoints`)).status).toBe(404);
  });

  it('updates (replace, keep, nulls), bumps updated_at, deletes (T:1270-1347, T:1488, C24)', async () => {
    const { collective, one, two } = await twoMembers();
    const shared = await createShared(backend, owner.access_token, collective.id, {
      slug: 'editable',
      endpoint_ids: [one.id, two.id],
    });
    const path = `${C}/${collective.id}/shared-endpoints/editable`;
    const patch = (json: unknown, account: Account = owner) =>
      backend.api('PATCH', path, { token: account.access_token, json });
    const described = expectShape(await patch({ description: 'Only text' }), 200, SharedEndpoint);
    expect(described.member_count).toBe(2);
    const replaced = expectShape(
      await patch({ name: 'Renamed', endpoint_ids: [two.id] }),
      200,
      SharedEndpoint,
    );
    expect(replaced).toMatchObject({ name: 'Renamed', member_count: 1, slug: 'editable' });
    expect(replaced.members[0]?.endpoint_id).toBe(two.id);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const membersOnly = expectShape(await patch({ endpoint_ids: [one.id, two.id] }), 200, SharedEndpoint);
    expect(membersOnly.updated_at > replaced.updated_at).toBe(true);
    expect(membersOnly.updated_at > shared.updated_at).toBe(true);
    const untouched = expectShape(await patch({ endpoint_ids: null }), 200, SharedEndpoint);
    expect(untouched.member_count).toBe(2);
    const before = await tableCounts(backend);
    for (const json of [{ name: null }, { description: null }, { endpoint_ids: [] }, { name: '' }]) {
      expect((await patch(json)).status, JSON.stringify(json)).toBe(422);
    }
    const outsider = await dataSource(backend, stranger);
    expect((await patch({ endpoint_ids: [outsider.id] })).status).toBe(400);
    expect((await patch({ name: 'Nope' }, member)).status).toBe(403);
    expect((await backend.api('PATCH', path, { json: { name: 'x' } })).status).toBe(401);
    expect(await tableCounts(backend)).toEqual(before);
    expect(
      (
        await backend.api('PATCH', `${C}/${collective.id}/shared-endpoints/missing`, {
          token: owner.access_token,
          json: {},
        })
      ).status,
    ).toBe(404);
    expect((await backend.api('DELETE', path, { token: member.access_token })).status).toBe(403);
    expect((await backend.api('DELETE', path, { token: owner.access_token })).status).toBe(204);
    expect((await backend.api('GET', path)).status).toBe(404);
    const after = await tableCounts(backend);
    expect(after.sharedMembers).toBe((before.sharedMembers ?? 0) - 2);
  });
});

describe('visibility of members through every read (C2-C6)', () => {
  it('anonymous, stranger and the private endpoint owner each see their own set everywhere', async () => {
    const collective = await createCollective(backend, owner.access_token, { auto_approve: true });
    const pub = await dataSource(backend, member, {
      policies: [{ type: 'mpp', config: { price: 0.25, currency: 'USD' } }],
    });
    const priv = await dataSource(backend, member, {
      visibility: 'private',
      policies: [{ type: 'mpp', config: { price: 5, currency: 'USD' } }],
    });
    await approvedMember(backend, collective, owner, member, pub.id);
    await approvedMember(backend, collective, owner, member, priv.id);
    await createShared(backend, owner.access_token, collective.id, {
      slug: 'both',
      endpoint_ids: [pub.id, priv.id],
    });

    const anon = expectShape(await backend.api('GET', `${C}/by-slug/${collective.slug}`), 200, Collective);
    expect(anon.member_count).toBe(1);
    const shared = expectShape(
      await backend.api('GET', `${C}/by-slug/${collective.slug}/shared-endpoints/both`),
      200,
      SharedEndpoint,
    );
    expect(shared.members.map((m) => m.endpoint_id)).toEqual([pub.id]);
    expect(shared.member_count).toBe(1);
    const strangerBill = expectShape(
      await backend.api('GET', `${C}/by-slug/${collective.slug}/billing-summary`, {
        token: stranger.access_token,
      }),
      200,
      BillingSummary,
    );
    expect(strangerBill.members.map((m) => m.endpoint_id)).toEqual([pub.id]);
    expect(strangerBill.estimated_price).toEqual([{ currency: 'USD', amount: 0.25 }]);
    expect(await paths(collective.slug, 'both', stranger.access_token)).toEqual([
      `${member.user.username}/${pub.slug}`,
    ]);

    const mine = expectShape(
      await backend.api('GET', `${C}/by-slug/${collective.slug}`, { token: member.access_token }),
      200,
      Collective,
    );
    expect(mine.member_count).toBe(2);
    expect(mine.owner_count).toBe(1);
    const myBill = expectShape(
      await backend.api('GET', `${C}/by-slug/${collective.slug}/shared-endpoints/both/billing-summary`, {
        token: member.access_token,
      }),
      200,
      BillingSummary,
    );
    expect(myBill.members).toHaveLength(2);
    expect(myBill).toMatchObject({ mpp_count: 2, free_count: 0, prepaid_count: 0 });
    expect(myBill.estimated_price).toEqual([{ currency: 'USD', amount: 5.25 }]);
    // §14 D3: the collective's owner does not see the private member in fan-out; managers see it in the config.
    expect(await paths(collective.slug, undefined, owner.access_token)).toEqual([
      `${member.user.username}/${pub.slug}`,
    ]);
    const managerView = expectShape(
      await backend.api('GET', `${C}/${collective.id}/shared-endpoints/both`, { token: owner.access_token }),
      200,
      SharedEndpoint,
    );
    expect(managerView.member_count).toBe(2);
  });

  it('drops archived, re-typed and inactive members from fan-out and counts (D4, C16)', async () => {
    const { collective, one, two, path } = await twoMembers();
    const three = await dataSource(backend, member);
    await approvedMember(backend, collective, owner, member, three.id);
    await setEndpointColumns(backend, one.id, { archived: true });
    await setEndpointColumns(backend, two.id, { type: 'model' });
    expect(await paths(collective.slug)).toEqual([path(three)]);
    expect(expectShape(await backend.api('GET', `${C}/${collective.id}`), 200, Collective).member_count).toBe(
      1,
    );
    await setEndpointColumns(backend, three.id, { isActive: false });
    expect(await paths(collective.slug)).toEqual([]);
    const managers = await backend.api<unknown[]>('GET', `${C}/${collective.id}/members`, {
      token: owner.access_token,
    });
    expect(managers.body).toHaveLength(3);
  });
});

describe('billing summaries (R06, R11)', () => {
  it('require sign-in and summarise an empty collective (T:1563, T:1583)', async () => {
    const collective = await createCollective(backend, owner.access_token);
    for (const url of [
      `${C}/by-slug/${collective.slug}/billing-summary`,
      `${C}/by-slug/${collective.slug}/shared-endpoints/all/billing-summary`,
    ]) {
      expect((await backend.api('GET', url)).status).toBe(401);
      const body = expectShape(
        await backend.api('GET', url, { token: stranger.access_token }),
        200,
        BillingSummary,
      );
      expect(body).toEqual({
        members: [],
        estimated_price: [],
        free_count: 0,
        prepaid_count: 0,
        mpp_count: 0,
      });
    }
    expect(
      (await backend.api('GET', `${C}/by-slug/nope-nope/billing-summary`, { token: stranger.access_token }))
        .status,
    ).toBe(404);
    expect(
      (
        await backend.api('GET', `${C}/by-slug/${collective.slug}/shared-endpoints/nope/billing-summary`, {
          token: stranger.access_token,
        })
      ).status,
    ).toBe(404);
  });

  it('classifies prepaid, metered and free members and sums prices per currency, audience-filtered', async () => {
    const collective = await createCollective(backend, owner.access_token, { auto_approve: true });
    const prepaid = await dataSource(backend, member, {
      policies: [
        {
          type: 'xendit',
          config: {
            price: 2500,
            currency: 'IDR',
            payment_url: 'https://pay.example/p',
            credits_url: 'https://pay.example/c',
            bundles: [{ name: 'Starter', amount: 50000 }, { name: 7 }],
          },
        },
      ],
    });
    const metered = await dataSource(backend, member, {
      policies: [{ type: 'mpp', config: { price_per_call: 0.1, applied_to: ['*'] } }],
    });
    const targeted = await dataSource(backend, member, {
      policies: [
        { type: 'mpp', config: { price: 0.2 } },
        { type: 'mpp', config: { price: 0.05, applied_to: [stranger.user.email] } },
      ],
    });
    const free = await dataSource(backend, member, {
      policies: [{ type: 'mpp', enabled: false, config: { price: 9 } }],
    });
    for (const e of [prepaid, metered, targeted, free])
      await approvedMember(backend, collective, owner, member, e.id);
    const bill = expectShape(
      await backend.api('GET', `${C}/by-slug/${collective.slug}/billing-summary`, {
        token: stranger.access_token,
      }),
      200,
      BillingSummary,
    );
    expect(bill).toMatchObject({ prepaid_count: 1, mpp_count: 2, free_count: 1 });
    const byId = new Map(bill.members.map((m) => [m.endpoint_id, m.billing]));
    expect(byId.get(prepaid.id)).toMatchObject({
      kind: 'prepaid',
      provider: 'xendit',
      currency: 'IDR',
      price_per_unit: 2500,
      bundles: [{ name: 'Starter', amount: 50000 }],
    });
    expect(byId.get(targeted.id)?.price_per_unit).toBe(0.05);
    expect(byId.get(free.id)?.kind).toBe('free');
    expect(bill.estimated_price).toEqual(
      expect.arrayContaining([
        { currency: 'IDR', amount: 2500 },
        { currency: 'USD', amount: 0.15 },
      ]),
    );
    const other = expectShape(
      await backend.api('GET', `${C}/by-slug/${collective.slug}/billing-summary`, {
        token: admin.access_token,
      }),
      200,
      BillingSummary,
    );
    expect(other.members.find((m) => m.endpoint_id === targeted.id)?.billing.price_per_unit).toBe(0.2);
  });
});
