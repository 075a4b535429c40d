import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvedMember, C, createCollective, createShared, dataSource } from './collectives-fixtures';
import type { Account } from './endpoints-fixtures';
import { createTestBackend, type TestBackend } from './harness';

// The permission matrix of collectives.md §4: every route × {collective owner, member endpoint owner, other user,
// anonymous, admin}. Writes expected to succeed get a fresh fixture; everything else shares one.

type Role = 'owner' | 'member' | 'other' | 'anonymous' | 'admin';
const ROLES: Role[] = ['owner', 'member', 'other', 'anonymous', 'admin'];

let backend: TestBackend;
let accounts: Record<Exclude<Role, 'anonymous'>, Account>;

beforeAll(async () => {
  backend = await createTestBackend();
  accounts = {
    owner: await backend.registerUser(),
    member: await backend.registerUser(),
    other: await backend.registerUser(),
    admin: await backend.registerAdmin(),
  };
});
afterAll(async () => {
  await backend.close();
});

/** A collective of `owner` where `member` has: E approved (in shared `sub`), E2 invited, E3 no row, E4 pending. */
async function fixture() {
  const { owner, member } = accounts;
  const collective = await createCollective(backend, owner.access_token);
  const [e, e2, e3, e4] = [
    await dataSource(backend, member),
    await dataSource(backend, member),
    await dataSource(backend, member),
    await dataSource(backend, member),
  ];
  await approvedMember(backend, collective, owner, member, e.id);
  await backend.api('POST', `${C}/${collective.id}/invitations`, {
    token: owner.access_token,
    json: { endpoint_id: e2.id },
  });
  await backend.api('POST', `${C}/${collective.id}/members`, {
    token: member.access_token,
    json: { endpoint_id: e4.id },
  });
  await createShared(backend, owner.access_token, collective.id, { slug: 'sub', endpoint_ids: [e.id] });
  return { id: collective.id, slug: collective.slug, e, e2, e3, e4, username: member.user.username };
}
type Fixture = Awaited<ReturnType<typeof fixture>>;

interface Case {
  name: string;
  write: boolean;
  request(f: Fixture): { method: string; path: string; json?: unknown };
  expect: Record<Role, number>;
}

const all = (status: number): Record<Role, number> => ({
  owner: status,
  member: status,
  other: status,
  anonymous: status,
  admin: status,
});
const managerOnly = (status: number): Record<Role, number> => ({
  owner: status,
  member: 403,
  other: 403,
  anonymous: 401,
  admin: status,
});
const signedIn = (status: number): Record<Role, number> => ({ ...all(status), anonymous: 401 });

