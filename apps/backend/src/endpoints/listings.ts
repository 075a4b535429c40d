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
  listedTextExpression,
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

/** What a piece of a tag can look like: tags are lowercase `[a-z0-9-]` (§3.11). */
const TAG_FRAGMENT = /^[a-z0-9-]+$/;

/**
 * A search text from which PostgreSQL's trigram index can take at least one trigram for `LIKE '%…%'`: a run of three
 * letters or digits. Without one, the index would read every entry it has; such texts (one or two letters, a
 * number, punctuation) match most endpoints anyway, and are served by walking the newest ones.
 */
const INDEXABLE = /[\p{L}\p{N}]{3}/u;

/**
 * List search reads at most this many matching endpoints from the trigram indexes; a text with more matches is
 * served by walking the listing index from the newest endpoint, which then finds the page's rows early.
 */
const SEARCH_CANDIDATES = 2_000;

/**
 * Whether a listed endpoint (alias `e`, owner `u`) matches the search text (§9.2): its name, description, owner's
 * username or one of its tags contains it. Tags are matched in their JSON text: a fragment of `[a-z0-9-]` cannot
 * span the quotes and commas between two tags, and text with any other character cannot be inside a tag at all,
 * so tags are tested only for such text. The patterns are read from `params` (below).
 */
function matchesText(withTags: boolean, owner: SQL | null): SQL {
  const fields = [sql`lower(e.name) like lower(${pattern})`, sql`e.description ilike ${pattern}`];
  if (withTags) fields.push(sql`e.tags::text like (select tag_pattern from params)`);
  if (owner) fields.push(owner);
  return sql`(${sql.join(fields, sql` or `)})`;
}

/**
 * The statement's values, read from a materialized `params` row rather than used as parameters directly: the
 * planner cannot fold them into a plan of its own for each text, whose planning would cost more than running it,
 * so after a few executions PostgreSQL keeps one generic plan per shape.
 */
const params = sql`params as materialized (
  select ${sql.placeholder('pattern')}::text as pattern, ${sql.placeholder('tagPattern')}::text as tag_pattern,
         ${sql.placeholder('type')}::text as type, ${sql.placeholder('limit')}::int as lim,
         ${sql.placeholder('skip')}::int as skip
)`;
const pattern = sql`(select pattern from params)`;
const typePlaceholder = sql.placeholder('type');
const listedE = sql`e.visibility = 'public' and e.is_active and not e.archived`;
const typeIs = (withType: boolean) => (withType ? sql`and e.type = (select type from params)` : sql``);

/**
 * The ids of one page of listed endpoints matching the search text, newest first, in a cost bounded by the page
 * rather than by the number of matches:
 * - `hits`: at most `SEARCH_CANDIDATES` + 1 matches, from the trigram index of listed endpoints' name, description
 *   and tags (`endpoints_listed_text_trgm_idx`, partial: only listed endpoints are in it) and from the owners whose
 *   username contains the text (`users_username_trgm_idx`, then each owner's endpoints);
 * - when those are all the matches, the page is cut from them;
 * - otherwise (more matches than that: the text is common) the listing index is walked from the newest endpoint,
 *   and the walk stops at the page's last row, which many matches put early.
 * A text without trigrams (see {@link INDEXABLE}) always walks. Each part runs only when needed (one-time filters
 * on the `gate` row), so one prepared statement serves every text of a shape.
 */
