import type { OwnersListing } from '@syfthub/contracts';
import {
  and,
  asc,
  type Db,
  desc,
  type EndpointType,
  type EndpointVisibility,
  endpoints,
  eq,
  escapeLike,
  executeRows,
  gte,
  ilike,
  or,
  type SQL,
  sql,
  users,
} from '@syfthub/db';
import { selectViews } from './lookups';
import { type EndpointView, endpointViewFields } from './views';
import { listedCondition, ownerPageCondition } from './visibility';

// Every listing is one SQL statement: endpoints joined with their owners, filtered, ordered, paged.

export interface Page {
  skip: number;
  limit: number;
}

const newestFirst = [desc(endpoints.updatedAt), desc(endpoints.id)];

/** `ILIKE '%…%'` pattern of a user's text, with `\`, `%` and `_` matching literally (§16). */
function containing(text: string): string {
  return `%${escapeLike(text)}%`;
}

/**
 * `id = any(array(<ids>))`: the candidate ids are collected once and fetched by primary key. The planner cannot
 * estimate trigram matches, and with `id in (<ids>)` it sometimes rescans the candidates for every listed row.
 */
export function idAmong(ids: SQL): SQL {
  return sql`${endpoints.id} = any(array(${ids}))`;
}

/** What a piece of a tag can look like: tags are lowercase `[a-z0-9-]` (§3.11). */
const TAG_FRAGMENT = /^[a-z0-9-]+$/;

/**
 * Ids of endpoints whose name, description, owner username or one of whose tags contains the search text (§9.2), one
 * branch per trigram index so rare terms cost index lookups rather than a walk over every listed endpoint. Tags
 * are matched in their JSON text: a fragment of `[a-z0-9-]` cannot span the quotes and commas between two tags,
 * and text with any other character cannot be inside a tag at all, so that branch exists only for such text.
 * The patterns are the placeholders `pattern` and `tagPattern` (see {@link searchValues}).
 */
function substringMatchIds(withTags: boolean): SQL {
  const pattern = sql.placeholder('pattern');
  const branches = [
    sql`select id from endpoints where lower(name) like lower(${pattern})`,
    sql`select id from endpoints where description ilike ${pattern}`,
    sql`select owned.id from endpoints as owned join users as owner on owner.id = owned.user_id
        where owner.username ilike ${pattern}`,
  ];
  if (withTags) {
    branches.push(sql`select id from endpoints where tags::text like ${sql.placeholder('tagPattern')}`);
  }
  return sql.join(branches, sql` union all `);
}

/** The placeholder values of {@link substringMatchIds} for a search text, and whether it needs the tag branch. */
function searchValues(text: string): { withTags: boolean; pattern: string; tagPattern: string } {
  const fragment = text.toLowerCase();
  return {
    withTags: TAG_FRAGMENT.test(fragment),
    pattern: containing(text),
    tagPattern: containing(fragment),
  };
}

async function selectPage(db: Db, where: SQL | undefined, page: Page, order: SQL[] = newestFirst) {
  return selectViews(db, where)
    .orderBy(...order)
    .limit(page.limit)
    .offset(page.skip);
}

interface PreparedPage {
  execute(values: Record<string, unknown>): Promise<EndpointView[]>;
}

/** Prepared listing statements of each database, by query shape. */
const preparedPages = new WeakMap<Db, Map<string, PreparedPage>>();

/**
 * A page of the public listings through a statement prepared once per query shape: building a drizzle query costs
 * more CPU (about 0.3 ms for a listing) than PostgreSQL takes to answer it, so these hot, anonymous-friendly
 * listings only fill in values. `where` builds the condition with placeholders on the first use of a shape; the
 * page goes in as `limit` and `skip`.
 */
function preparedPage(
  db: Db,
  shape: string,
  where: () => SQL | undefined,
  order: SQL[],
  values: Page & Record<string, unknown>,
): Promise<EndpointView[]> {
  let byShape = preparedPages.get(db);
  if (!byShape) {
    byShape = new Map();
    preparedPages.set(db, byShape);
  }
  let statement = byShape.get(shape);
  if (!statement) {
    statement = selectViews(db, where())
      .orderBy(...order)
      .limit(sql.placeholder('limit'))
      .offset(sql.placeholder('skip'))
      .prepare(`listing_${shape}`);
    byShape.set(shape, statement);
  }
  return statement.execute(values);
}

/** `GET /endpoints`: the caller's own endpoints in every state. */
export function listOwnEndpoints(
  db: Db,
  userId: number,
  filter: Page & { visibility?: EndpointVisibility | undefined; search?: string | undefined },
): Promise<EndpointView[]> {
  const pattern = filter.search ? containing(filter.search) : null;
  return selectPage(
    db,
    and(
      eq(endpoints.userId, userId),
      filter.visibility ? eq(endpoints.visibility, filter.visibility) : undefined,
      pattern ? or(ilike(endpoints.name, pattern), ilike(endpoints.description, pattern)) : undefined,
    ),
    filter,
  );
}

const typePlaceholder = sql.placeholder('type');

/** `GET /endpoints/public`: listed endpoints, optionally of one type and matching a substring. */
export function listPublicEndpoints(
  db: Db,
  filter: Page & { endpointType?: EndpointType | undefined; search?: string | undefined },
): Promise<EndpointView[]> {
  const { endpointType, search, skip, limit } = filter;
  const matching = search ? searchValues(search) : undefined;
  const shape = `public_${endpointType ? 't' : ''}${matching ? 's' : ''}${matching?.withTags ? 'g' : ''}`;
  return preparedPage(
    db,
    shape,
    () =>
      and(
        listedCondition,
        endpointType ? eq(endpoints.type, typePlaceholder) : undefined,
        matching ? idAmong(substringMatchIds(matching.withTags)) : undefined,
      ),
    newestFirst,
    { skip, limit, type: endpointType, ...matching },
  );
}

