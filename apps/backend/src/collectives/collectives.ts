import {
  type CollectiveCreate,
  type CollectiveUpdate,
  deriveCollectiveSlug,
  RESERVED_COLLECTIVE_SLUGS,
} from '@syfthub/contracts';
import {
  type AnyPgColumn,
  alias,
  and,
  type Collective,
  collectiveMembers,
  collectives,
  containsPattern,
  type Db,
  endpoints,
  eq,
  planParam,
  prepared,
  type SQL,
  sql,
  users,
} from '@syfthub/db';
import { ApiError } from '@syfthub/service';
import type { z } from 'zod';
import { findEndpointByPath } from '../endpoints/lookups';
import { isoSql } from '../endpoints/public-json';
import { readAccess, type Viewer } from '../endpoints/visibility';
import { withFreeSlug } from './slugs';
import { isManager, usableMember, type ViewerKind, viewerKind } from './visibility';

export const COLLECTIVE_NOT_FOUND = 'Collective not found';

type CreateInput = z.output<typeof import('@syfthub/contracts').CollectiveCreate>;
type UpdateInput = z.output<typeof import('@syfthub/contracts').CollectiveUpdate>;

export type { Collective };

const p = (name: string) => sql.placeholder(name);
type Placeholder = ReturnType<typeof sql.placeholder>;

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

/**
 * How {@link jsonObjectText} writes a value: `string` as a JSON string (escaped by `to_json`), `timestamp` an
 * {@link isoSql} text between quotes (it holds nothing to escape), `value` a number, boolean or jsonb as its text.
 */
type JsonKind = 'string' | 'timestamp' | 'value';

/**
 * A JSON object as text, keys in the given order, written by concatenation: `json_build_object` looks up every
 * argument's type and output function for every row, which was over a third of PostgreSQL's time for a page of 50
 * collectives (both build the same JSON, this one without spaces). Every value is `null` when NULL, so a NULL can
 * never blank the whole object. Keys are constants of the code.
 */
