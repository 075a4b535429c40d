import {
  BillingSummary,
  Collective,
  type Collective as CollectiveJson,
  CollectiveMember,
  type CollectiveMember as MemberJson,
  SharedEndpoint,
  type SharedEndpoint as SharedJson,
} from '@syfthub/contracts';
import {
  collectiveMembers,
  collectiveSharedEndpointMembers,
  collectiveSharedEndpoints,
  collectives,
  count,
  eq,
} from '@syfthub/db';
import { expect } from 'vitest';
import type { z } from 'zod';
import { type Account, createEndpoint } from './endpoints-fixtures';
import type { ApiResponse, TestBackend } from './harness';

export const C = '/api/v1/collectives';

/** Fails the test unless `res` has `status`, then checks the body against its contract schema. */
export function expectShape<T extends z.ZodType>(res: ApiResponse, status: number, schema: T): z.infer<T> {
  expect(res.status, res.text).toBe(status);
  const parsed = schema.safeParse(res.body);
  expect(parsed.success, parsed.success ? '' : JSON.stringify(parsed.error.issues)).toBe(true);
  return parsed.data as z.infer<T>;
}

export const shapes = {
  collective: Collective,
  member: CollectiveMember,
  shared: SharedEndpoint,
  billing: BillingSummary,
};

let sequence = 0;

/** A unique lowercase suffix for names and slugs across one test file. */
export function unique(prefix: string): string {
  sequence += 1;
  return `${prefix}-${sequence}-${Math.random().toString(36).slice(2, 7)}`;
}

export async function createCollective(
  backend: TestBackend,
  token: string,
  body: Record<string, unknown> = {},
): Promise<CollectiveJson> {
  const res = await backend.api('POST', C, { token, json: { name: unique('Collective'), ...body } });
  return expectShape(res, 201, Collective);
}

/** A public data source unless `body` says otherwise. */
export async function dataSource(backend: TestBackend, account: Account, body: Record<string, unknown> = {}) {
  return createEndpoint(backend, account.access_token, {
    name: unique('Source'),
    type: 'data_source',
    visibility: 'public',
    ...body,
  });
}

/** Makes `endpointId` an approved member: the owner asks, the collective's owner approves. */
export async function approvedMember(
  backend: TestBackend,
  collective: CollectiveJson,
  collectiveOwner: Account,
  endpointOwner: Account,
  endpointId: number,
): Promise<MemberJson> {
  const join = await backend.api<MemberJson>('POST', `${C}/${collective.id}/members`, {
    token: endpointOwner.access_token,
    json: { endpoint_id: endpointId },
  });
  expect(join.status, join.text).toBe(201);
  if (join.body.status === 'approved') return join.body;
  const review = await backend.api<MemberJson>('POST', `${C}/${collective.id}/members/${endpointId}/review`, {
    token: collectiveOwner.access_token,
    json: { decision: 'approve' },
  });
  return expectShape(review, 200, CollectiveMember);
}

export async function createShared(
  backend: TestBackend,
  token: string,
  collectiveId: number,
  body: Record<string, unknown>,
): Promise<SharedJson> {
  const res = await backend.api('POST', `${C}/${collectiveId}/shared-endpoints`, {
    token,
    json: { name: unique('Shared'), ...body },
  });
  return expectShape(res, 201, SharedEndpoint);
}

/** Row counts of the four collective tables: what a failed request must leave unchanged. */
export async function tableCounts(backend: TestBackend) {
  const { db } = backend.deps;
  const [a] = await db.select({ n: count() }).from(collectives);
  const [b] = await db.select({ n: count() }).from(collectiveMembers);
  const [c] = await db.select({ n: count() }).from(collectiveSharedEndpoints);
  const [d] = await db.select({ n: count() }).from(collectiveSharedEndpointMembers);
  return { collectives: a?.n, members: b?.n, shared: c?.n, sharedMembers: d?.n };
}

/** The stored membership row of a pair, or undefined. */
export async function membershipRow(backend: TestBackend, collectiveId: number, endpointId: number) {
  const rows = await backend.deps.db
    .select()
    .from(collectiveMembers)
    .where(eq(collectiveMembers.collectiveId, collectiveId));
  return rows.find((row) => row.endpointId === endpointId);
}