const trendingOrder = [desc(endpoints.starsCount), desc(endpoints.updatedAt), desc(endpoints.id)];

/** `GET /endpoints/trending`: most starred first, ties by recency then id (§9.2). */
export function listTrendingEndpoints(
  db: Db,
  filter: Page & { endpointType?: EndpointType | undefined; minStars?: number | undefined },
): Promise<EndpointView[]> {
  const { endpointType, minStars, skip, limit } = filter;
  const shape = `trending_${endpointType ? 't' : ''}${minStars !== undefined ? 'm' : ''}`;
  return preparedPage(
    db,
    shape,
    () =>
      and(
        listedCondition,
        endpointType ? eq(endpoints.type, typePlaceholder) : undefined,
        minStars !== undefined ? gte(endpoints.starsCount, sql.placeholder('minStars')) : undefined,
      ),
    trendingOrder,
    { skip, limit, type: endpointType, minStars },
  );
}

/** `GET /endpoints/guest-accessible`: listed endpoints without any policy. */
export function listGuestAccessibleEndpoints(
  db: Db,
  filter: Page & { endpointType?: EndpointType | undefined },
): Promise<EndpointView[]> {
  return selectPage(
    db,
    and(
      listedCondition,
      sql`${endpoints.policies} = '[]'::jsonb`,
      filter.endpointType ? eq(endpoints.type, filter.endpointType) : undefined,
    ),
    filter,
  );
}

/** `GET /endpoints/public/by-owner/{owner}`: one owner's listed endpoints (owner already lowercased). */
export function listOwnerListedEndpoints(db: Db, owner: string, page: Page): Promise<EndpointView[]> {
  return selectPage(db, and(listedCondition, eq(users.username, owner)), page);
}

/** `GET /{owner}`: what the viewer class may see of one owner's endpoints, paged in SQL (§4.2). */
export function listOwnerPage(
  db: Db,
  ownerId: number,
  viewerClass: 'anonymous' | 'user' | 'manager',
  page: Page,
): Promise<EndpointView[]> {
  return selectPage(db, and(eq(endpoints.userId, ownerId), ownerPageCondition(viewerClass)), page);
}

export interface EndpointGroup {
  ownerUsername: string;
  endpoints: EndpointView[];
  totalCount: number;
}

/**
 * `GET /endpoints/public/grouped` (§9.3): groups by owner ordered by listed-endpoint count then name, paged over
 * groups, each holding its newest `maxPerOwner` endpoints. Only the page of groups is expanded, each through the
 * owner's (user_id, updated_at) index, so wide rows are never sorted.
 */
export async function listGroupedEndpoints(
  db: Db,
  options: Page & { maxPerOwner: number },
): Promise<EndpointGroup[]> {
  const groups = db
    .select({
      ownerId: sql<number>`${endpoints.userId}`.as('group_owner_id'),
      ownerName: sql<string>`${users.username}`.as('group_owner_name'),
      total: sql<number>`count(*)::int`.as('group_total'),
    })
    .from(endpoints)
    .innerJoin(users, eq(users.id, endpoints.userId))
    .where(listedCondition)
    .groupBy(endpoints.userId, users.username)
    .orderBy(desc(sql`count(*)`), asc(users.username))
    .limit(options.limit)
    .offset(options.skip)
    .as('groups');
  const newest = db
    .select(endpointViewFields)
    .from(endpoints)
    .innerJoin(users, eq(users.id, endpoints.userId))
    .where(and(listedCondition, eq(endpoints.userId, groups.ownerId)))
    .orderBy(...newestFirst)
    .limit(options.maxPerOwner)
    .as('newest');
  const rows = await db
    .select({ view: newest._.selectedFields, total: groups.total })
    .from(groups)
    .crossJoinLateral(newest)
    .orderBy(desc(groups.total), asc(groups.ownerName), desc(newest.updatedAt), desc(newest.id));

  const result: EndpointGroup[] = [];
  for (const { view, total } of rows) {
    const last = result.at(-1);
    if (last && last.ownerUsername === view.ownerUsername) last.endpoints.push(view);
    else result.push({ ownerUsername: view.ownerUsername, endpoints: [view], totalCount: total });
  }
  return result;
}

export type OwnerSummary = OwnersListing['owners'][number];

/** `GET /endpoints/public/owners` (§9.3): owners with listed endpoints and their counts, plus the owner total. */
export async function listOwnerSummaries(
  db: Db,
  page: Page,
): Promise<{ owners: OwnerSummary[]; totalCount: number }> {
  const rows = await executeRows<OwnerSummary & { total_count: number; has_row: boolean }>(
    db,
    sql`with owners as (
          select ${users.username} as username,
                 count(*)::int as endpoint_count,
                 (count(*) filter (where ${endpoints.type} = 'model'))::int as model_count,
                 (count(*) filter (where ${endpoints.type} = 'data_source'))::int as data_source_count
          from ${endpoints} inner join ${users} on ${users.id} = ${endpoints.userId}
          where ${listedCondition}
          group by ${users.username}
        ),
        page as (
          select * from owners order by endpoint_count desc, username asc limit ${page.limit} offset ${page.skip}
        )
        select (select count(*)::int from owners) as total_count, page.username is not null as has_row, page.*
        from (select 1) as one left join page on true
        order by page.endpoint_count desc, page.username asc`,
  );
  return {
    owners: rows
      .filter((row) => row.has_row)
      .map(({ username, endpoint_count, model_count, data_source_count }) => ({
        username,
        endpoint_count,
        model_count,
        data_source_count,
      })),
    totalCount: rows[0]?.total_count ?? 0,
  };
}
