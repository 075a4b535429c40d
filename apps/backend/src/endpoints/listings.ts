import type { OwnersListing } from '@syfthub/contracts';
import {
  and,
  asc,
  containsPattern,
  type Db,
  desc,
  type EndpointType,
  type EndpointVisibility,
  endpoints,
  eq,
  executeRows,
  gte,
  ilike,
  or,
  prepared,
  type SQL,
  sql,
  users,
} from '@syfthub/db';
import { selectViews } from './lookups';
import { endpointPublicJsonSql, viewerSource, viewerValues } from './public-json';
import { commonShare } from './search-terms';
import { INDEXABLE, oneLetterAway, typoHalves } from './typos';
import { type EndpointView, endpointViewFields } from './views';
import { listedCondition, ownerPageCondition, type Viewer } from './visibility';

// Every listing is one SQL statement: endpoints joined with their owners, filtered, ordered, paged.

export interface Page {
  skip: number;
  limit: number;
}

const newestFirst = [desc(endpoints.updatedAt), desc(endpoints.id)];

/** What a piece of a tag can look like: tags are lowercase `[a-z0-9-]` (§3.11). */
const TAG_FRAGMENT = /^[a-z0-9-]+$/;

/**
 * List search first tests this many of the newest listed endpoints (a walk of the listing index): a text that fills
 * the page among them is common, and the page is theirs. Testing one costs about a microsecond (a `LIKE` on the
 * stored lowercased text), so the walk adds about half a millisecond to a text that is not common.
 */
const RECENT_WINDOW = 500;

/**
 * The window is tested only when the text looks common: a page of 20 fills among 500 endpoints when 4 % of them
 * match, and a text beginning words found (by PostgreSQL's statistics of the search vectors, see
 * {@link commonShare}) in more than this share of endpoints may. Any other text goes to the trigram index first, so a
 * rare one does not pay for the window (~0.5–1 ms). A wrong guess costs time, never results: every path is exact.
 */
const COMMON_SHARE = 0.01;

/**
 * Otherwise at most this many matching endpoints are read from the trigram indexes; a text with more matches is
 * served by walking the listing index from the newest endpoint, which then finds the page's rows early (more than
 * this many matches among N listed endpoints: a page of 20 after about 20 × N / 500 rows).
 */
const SEARCH_CANDIDATES = 500;

/**
 * The typo fallback (issue 17: "a one-letter typo still finds the name"): when the text matches nothing, the listed
 * endpoints whose name contains it with one letter replaced, inserted or removed ({@link typoPatterns}), newest first,
 * among at most {@link TYPO_CANDIDATES} such names. Only for texts of at least {@link TYPO_MIN_LENGTH} characters:
 * each half of the text must have three letters or digits for the index to look up (below), and one letter of four
 * or five is another word more often than a typo.
 */
const TYPO_CANDIDATES = 200;
const TYPO_MIN_LENGTH = 6;

/** What the typo fallback looks up for a (lowercased) text: the halves to read and the patterns to test, or null. */
function typoPatterns(text: string): { halves: [string, string]; patterns: string[] } | null {
  if ([...text].length < TYPO_MIN_LENGTH) return null;
  const halves = typoHalves(text);
  return halves ? { halves, patterns: oneLetterAway(text) } : null;
}

/**
 * Whether a listed endpoint (alias `e`, owner `u`) matches the search text (§9.2): its name, description, owner's
 * username or one of its tags contains it. Tags are matched in their JSON text: a fragment of `[a-z0-9-]` cannot
 * span the quotes and commas between two tags, and text with any other character cannot be inside a tag at all,
 * so tags are tested only for such text. The patterns are read from `params` (below). The stored lowercased text of
 * name, description and tags (`search_text`) is tested first: a plain `LIKE` that rules out almost every endpoint
 * that does not match, before the per-field tests lowercase anything.
 */
function matchesText(withTags: boolean, owner: SQL | null): SQL {
  const fields = [sql`lower(e.name) like lower(${pattern})`, sql`e.description ilike ${pattern}`];
  if (withTags) fields.push(sql`e.tags::text like (select tag_pattern from params)`);
  const own = sql`(e.search_text like ${textPattern} and (${sql.join(fields, sql` or `)}))`;
  return owner ? sql`(${own} or ${owner})` : own;
}

/**
 * The statement's values, read from a materialized `params` row rather than used as parameters directly: the
 * planner cannot fold them into a plan of its own for each text, whose planning would cost more than running it,
 * so after a few executions PostgreSQL keeps one generic plan per shape.
 */
