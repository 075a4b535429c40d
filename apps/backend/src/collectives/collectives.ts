import {
  type CollectiveCreate,
  type Collective as CollectiveJson,
  type CollectiveUpdate,
  deriveCollectiveSlug,
  RESERVED_COLLECTIVE_SLUGS,
} from '@syfthub/contracts';
import {
  and,
  type Collective,
  collectiveMembers,
  collectives,
  type Db,
  desc,
  endpoints,
  eq,
  escapeLike,
  sql,
  users,
} from '@syfthub/db';
import { ApiError } from '@syfthub/service';
import type { z } from 'zod';
import { findEndpointByPath } from '../endpoints/lookups';
import { readAccess, type Viewer } from '../endpoints/visibility';
import { iso } from '../users/serialize';
import { prepared } from './prepared';
import { withFreeSlug } from './slugs';
import { isManager, usableMember, viewerKind } from './visibility';

export const COLLECTIVE_NOT_FOUND = 'Collective not found';

type CreateInput = z.output<typeof import('@syfthub/contracts').CollectiveCreate>;
type UpdateInput = z.output<typeof import('@syfthub/contracts').CollectiveUpdate>;

export type { Collective };

const p = (name: string) => sql.placeholder(name);

export async function findCollective(db: Db, id: number): Promise<Collective> {
  const [row] = await prepared(db, 'collective_by_id', (name) =>
    db
      .select()
      .from(collectives)
      .where(eq(collectives.id, p('id')))
      .limit(1)
      .prepare(name),
  ).execute({ id });
  if (!row) throw new ApiError(404, COLLECTIVE_NOT_FOUND);
  return row;
}

/** By slug, compared lowercase (stored slugs are lowercase). */
export async function findCollectiveBySlug(db: Db, slug: string): Promise<Collective> {
  const [row] = await prepared(db, 'collective_by_slug', (name) =>
    db
      .select()
      .from(collectives)
      .where(eq(collectives.slug, p('slug')))
      .limit(1)
      .prepare(name),
  ).execute({ slug: slug.toLowerCase() });
  if (!row) throw new ApiError(404, COLLECTIVE_NOT_FOUND);
  return row;
}

/** 403 unless the caller is the collective's owner or an admin. */
export function assertManager(collective: Collective, viewer: Viewer): void {
  if (!isManager(collective, viewer)) {
    throw new ApiError(403, 'Only the collective owner can perform this action');
  }
}

interface Counts {
  members: number;
  owners: number;
}

/**
 * `member_count` and `owner_count` of each collective over the members the caller may see (C6). Anonymous callers
 * get the stored public counts and signed-in callers the stored public-and-internal ones (both kept by triggers,
 * migration 0007) plus their own private members, looked up from their own endpoints; admins, who may see every
 * member, are counted live in one grouped query.
 */
async function countsOf(db: Db, rows: Collective[], viewer: Viewer): Promise<Map<number, Counts>> {
  const counts = new Map<number, Counts>();
  if (rows.length === 0) return counts;
  const kind = viewerKind(viewer);
  if (kind === 'admin') {
    const live = await prepared(db, 'collective_counts_admin', (name) =>
      db
        .select({
          id: collectiveMembers.collectiveId,
          members: sql<number>`count(*)::int`,
          owners: sql<number>`count(distinct ${endpoints.userId})::int`,
        })
        .from(collectiveMembers)
        .innerJoin(endpoints, eq(endpoints.id, collectiveMembers.endpointId))
        .innerJoin(users, eq(users.id, endpoints.userId))
        .where(and(sql`${collectiveMembers.collectiveId} = any(${p('ids')}::int[])`, usableMember))
        .groupBy(collectiveMembers.collectiveId)
        .prepare(name),
    ).execute({ ids: rows.map((row) => row.id) });
    for (const row of live) counts.set(row.id, { members: row.members, owners: row.owners });
    return counts;
  }
  if (kind === 'anonymous') {
    for (const row of rows)
      counts.set(row.id, { members: row.publicMemberCount, owners: row.publicOwnerCount });
    return counts;
  }
  for (const row of rows)
    counts.set(row.id, { members: row.listedMemberCount, owners: row.listedOwnerCount });
  // The caller's own private members are the only ones a signed-in caller sees beyond the stored counts; the caller
  // adds one owner unless they already own a counted (public or internal) member of that collective.
  const own = await prepared(db, 'collective_counts_own_private', (name) =>
    db
      .select({
        id: collectiveMembers.collectiveId,
        extra: sql<number>`count(*) filter (where ${endpoints.visibility} not in ('public', 'internal'))::int`,
        counted: sql<boolean>`bool_or(${endpoints.visibility} in ('public', 'internal'))`,
      })
      .from(endpoints)
      .innerJoin(collectiveMembers, eq(collectiveMembers.endpointId, endpoints.id))
      .innerJoin(users, eq(users.id, endpoints.userId))
      .where(
        and(
          eq(endpoints.userId, p('viewerId')),
          sql`${collectiveMembers.collectiveId} = any(${p('ids')}::int[])`,
          usableMember,
        ),
      )
      .groupBy(collectiveMembers.collectiveId)
      .prepare(name),
  ).execute({ viewerId: viewer?.id, ids: rows.map((row) => row.id) });
  for (const row of own) {
    const stored = counts.get(row.id);
    if (!stored || row.extra === 0) continue;
    counts.set(row.id, {
      members: stored.members + row.extra,
      owners: stored.owners + (row.counted ? 0 : 1),
    });
  }
  return counts;
}