function searchPageIds(shape: { withTags: boolean; withType: boolean; indexable: boolean }): SQL {
  const { withTags, withType, indexable } = shape;
  const page = sql`limit (select lim from params) offset (select skip from params)`;
  const newest = sql`order by e.updated_at desc, e.id desc`;
  const walk = (when: SQL) => sql`select e.id from endpoints as e join users as u on u.id = e.user_id
    where ${when} ${listedE} and u.is_active ${typeIs(withType)}
      and ${matchesText(withTags, sql`u.username ilike ${pattern}`)}
    ${newest} ${page}`;
  if (!indexable) return sql`with ${params} ${walk(sql``)}`;
  const bound = sql.raw(String(SEARCH_CANDIDATES + 1));
  // The inner select of the first branch names only the index's expression (whose columns are unqualified, as in
  // the index); `offset 0` keeps the per-field test out of it, so the planner reads that one index. The owners'
  // subquery has one too: planned on its own it reads the username trigram index, where the generic plan of the
  // whole statement scanned every user.
  return sql`
    with ${params},
    hits as materialized (
      (select e.id, e.user_id, e.updated_at from (
         select id, user_id, updated_at, name, description, tags from endpoints
         where visibility = 'public' and is_active and not archived ${withType ? sql`and type = (select type from params)` : sql``}
           and (${listedTextExpression}) ilike ${pattern}
         offset 0
       ) as e
       where ${matchesText(withTags, null)}
       limit ${bound})
      union
      (select e.id, e.user_id, e.updated_at
       from (select id from users where username ilike ${pattern} offset 0) as u
         cross join lateral (
           select e.id, e.user_id, e.updated_at from endpoints as e
           where e.user_id = u.id and ${listedE} ${typeIs(withType)}
           limit ${bound}
         ) as e
       limit ${bound})
    ),
    gate as materialized (select count(*) < ${bound} as few from hits)
    (select e.id from (select id, user_id from hits as e where (select few from gate) ${newest}) as e
     where (select u.is_active from users as u where u.id = e.user_id)
     ${page})
    union all
    (${walk(sql`not (select few from gate) and`)})`;
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

/** `GET /endpoints/public`: listed endpoints, optionally of one type and matching a substring. */
export function listPublicEndpoints(
  db: Db,
  filter: Page & { endpointType?: EndpointType | undefined; search?: string | undefined },
): Promise<EndpointView[]> {
  const { endpointType, search, skip, limit } = filter;
  if (search) return searchPublicEndpoints(db, { search, endpointType, skip, limit });
  const shape = `public_${endpointType ? 't' : ''}`;
  return preparedPage(
    db,
    shape,
    () => and(listedCondition, endpointType ? eq(endpoints.type, typePlaceholder) : undefined),
    newestFirst,
    { skip, limit, type: endpointType },
  );
}

/** Prepared search pages of each database, by shape (see {@link searchPageIds}). */
const preparedSearchPages = new WeakMap<Db, Map<string, PreparedPage>>();

/** `GET /endpoints/public?search=`: one page of {@link searchPageIds}, loaded with the owners. */
function searchPublicEndpoints(
  db: Db,
  filter: Page & { search: string; endpointType?: EndpointType | undefined },
): Promise<EndpointView[]> {
  const fragment = filter.search.toLowerCase();
  const shape = {
    withTags: TAG_FRAGMENT.test(fragment),
    withType: filter.endpointType !== undefined,
    indexable: INDEXABLE.test(filter.search),
  };
  const name = `search_${shape.withTags ? 'g' : ''}${shape.withType ? 't' : ''}${shape.indexable ? 'i' : ''}`;
  let byShape = preparedSearchPages.get(db);
  if (!byShape) {
    byShape = new Map();
    preparedSearchPages.set(db, byShape);
  }
  let statement = byShape.get(name);
  if (!statement) {
    statement = db
      .select(endpointViewFields)
      .from(endpoints)
      .innerJoin(users, eq(users.id, endpoints.userId))
      .innerJoin(sql`(${searchPageIds(shape)}) as page`, sql`page.id = ${endpoints.id}`)
      .orderBy(...newestFirst)
      .prepare(`listing_${name}`);
    byShape.set(name, statement);
  }
  return statement.execute({
    pattern: containing(filter.search),
    tagPattern: containing(fragment),
    type: filter.endpointType ?? null,
    limit: filter.limit,
    skip: filter.skip,
  });
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