const params = sql`params as materialized (
  select ${sql.placeholder('pattern')}::text as pattern, lower(${sql.placeholder('pattern')}::text) as text_pattern,
         ${sql.placeholder('tagPattern')}::text as tag_pattern, ${sql.placeholder('type')}::text as type,
         ${sql.placeholder('limit')}::int as lim, ${sql.placeholder('skip')}::int as skip,
         ${sql.placeholder('limit')}::int + ${sql.placeholder('skip')}::int as need,
         ${sql.placeholder('tryRecent')}::boolean as try_recent,
         ${sql.placeholder('typoHead')}::text as typo_head, ${sql.placeholder('typoTail')}::text as typo_tail,
         ${sql.placeholder('typoPatterns')}::text[] as typo_patterns
)`;
const pattern = sql`(select pattern from params)`;
const textPattern = sql`(select text_pattern from params)`;
const typePlaceholder = sql.placeholder('type');
const listedE = sql`e.visibility = 'public' and e.is_active and not e.archived`;
const typeIs = (withType: boolean) => (withType ? sql`and e.type = (select type from params)` : sql``);
const ownerActive = sql`(select u.is_active from users as u where u.id = e.user_id)`;

/**
 * The ids of one page of listed endpoints matching the search text, newest first, in a cost bounded by the page
 * rather than by the number of matches:
 * - `recent`: the matches among the `RECENT_WINDOW` newest listed endpoints (the listing index, each tested on its
 *   stored text); with the owners' endpoints (below), they are the page when they fill it: a common text;
 * - otherwise `hits`: at most `SEARCH_CANDIDATES` + 1 matches, from the trigram index of listed endpoints' text
 *   (`endpoints_listed_search_text_trgm_idx`, partial: only listed endpoints are in it) and from the owners whose
 *   username contains the text (`users_username_trgm_idx`, then each owner's endpoints); when those are all the
 *   matches, the page is cut from them;
 * - otherwise (more matches than that) the listing index is walked from the newest endpoint, and the walk stops at
 *   the page's last row, which many matches put early;
 * - when nothing matches, the typo fallback (see {@link TYPO_CANDIDATES}).
 * A text without trigrams (see {@link INDEXABLE}) always walks. Each part runs only when needed (one-time filters
 * on the gate rows), so one prepared statement serves every text of a shape.
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
  const window = sql.raw(String(RECENT_WINDOW));
  // Subqueries with `offset 0` (or a limit) are planned on their own: the window reads the listing index and only
  // then tests the text; the owners' subquery reads the username trigram index (the generic plan of the whole
  // statement scanned every user); the trigram candidates' inner select reads that one index before the per-field
  // test.
  return sql`
    with ${params},
    owners as materialized (select id from users where username ilike ${pattern} and is_active offset 0),
    owned as materialized (
      select e.id, e.user_id, e.updated_at from owners as u
        cross join lateral (
          select e.id, e.user_id, e.updated_at from endpoints as e
          where e.user_id = u.id and ${listedE} ${typeIs(withType)}
          limit ${bound}
        ) as e
      limit ${bound}
    ),
    recent as materialized (
      select e.id, e.updated_at from (
        select id, user_id, updated_at, name, description, tags, search_text from endpoints as e
        where (select try_recent from params) and ${listedE} ${typeIs(withType)} ${newest} limit ${window}
      ) as e
      where ${matchesText(withTags, null)} and ${ownerActive}
      ${newest} limit (select need from params)
    ),
    common as materialized (
      select (select count(*) from recent) >= (select need from params)
             and (select count(*) from owned) < ${bound} as yes
    ),
    hits as materialized (
      (select e.id, e.user_id, e.updated_at from (
         select id, user_id, updated_at, name, description, tags, search_text from endpoints as e
         where not (select yes from common) and ${listedE} ${typeIs(withType)} and e.search_text like ${textPattern}
         offset 0
       ) as e
       where ${matchesText(withTags, null)}
       limit ${bound})
      union
      (select id, user_id, updated_at from owned where not (select yes from common))
    ),
    gate as materialized (
      select not (select yes from common) and count(*) < ${bound} as few,
             not (select yes from common) and count(*) = 0 as none,
             not (select yes from common) and count(*) >= ${bound} as many
      from hits
    ),
    typos as materialized (
      select e.id, e.user_id, e.updated_at from (
        select id, user_id, updated_at, lower(name) as name from endpoints as e
        where (select none from gate) and (select typo_head from params) is not null
          and (lower(e.name) like (select typo_head from params) or lower(e.name) like (select typo_tail from params))
          and ${listedE} ${typeIs(withType)}
        limit ${sql.raw(String(TYPO_CANDIDATES))}
      ) as e
      where e.name like any((select typo_patterns from params)::text[])
    )
    (select e.id from (select id, updated_at from recent union select id, updated_at from owned) as e
     where (select yes from common) ${newest} ${page})
    union all
    (select e.id from (select id, user_id, updated_at from hits as e where (select few from gate) ${newest}) as e
     where ${ownerActive} ${page})
    union all
    (select e.id from (select id, user_id from typos as e ${newest}) as e where ${ownerActive} ${page})
    union all
    (${walk(sql`(select many from gate) and`)})`;
}

async function selectPage(db: Db, where: SQL | undefined, page: Page, order: SQL[] = newestFirst) {
  return selectViews(db, where)
    .orderBy(...order)
    .limit(page.limit)
    .offset(page.skip);
}

/**
 * A page of the public listings through a statement prepared once per query shape (`prepared`): building a drizzle
 * query costs more CPU (about 0.3 ms for a listing) than PostgreSQL takes to answer it, so these hot,
 * anonymous-friendly listings only fill in values. `where` builds the condition with placeholders on the first use
 * of a shape; the page goes in as `limit` and `skip`.
 */
