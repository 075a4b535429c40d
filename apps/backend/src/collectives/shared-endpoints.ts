import {
  ALL_SHARED_SLUG,
  deriveSharedSlug,
  type SharedEndpointCreate,
  type SharedEndpoint as SharedEndpointJson,
  type SharedEndpointMember,
  type SharedEndpointUpdate,
} from '@syfthub/contracts';
import {
  and,
  type Collective,
  type CollectiveSharedEndpoint,
  collectiveMembers,
  collectiveSharedEndpointMembers,
  collectiveSharedEndpoints,
  collectives,
  type Db,
  desc,
  endpoints,
  eq,
  inArray,
  sql,
  type Tx,
  users,
} from '@syfthub/db';
import { ApiError } from '@syfthub/service';
import type { z } from 'zod';
import type { Viewer } from '../endpoints/visibility';
import { iso } from '../users/serialize';
import { withFreeSlug } from './slugs';
import { activeJoinable, isManager, readableBy } from './visibility';

export const SHARED_NOT_FOUND = 'Shared endpoint not found';

type CreateInput = z.output<typeof SharedEndpointCreate>;
type UpdateInput = z.output<typeof SharedEndpointUpdate>;
type Row = CollectiveSharedEndpoint & { collectiveSlug: string; collectiveOwnerId: number };

const rowFields = {
  shared: collectiveSharedEndpoints,
  collectiveSlug: collectives.slug,
  collectiveOwnerId: collectives.ownerId,
};

function selectRows(db: Db) {
  return db
    .select(rowFields)
    .from(collectiveSharedEndpoints)
    .innerJoin(collectives, eq(collectives.id, collectiveSharedEndpoints.collectiveId))
    .$dynamic();
}

function flatten(row: {
  shared: CollectiveSharedEndpoint;
  collectiveSlug: string;
  collectiveOwnerId: number;
}) {
  return { ...row.shared, collectiveSlug: row.collectiveSlug, collectiveOwnerId: row.collectiveOwnerId };
}

/** Configured members of the given shared endpoints in configuration order, with what the caller may see. */
async function membersOf(db: Db, ids: number[], viewer: Viewer) {
  if (ids.length === 0) return [];
  return db
    .select({
      sharedId: collectiveSharedEndpointMembers.sharedEndpointId,
      endpointId: endpoints.id,
      name: endpoints.name,
      slug: endpoints.slug,
      type: endpoints.type,
      ownerUsername: users.username,
      // `is_active` of §2.6: currently an approved member that fan-out would use.
      active: sql<boolean>`coalesce(${collectiveMembers.status} = 'approved' and ${activeJoinable}, false)`,
      visible: sql<boolean>`coalesce(${collectiveMembers.status} = 'approved' and ${activeJoinable} and ${readableBy(viewer)}, false)`,
    })
    .from(collectiveSharedEndpointMembers)
    .innerJoin(
      collectiveSharedEndpoints,
      eq(collectiveSharedEndpoints.id, collectiveSharedEndpointMembers.sharedEndpointId),
    )
    .innerJoin(endpoints, eq(endpoints.id, collectiveSharedEndpointMembers.endpointId))
    .innerJoin(users, eq(users.id, endpoints.userId))
    .leftJoin(
      collectiveMembers,
      and(
        eq(collectiveMembers.collectiveId, collectiveSharedEndpoints.collectiveId),
        eq(collectiveMembers.endpointId, collectiveSharedEndpointMembers.endpointId),
      ),
    )
    .where(inArray(collectiveSharedEndpointMembers.sharedEndpointId, ids))
    .orderBy(collectiveSharedEndpointMembers.sharedEndpointId, collectiveSharedEndpointMembers.position);
}

/**
 * `SharedEndpoint` JSON (§2.6). Managers get every configured member; others only those in `V(caller)`, with the
 * counts over that list (C3).
 */
async function toJson(db: Db, rows: Row[], viewer: Viewer): Promise<SharedEndpointJson[]> {
  const members = await membersOf(
    db,
    rows.map((row) => row.id),
    viewer,
  );
  return rows.map((row) => {
    const manager = isManager({ ownerId: row.collectiveOwnerId }, viewer);
    const list: SharedEndpointMember[] = members
      .filter((member) => member.sharedId === row.id && (manager || member.visible))
      .map((member) => ({
        endpoint_id: member.endpointId,
        endpoint_name: member.name,
        endpoint_slug: member.slug,
        endpoint_owner_username: member.ownerUsername,
        endpoint_type: member.type,
        is_active: member.active,
      }));
    return {
      id: row.id,
      collective_id: row.collectiveId,
      collective_slug: row.collectiveSlug,
      name: row.name,
      slug: row.slug,
      shared_endpoint_path: `collective/${row.collectiveSlug}/${row.slug}`,
      description: row.description,
      members: list,
      member_count: list.length,
      active_member_count: list.filter((member) => member.is_active).length,
      created_at: iso(row.createdAt) as string,
      updated_at: iso(row.updatedAt) as string,
    };
  });
}

/** R08/R23: a collective's shared endpoints, newest first. */
export async function listSharedEndpoints(
  db: Db,
  collective: Collective,
  viewer: Viewer,
): Promise<SharedEndpointJson[]> {
  const rows = await selectRows(db)
    .where(eq(collectiveSharedEndpoints.collectiveId, collective.id))
    .orderBy(desc(collectiveSharedEndpoints.createdAt), desc(collectiveSharedEndpoints.id));
  return toJson(db, rows.map(flatten), viewer);
}