const cases: Case[] = [
  {
    name: 'R01 create',
    write: true,
    request: () => ({ method: 'POST', path: C, json: { name: 'New one' } }),
    expect: signedIn(201),
  },
  { name: 'R02 list', write: false, request: () => ({ method: 'GET', path: C }), expect: all(200) },
  {
    name: 'R03 by slug',
    write: false,
    request: (f) => ({ method: 'GET', path: `${C}/by-slug/${f.slug}` }),
    expect: all(200),
  },
  {
    name: 'R04 by endpoint',
    write: false,
    request: (f) => ({ method: 'GET', path: `${C}/by-endpoint/${f.username}/${f.e.slug}` }),
    expect: all(200),
  },
  {
    name: 'R05 paths',
    write: false,
    request: (f) => ({ method: 'GET', path: `${C}/by-slug/${f.slug}/endpoint-paths` }),
    expect: all(200),
  },
  {
    name: 'R06 billing',
    write: false,
    request: (f) => ({ method: 'GET', path: `${C}/by-slug/${f.slug}/billing-summary` }),
    expect: signedIn(200),
  },
  {
    name: 'R07 bulk',
    write: false,
    request: (f) => ({ method: 'GET', path: `${C}/shared-endpoints/bulk?collective_id=${f.id}` }),
    expect: all(200),
  },
  {
    name: 'R08 shared by slug',
    write: false,
    request: (f) => ({ method: 'GET', path: `${C}/by-slug/${f.slug}/shared-endpoints` }),
    expect: all(200),
  },
  {
    name: 'R09 one shared by slug',
    write: false,
    request: (f) => ({ method: 'GET', path: `${C}/by-slug/${f.slug}/shared-endpoints/sub` }),
    expect: all(200),
  },
  {
    name: 'R10 shared paths',
    write: false,
    request: (f) => ({ method: 'GET', path: `${C}/by-slug/${f.slug}/shared-endpoints/sub/endpoint-paths` }),
    expect: all(200),
  },
  {
    name: 'R11 shared billing',
    write: false,
    request: (f) => ({ method: 'GET', path: `${C}/by-slug/${f.slug}/shared-endpoints/sub/billing-summary` }),
    expect: signedIn(200),
  },
  {
    name: 'R12 by id',
    write: false,
    request: (f) => ({ method: 'GET', path: `${C}/${f.id}` }),
    expect: all(200),
  },
  {
    name: 'R13 update',
    write: true,
    request: (f) => ({ method: 'PATCH', path: `${C}/${f.id}`, json: { description: 'changed' } }),
    expect: managerOnly(200),
  },
  {
    name: 'R14 delete',
    write: true,
    request: (f) => ({ method: 'DELETE', path: `${C}/${f.id}` }),
    expect: managerOnly(204),
  },
  {
    name: 'R15 members',
    write: false,
    request: (f) => ({ method: 'GET', path: `${C}/${f.id}/members` }),
    expect: all(200),
  },
  {
    name: 'R15 pending members',
    write: false,
    request: (f) => ({ method: 'GET', path: `${C}/${f.id}/members?status=pending` }),
    expect: { owner: 200, member: 403, other: 403, anonymous: 403, admin: 200 },
  },
  {
    name: 'R16 join',
    write: true,
    request: (f) => ({ method: 'POST', path: `${C}/${f.id}/members`, json: { endpoint_id: f.e3.id } }),
    expect: { owner: 403, member: 201, other: 403, anonymous: 401, admin: 201 },
  },
  {
    name: 'R17 review',
    write: true,
    request: (f) => ({
      method: 'POST',
      path: `${C}/${f.id}/members/${f.e4.id}/review`,
      json: { decision: 'approve' },
    }),
    expect: managerOnly(200),
  },
  {
    name: 'R18 remove',
    write: true,
    request: (f) => ({ method: 'DELETE', path: `${C}/${f.id}/members/${f.e.id}` }),
    expect: { owner: 204, member: 204, other: 403, anonymous: 401, admin: 204 },
  },
  {
    name: 'R19 invite',
    write: true,
    request: (f) => ({ method: 'POST', path: `${C}/${f.id}/invitations`, json: { endpoint_id: f.e3.id } }),
    expect: managerOnly(201),
  },
  {
    name: 'R20 invite by path',
    write: true,
    request: (f) => ({
      method: 'POST',
      path: `${C}/${f.id}/invitations/by-path`,
      json: { owner_username: f.username, slug: f.e3.slug },
    }),
    expect: managerOnly(201),
  },
  {
    name: 'R21 read invitation',
    write: false,
    request: (f) => ({ method: 'GET', path: `${C}/${f.id}/invitations/${f.e2.id}` }),
    expect: { owner: 200, member: 200, other: 403, anonymous: 401, admin: 200 },
  },
  {
    name: 'R22 respond',
    write: true,
    request: (f) => ({
      method: 'POST',
      path: `${C}/${f.id}/invitations/${f.e2.id}/respond`,
      json: { decision: 'accept' },
    }),
    expect: { owner: 403, member: 200, other: 403, anonymous: 401, admin: 200 },
  },
  {
    name: 'R23 shared list',
    write: false,
    request: (f) => ({ method: 'GET', path: `${C}/${f.id}/shared-endpoints` }),
    expect: all(200),
  },
  {
    name: 'R24 create shared',
    write: true,
    request: (f) => ({
      method: 'POST',
      path: `${C}/${f.id}/shared-endpoints`,
      json: { name: 'S2', endpoint_ids: [f.e.id] },
    }),
    expect: managerOnly(201),
  },
  {
    name: 'R25 one shared',
    write: false,
    request: (f) => ({ method: 'GET', path: `${C}/${f.id}/shared-endpoints/sub` }),
    expect: all(200),
  },
  {
    name: 'R26 update shared',
    write: true,
    request: (f) => ({
      method: 'PATCH',
      path: `${C}/${f.id}/shared-endpoints/sub`,
      json: { name: 'Renamed' },
    }),
    expect: managerOnly(200),
  },
  {
    name: 'R27 delete shared',
    write: true,
    request: (f) => ({ method: 'DELETE', path: `${C}/${f.id}/shared-endpoints/sub` }),
    expect: managerOnly(204),
  },
  {
    name: 'D6 verified',
    write: true,
    request: (f) => ({
      method: 'PATCH',
      path: `/api/v1/admin/collectives/${f.id}`,
      json: { verified: true },
    }),
    expect: { owner: 403, member: 403, other: 403, anonymous: 401, admin: 200 },
  },
];

describe('permission matrix (collectives.md §4)', () => {
  let shared: Fixture;
  beforeAll(async () => {
    shared = await fixture();
  });

  for (const testCase of cases) {
    it(testCase.name, async () => {
      const seen: Partial<Record<Role, number>> = {};
      for (const role of ROLES) {
        // A write that should succeed changes its fixture, so it gets its own; refusals must not change anything.
        const f = testCase.write && testCase.expect[role] < 400 ? await fixture() : shared;
        const { method, path, json } = testCase.request(f);
        const token = role === 'anonymous' ? undefined : accounts[role].access_token;
        const res = await backend.api(method, path, { token, json });
        seen[role] = res.status;
      }
      expect(seen).toEqual(testCase.expect);
    });
  }
});