function toJson(row: Collective, counts: Counts | undefined): CollectiveJson {
  return {
    id: row.id,
    owner_id: row.ownerId,
    name: row.name,
    slug: row.slug,
    shared_endpoint_path: `collective/${row.slug}`,
    description: row.description,
    about: row.about,
    auto_approve: row.autoApprove,
    icon_url: row.iconUrl,
    tags: row.tags,
    verified: row.verified,
    member_count: counts?.members ?? 0,
    owner_count: counts?.owners ?? 0,
    created_at: iso(row.createdAt) as string,
    updated_at: iso(row.updatedAt) as string,
  };
}

/** `Collective` JSON of each row, counts computed for the caller in one grouped query. */
export async function collectivesJson(db: Db, rows: Collective[], viewer: Viewer): Promise<CollectiveJson[]> {
  const counts = await countsOf(db, rows, viewer);
  return rows.map((row) => toJson(row, counts.get(row.id)));
}

export async function collectiveJson(db: Db, row: Collective, viewer: Viewer): Promise<CollectiveJson> {
  const [json] = await collectivesJson(db, [row], viewer);
  return json as CollectiveJson;
}

export async function createCollective(db: Db, ownerId: number, input: CreateInput): Promise<Collective> {
  return withFreeSlug(
    {
      explicit: input.slug,
      derived: deriveCollectiveSlug(input.name),
      reserved: (slug) => RESERVED_COLLECTIVE_SLUGS.has(slug),
      constraint: 'collectives_slug_key',
      takenMessage: 'Collective slug already taken',
    },
    async (slug) => {
      const [row] = await db
        .insert(collectives)
        .values({
          ownerId,
          slug,
          name: input.name,
          description: input.description,
          about: input.about,
          autoApprove: input.auto_approve,
          iconUrl: input.icon_url,
          tags: input.tags,
        })
        .returning();
      return row as Collective;
    },
  );
}

export interface CollectiveListQuery {
  skip: number;
  limit: number;
  owner_id?: number;
  search?: string;
}

/**
 * R02: newest first with an id tie-break; `search` is an escaped substring of name, description or a tag. One
 * statement prepared per filter shape.
 */
export async function listCollectives(db: Db, query: CollectiveListQuery): Promise<Collective[]> {
  const byOwner = query.owner_id !== undefined;
  const bySearch = query.search !== undefined;
  const statement = prepared(db, `collective_list_${byOwner ? 'o' : ''}${bySearch ? 's' : ''}`, (name) => {
    const pattern = p('pattern');
    return db
      .select()
      .from(collectives)
      .where(
        and(
          byOwner ? eq(collectives.ownerId, p('ownerId')) : undefined,
          bySearch
            ? sql`(${collectives.name} ilike ${pattern} or ${collectives.description} ilike ${pattern} or exists (select 1 from jsonb_array_elements_text(${collectives.tags}) as tag where tag ilike ${pattern}))`
            : undefined,
        ),
      )
      .orderBy(desc(collectives.createdAt), desc(collectives.id))
      .limit(p('limit'))
      .offset(p('skip'))
      .prepare(name);
  });
  return statement.execute({
    limit: query.limit,
    skip: query.skip,
    ownerId: query.owner_id,
    pattern: bySearch ? `%${escapeLike(query.search as string)}%` : undefined,
  });
}

/** R13: writes only the fields present; an empty body returns the row unchanged. */
export async function updateCollective(db: Db, row: Collective, input: UpdateInput): Promise<Collective> {
  const set: Partial<typeof collectives.$inferInsert> = {};
  if (input.name !== undefined) set.name = input.name;
  if (input.description !== undefined) set.description = input.description;
  if (input.about !== undefined) set.about = input.about;
  if (input.auto_approve !== undefined) set.autoApprove = input.auto_approve;
  if (input.icon_url !== undefined) set.iconUrl = input.icon_url;
  if (input.tags !== undefined) set.tags = input.tags;
  if (Object.keys(set).length === 0) return row;
  const [updated] = await db
    .update(collectives)
    .set({ ...set, updatedAt: new Date() })
    .where(eq(collectives.id, row.id))
    .returning();
  if (!updated) throw new ApiError(404, COLLECTIVE_NOT_FOUND);
  return updated;
}

/** R14: memberships, shared endpoints and their member rows go with it (FK cascades). */
export async function deleteCollective(db: Db, id: number): Promise<void> {
  const deleted = await db
    .delete(collectives)
    .where(eq(collectives.id, id))
    .returning({ id: collectives.id });
  if (deleted.length === 0) throw new ApiError(404, COLLECTIVE_NOT_FOUND);
}

/** The admin route of §14 D6. */
export async function setVerified(db: Db, id: number, verified: boolean): Promise<Collective> {
  const [row] = await db
    .update(collectives)
    .set({ verified, updatedAt: new Date() })
    .where(eq(collectives.id, id))
    .returning();
  if (!row) throw new ApiError(404, COLLECTIVE_NOT_FOUND);
  return row;
}

/**
 * R04: collectives in which `owner/slug` is an approved member, newest membership first; `[]` when the endpoint
 * does not exist or the caller may not read it (C5).
 */
export async function collectivesOfEndpoint(
  db: Db,
  owner: string,
  slug: string,
  viewer: Viewer,
): Promise<Collective[]> {
  const endpoint = await findEndpointByPath(db, owner.toLowerCase(), slug.toLowerCase());
  if (!endpoint || readAccess(endpoint, viewer) !== 'granted') return [];
  const rows = await db
    .select({ collective: collectives })
    .from(collectiveMembers)
    .innerJoin(collectives, eq(collectives.id, collectiveMembers.collectiveId))
    .where(and(eq(collectiveMembers.endpointId, endpoint.id), eq(collectiveMembers.status, 'approved')))
    .orderBy(desc(collectiveMembers.requestedAt), desc(collectiveMembers.id));
  return rows.map((row) => row.collective);
}

export type { CollectiveCreate, CollectiveUpdate };