function preparedPage(
  db: Db,
  shape: string,
  where: () => SQL | undefined,
  order: SQL[],
  values: Page & Record<string, unknown>,
): Promise<EndpointView[]> {
  return prepared<EndpointView[]>(db, `listing_${shape}`, (name) =>
    selectViews(db, where())
      .orderBy(...order)
      .limit(sql.placeholder('limit'))
      .offset(sql.placeholder('skip'))
      .prepare(name),
  ).execute(values);
}

/** `GET /endpoints`: the caller's own endpoints in every state. */
export function listOwnEndpoints(
  db: Db,
  userId: number,
  filter: Page & { visibility?: EndpointVisibility | undefined; search?: string | undefined },
): Promise<EndpointView[]> {
  const pattern = filter.search ? containsPattern(filter.search) : null;
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

/** A JSON array of the `EndpointPublic` texts of `json`, in `order`, as one text (`[]` when there are none). */
function jsonArray(json: SQL, order: SQL): SQL<string> {
  return sql<string>`'[' || coalesce(string_agg(${json}, ',' order by ${order}), '') || ']'`;
}

/**
 * `GET /endpoints/public`: listed endpoints, optionally of one type and matching a substring, as the JSON text of
 * their `EndpointPublic` array for `viewer`, written by PostgreSQL (public-json.ts) in one row: the backend passes
 * the string on instead of parsing, mapping and serialising every column of every row.
 */
export async function listPublicEndpoints(
  db: Db,
  filter: Page & { endpointType?: EndpointType | undefined; search?: string | undefined },
  viewer: Viewer = null,
): Promise<string> {
  const { endpointType, search, skip, limit } = filter;
  if (search) return searchPublicEndpoints(db, { search, endpointType, skip, limit }, viewer);
  const statement = prepared<Array<{ json: string }>>(
    db,
    `listing_json_public_${endpointType ? 't' : ''}`,
    (name) => {
      const page = db
        .select({
          json: sql<string>`${endpointPublicJsonSql()}`.as('json'),
          updatedAt: sql`${endpoints.updatedAt}`.as('page_updated_at'),
          id: sql`${endpoints.id}`.as('page_id'),
        })
        .from(endpoints)
        .innerJoin(users, eq(users.id, endpoints.userId))
        .innerJoin(viewerSource, sql`true`)
        .where(and(listedCondition, endpointType ? eq(endpoints.type, typePlaceholder) : undefined))
        .orderBy(...newestFirst)
        .limit(sql.placeholder('limit'))
        .offset(sql.placeholder('skip'))
        .as('page');
      return db
        .select({ json: jsonArray(sql`${page.json}`, sql`${page.updatedAt} desc, ${page.id} desc`) })
        .from(page)
        .prepare(name);
    },
  );
  const [row] = await statement.execute({ skip, limit, type: endpointType, ...viewerValues(viewer) });
  return row?.json ?? '[]';
}

/** `GET /endpoints/public?search=`: the JSON text of one page of {@link searchPageIds}. */
async function searchPublicEndpoints(
  db: Db,
  filter: Page & { search: string; endpointType?: EndpointType | undefined },
  viewer: Viewer,
): Promise<string> {
  const fragment = filter.search.toLowerCase();
  const shape = {
    withTags: TAG_FRAGMENT.test(fragment),
    withType: filter.endpointType !== undefined,
    indexable: INDEXABLE.test(filter.search),
  };
  const name = `search_${shape.withTags ? 'g' : ''}${shape.withType ? 't' : ''}${shape.indexable ? 'i' : ''}`;
  const statement = prepared<Array<{ json: string }>>(db, `listing_json_${name}`, (statementName) =>
    db
      .select({
        json: jsonArray(endpointPublicJsonSql(), sql`${endpoints.updatedAt} desc, ${endpoints.id} desc`),
      })
      .from(endpoints)
      .innerJoin(users, eq(users.id, endpoints.userId))
      .innerJoin(sql`(${searchPageIds(shape)}) as page`, sql`page.id = ${endpoints.id}`)
      .innerJoin(viewerSource, sql`true`)
      .prepare(statementName),
  );
  const typo = shape.indexable ? typoPatterns(fragment) : null;
  const tryRecent = shape.indexable && (await commonShare(db, fragment)) > COMMON_SHARE;
  const [row] = await statement.execute({
    tryRecent,
    pattern: containsPattern(filter.search),
    tagPattern: containsPattern(fragment),
    typoHead: typo?.halves[0] ?? null,
    typoTail: typo?.halves[1] ?? null,
    typoPatterns: typo?.patterns ?? [],
    type: filter.endpointType ?? null,
    limit: filter.limit,
    skip: filter.skip,
    ...viewerValues(viewer),
  });
  return row?.json ?? '[]';
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