/** R07: shared endpoints of several collectives (unknown ids skipped), grouped per collective, newest first. */
export async function bulkSharedEndpoints(
  db: Db,
  collectiveIds: number[],
  viewer: Viewer,
): Promise<SharedEndpointJson[]> {
  if (collectiveIds.length === 0) return [];
  const rows = (
    await selectRows(db)
      .where(inArray(collectiveSharedEndpoints.collectiveId, collectiveIds))
      .orderBy(desc(collectiveSharedEndpoints.createdAt), desc(collectiveSharedEndpoints.id))
  ).map(flatten);
  const groups = new Map<number, Row[]>();
  for (const row of rows) {
    const group = groups.get(row.collectiveId) ?? [];
    group.push(row);
    groups.set(row.collectiveId, group);
  }
  return toJson(db, [...groups.values()].flat(), viewer);
}

/** The stored shared endpoint `slug` of a collective (compared lowercase); `all` is never stored. */
export async function findSharedEndpoint(db: Db, collective: Collective, slug: string): Promise<Row> {
  const [row] = await selectRows(db)
    .where(
      and(
        eq(collectiveSharedEndpoints.collectiveId, collective.id),
        eq(collectiveSharedEndpoints.slug, slug.toLowerCase()),
      ),
    )
    .limit(1);
  if (!row) throw new ApiError(404, SHARED_NOT_FOUND);
  return flatten(row);
}

/** R09/R25. */
export async function sharedEndpointJson(db: Db, row: Row, viewer: Viewer): Promise<SharedEndpointJson> {
  const [json] = await toJson(db, [row], viewer);
  return json as SharedEndpointJson;
}

/** 400 unless every id is an approved member now (checked in the writing transaction). */
async function assertApproved(tx: Tx, collectiveId: number, ids: number[]): Promise<void> {
  const approved = await tx
    .select({ id: collectiveMembers.endpointId })
    .from(collectiveMembers)
    .where(
      and(
        eq(collectiveMembers.collectiveId, collectiveId),
        inArray(collectiveMembers.endpointId, ids),
        eq(collectiveMembers.status, 'approved'),
      ),
    );
  const ok = new Set(approved.map((row) => row.id));
  const missing = ids.filter((id) => !ok.has(id));
  if (missing.length > 0) {
    throw new ApiError(
      400,
      `Every endpoint must be an approved member of this collective. Not approved: ${missing.join(', ')}`,
    );
  }
}

async function writeMembers(tx: Tx, sharedId: number, ids: number[]): Promise<void> {
  await tx
    .insert(collectiveSharedEndpointMembers)
    .values(ids.map((endpointId, position) => ({ sharedEndpointId: sharedId, endpointId, position })));
}

/** R24: row and member rows in one transaction; derived slugs skip `all` and taken ones (C9). */
export async function createSharedEndpoint(
  db: Db,
  collective: Collective,
  input: CreateInput,
  viewer: Viewer,
): Promise<SharedEndpointJson> {
  const created = await withFreeSlug(
    {
      explicit: input.slug,
      derived: deriveSharedSlug(input.name),
      reserved: (slug) => slug === ALL_SHARED_SLUG,
      constraint: 'collective_shared_endpoints_collective_id_slug_key',
      takenMessage: 'Shared endpoint slug already taken in this collective',
    },
    (slug) =>
      db.transaction(async (tx) => {
        await assertApproved(tx, collective.id, input.endpoint_ids);
        const [row] = await tx
          .insert(collectiveSharedEndpoints)
          .values({ collectiveId: collective.id, name: input.name, description: input.description, slug })
          .returning();
        const shared = row as CollectiveSharedEndpoint;
        await writeMembers(tx, shared.id, input.endpoint_ids);
        return shared;
      }),
  );
  return sharedEndpointJson(
    db,
    { ...created, collectiveSlug: collective.slug, collectiveOwnerId: collective.ownerId },
    viewer,
  );
}

/**
 * R26: the shared row is locked while its set is validated and replaced; `updated_at` moves on every change,
 * a members-only one included (C24).
 */
export async function updateSharedEndpoint(db: Db, row: Row, input: UpdateInput): Promise<Row> {
  const ids = input.endpoint_ids ?? undefined;
  if (input.name === undefined && input.description === undefined && ids === undefined) return row;
  const updated = await db.transaction(async (tx) => {
    const [locked] = await tx
      .select({ id: collectiveSharedEndpoints.id })
      .from(collectiveSharedEndpoints)
      .where(eq(collectiveSharedEndpoints.id, row.id))
      .for('update');
    if (!locked) throw new ApiError(404, SHARED_NOT_FOUND);
    if (ids !== undefined) {
      await assertApproved(tx, row.collectiveId, ids);
      await tx
        .delete(collectiveSharedEndpointMembers)
        .where(eq(collectiveSharedEndpointMembers.sharedEndpointId, row.id));
      await writeMembers(tx, row.id, ids);
    }
    const [written] = await tx
      .update(collectiveSharedEndpoints)
      .set({
        ...(input.name !== undefined ? { name: input.name } : {}),
        ...(input.description !== undefined ? { description: input.description } : {}),
        updatedAt: new Date(),
      })
      .where(eq(collectiveSharedEndpoints.id, row.id))
      .returning();
    return written as CollectiveSharedEndpoint;
  });
  return { ...updated, collectiveSlug: row.collectiveSlug, collectiveOwnerId: row.collectiveOwnerId };
}

/** R27: member rows cascade. */
export async function deleteSharedEndpoint(db: Db, row: Row): Promise<void> {
  const deleted = await db
    .delete(collectiveSharedEndpoints)
    .where(eq(collectiveSharedEndpoints.id, row.id))
    .returning({ id: collectiveSharedEndpoints.id });
  if (deleted.length === 0) throw new ApiError(404, SHARED_NOT_FOUND);
}

export type SharedEndpointRow = Row;