function jsonObjectText(fields: Array<[key: string, value: SQL | AnyPgColumn, kind: JsonKind]>): SQL {
  const parts = fields.map(([key, value, kind], i) => {
    const text =
      kind === 'string'
        ? sql`to_json((${value})::text)::text`
        : kind === 'timestamp'
          ? sql`'"' || (${value}) || '"'`
          : sql`(${value})::text`;
    return sql`${sql.raw(`'${i === 0 ? '{' : ','}${JSON.stringify(key)}:'`)} || coalesce(${text}, 'null')`;
  });
  return sql`(${sql.join(parts, sql` || `)} || '}')`;
}

/** The columns of `collectives`, or of a subquery selecting all of them (a page of the listing). */
type CollectiveSource = typeof collectives | ReturnType<typeof collectivePage>;

/** Approved members of active, joinable, unarchived endpoints of active owners, with the endpoint and owner. */
function usableMembers(db: Db, select: Record<string, SQL.Aliased>) {
  return db
    .select(select)
    .from(collectiveMembers)
    .innerJoin(endpoints, eq(endpoints.id, collectiveMembers.endpointId))
    .innerJoin(users, eq(users.id, endpoints.userId))
    .$dynamic();
}

/** Live `members`/`owners` of each collective `c` (admins may see every member): a lateral subquery. */
function liveCounts(db: Db, c: CollectiveSource) {
  return usableMembers(db, {
    members: sql<number>`count(*)::int`.as('members'),
    owners: sql<number>`count(distinct ${endpoints.userId})::int`.as('owners'),
  })
    .where(and(eq(collectiveMembers.collectiveId, c.id), usableMember))
    .as('counts');
}

/**
 * The signed-in caller's usable members per collective: `extra`, how many are private (beyond the stored
 * public-and-internal counts), and `counted`, whether one is public or internal (then the caller is already a
 * counted owner). Read once per statement from the caller's own memberships (the (endpoint_id) index), and joined
 * to the page by collective.
 */
function ownMembers(db: Db) {
  const counted = sql`${endpoints.visibility} in ('public', 'internal')`;
  return usableMembers(db, {
    collectiveId: sql<number>`${collectiveMembers.collectiveId}`.as('collective_id'),
    extra: sql<number>`count(*) filter (where not ${counted})`.as('extra'),
    counted: sql<boolean>`bool_or(${counted})`.as('counted'),
  })
    .where(and(usableMember, eq(endpoints.userId, planParam('viewerId', 'int'))))
    .groupBy(collectiveMembers.collectiveId)
    .as('own');
}

/**
 * The `Collective` JSON (collectives.md §4) of each collective of `c` as text, built by PostgreSQL: the backend
 * then only passes a string on instead of parsing, mapping and serialising every column. With `arrayOrder`, one row
 * holding the JSON array of them all in that order (`[]` when none). Add `where`, joins and limits; `viewerId` is a
 * placeholder of every statement built from it.
 */
function selectCollectiveJson(
  db: Db,
  kind: ViewerKind,
  c: CollectiveSource = collectives,
  arrayOrder?: SQL[],
) {
  // C6: anonymous callers get the stored public counts, signed-in callers the stored public-and-internal ones
  // (both kept by triggers, migration 0007) plus their own private members (and themselves as one more owner unless
  // already counted), admins live counts.
  const live = kind === 'admin' ? liveCounts(db, c) : undefined;
  const own = kind === 'user' ? ownMembers(db) : undefined;
  const members = live
    ? sql`${live.members}`
    : own
      ? sql`${c.listedMemberCount} + coalesce(${own.extra}, 0)`
      : sql`${c.publicMemberCount}`;
  const owners = live
    ? sql`${live.owners}`
    : own
      ? sql`${c.listedOwnerCount} + case when ${own.extra} > 0 and not ${own.counted} then 1 else 0 end`
      : sql`${c.publicOwnerCount}`;
  const object = jsonObjectText([
    ['id', c.id, 'value'],
    ['owner_id', c.ownerId, 'value'],
    ['name', c.name, 'string'],
    ['slug', c.slug, 'string'],
    ['shared_endpoint_path', sql`'collective/' || ${c.slug}`, 'string'],
    ['description', c.description, 'string'],
    ['about', c.about, 'string'],
    ['auto_approve', c.autoApprove, 'value'],
    ['icon_url', c.iconUrl, 'string'],
    ['tags', c.tags, 'value'],
    ['verified', c.verified, 'value'],
    ['member_count', members, 'value'],
    ['owner_count', owners, 'value'],
    ['created_at', isoSql(c.createdAt), 'timestamp'],
    ['updated_at', isoSql(c.updatedAt), 'timestamp'],
  ]);
  const json = arrayOrder
    ? sql<string>`'[' || coalesce(string_agg(${object}, ',' order by ${sql.join(arrayOrder, sql`, `)}), '') || ']'`
    : sql<string>`${object}`;
  const query = db.select({ json }).from(c).$dynamic();
  if (live) return query.leftJoinLateral(live, sql`true`);
  if (own) return query.leftJoin(own, sql`${own.collectiveId} = ${c.id}`);
  return query;
}

/** R03/R05 (and the answer of every write): the `Collective` JSON text of the collective `id` or `slug`, or 404. */
export async function collectiveJson(
  db: Db,
  key: { id: number } | { slug: string },
  viewer: Viewer,
): Promise<string> {
  const kind = viewerKind(viewer);
  const bySlug = 'slug' in key;
  const [row] = await prepared(db, `collective_json_${bySlug ? 'slug' : 'id'}_${kind}`, (name) =>
    selectCollectiveJson(db, kind)
      .where(bySlug ? eq(collectives.slug, p('slug')) : eq(collectives.id, p('id')))
      .limit(1)
      .prepare(name),
  ).execute({
    ...(bySlug ? { slug: key.slug.toLowerCase() } : { id: key.id }),
    viewerId: viewer?.id ?? 0,
  });
  if (!row) throw new ApiError(404, COLLECTIVE_NOT_FOUND);
  return row.json;
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
 * R02's order. `nulls last` as in the index `(created_at desc nulls last, id desc nulls last)`: the timestamps are
 * never null, but with the default `desc` (nulls first) PostgreSQL could not walk that index and sorted the whole
 * table, also for a search, where the walk stops at the page's last match.
 */
function newestFirst(c: { createdAt: AnyPgColumn; id: AnyPgColumn }): SQL[] {
  return [sql`${c.createdAt} desc nulls last`, sql`${c.id} desc nulls last`];
}

/**
 * R02's `search`: the escaped pattern (placeholder `pattern`) is a substring of the name, the description or one tag.
 * The stored `search_text` (migration 0010) holds them lowercased and separated by line breaks, and ILIKE is a LIKE
 * of both sides lowercased, so a LIKE of the lowercased pattern over it is exact when the term holds no line break:
 * the match then lies within one line, which is part of one field. Only a term with a line break, which could match
 * across two fields, needs the per-field test. That test costs, per row read, lowercasing the name and description
 * and a function scan over the tags, which made the search's PostgreSQL time half as much again as the plain listing
 * (and its p99 under load the only one above 50 ms); the line-break check is a one-off sub-select, like the
 * lowercased pattern.
 */
function searchMatch(): SQL {
  const pattern = planParam('pattern', 'text');
  const lowered = sql`(select lower(${sql.placeholder('pattern')}::text))`;
  const singleLine = sql`(select strpos(${sql.placeholder('pattern')}::text, chr(10)) = 0)`;
  const perField = sql`${collectives.name} ilike ${pattern} or ${collectives.description} ilike ${pattern} or exists (select 1 from jsonb_array_elements_text(${collectives.tags}) as tag where tag ilike ${pattern})`;
  return sql`${collectives.searchText} like ${lowered} and (${singleLine} or ${perField})`;
}

/** R02's page of collectives (all columns), newest first with an id tie-break, filtered by the placeholders. */
function collectivePage(db: Db, byOwner: boolean, bySearch: boolean) {
  // Every value behind a sub-select (planParam): one generic plan per statement, never planned again per request.
  // drizzle types LIMIT/OFFSET as a number or placeholder, and writes any SQL object given as it is.
  const limit = planParam('limit', 'int') as unknown as Placeholder;
  const skip = planParam('skip', 'int') as unknown as Placeholder;
  return db
    .select()
    .from(collectives)
    .where(
      and(
        byOwner ? eq(collectives.ownerId, planParam('ownerId', 'int')) : undefined,
        bySearch ? searchMatch() : undefined,
      ),
    )
    .orderBy(...newestFirst(collectives))
    .limit(limit)
    .offset(skip)
    .as('c');
}

/**
 * R02: the JSON text of a page of collectives, newest first with an id tie-break; `search` is an escaped substring
 * of name, description or a tag. One statement prepared per caller kind and filter shape.
 */
export async function listCollectivesJson(
  db: Db,
  query: CollectiveListQuery,
  viewer: Viewer,
): Promise<string> {
  const kind = viewerKind(viewer);
  const byOwner = query.owner_id !== undefined;
  const bySearch = query.search !== undefined;
  const statement = prepared(
    db,
    `collective_list_${kind}_${byOwner ? 'o' : ''}${bySearch ? 's' : ''}`,
    (name) => {
      // JSON and counts of the page only: built below the sort, PostgreSQL would build them for every row.
      const page = collectivePage(db, byOwner, bySearch);
      return selectCollectiveJson(db, kind, page, newestFirst(page)).prepare(name);
    },
  );
  const [row] = await statement.execute({
    limit: query.limit,
    skip: query.skip,
    ownerId: query.owner_id,
    pattern: bySearch ? containsPattern(query.search as string) : undefined,
    viewerId: viewer?.id ?? 0,
  });
  return row?.json ?? '[]';
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
 * R04: the JSON text of the collectives in which `owner/slug` is an approved member, newest membership first; `[]` when the endpoint
 * does not exist or the caller may not read it (C5).
 */
export async function collectivesOfEndpointJson(
  db: Db,
  owner: string,
  slug: string,
  viewer: Viewer,
): Promise<string> {
  const endpoint = await findEndpointByPath(db, owner.toLowerCase(), slug.toLowerCase());
  if (!endpoint || readAccess(endpoint, viewer) !== 'granted') return '[]';
  const membership = alias(collectiveMembers, 'membership');
  const [row] = await selectCollectiveJson(db, viewerKind(viewer), collectives, [
    sql`${membership.requestedAt} desc`,
    sql`${membership.id} desc`,
  ])
    .innerJoin(
      membership,
      and(
        eq(membership.collectiveId, collectives.id),
        eq(membership.endpointId, endpoint.id),
        eq(membership.status, 'approved'),
      ),
    )
    .execute({ viewerId: viewer?.id ?? 0 });
  return row?.json ?? '[]';
}

export type { CollectiveCreate, CollectiveUpdate };
