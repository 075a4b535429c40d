import {
  type Db,
  desc,
  type EndpointType,
  endpoints,
  endpointTermStats,
  eq,
  prepared,
  type SQL,
  sql,
  users,
} from '@syfthub/db';
import { endpointPublicJsonSql, viewerSource, viewerValues } from './public-json';
import { MAX_INDEX_MATCHES, MAX_TERMS, statisticsEndpoints, typedWord } from './search-terms';
import { typoHalves } from './typos';
import type { Viewer } from './visibility';

export interface SearchOptions {
  query: string;
  topK: number;
  type?: EndpointType | undefined;
  minScore: number;
  /**
   * Also search this user's own active, unarchived endpoints of every visibility (`include_own`, docs/search.md):
   * what automatic source selection needs so an owner's private data sources can answer the owner's questions.
   */
  ownerId?: number | undefined;
  /** Who asks (anonymous when absent): the policies each result shows depend on it (§3.5). */
  viewer?: Viewer | undefined;
}

/** One result: its `EndpointPublic` JSON with `relevance_score` (text, written by PostgreSQL) and its order keys. */
export interface ScoredEndpointJson {
  json: string;
  id: number;
  starsCount: number;
  relevanceScore: number;
}

/**
 * The bounds that keep a search's cost independent of how many endpoints match: every way of finding candidates
 * stops after `PER_SOURCE` of them, at most `INDEXED_TERMS` terms are looked up one by one, and at most
 * `CANDIDATES` full-text candidates plus two sets of `PER_SOURCE` trigram candidates are scored.
 */
const PER_SOURCE = 32;
const INDEXED_TERMS = 4;
const CANDIDATES = 64;
/** Owner and fuzzy-name matching compare the whole query: only a short one can be a name. */
const SHORT_QUERY = 40;
/** Trigram matching ranks at most this many usernames or names that share enough trigrams with the query. */
const FUZZY_ROWS = 200;
/**
 * The least trigram similarity of an owner's username to the query. The owners' lookup sets it as the `%`
 * operator's threshold for its statement (`set_config(…, true)`, before the index is read): the index then yields
 * only usernames that can reach it (89 candidates to recheck for "pozusa-0" among 20,000 users, where the default
 * 0.3 yielded 236, each a heap page read).
 */
const OWNER_SIMILARITY = 0.4;
/** The least trigram similarity of a name to a typo'd query (pg_trgm's `%` default). */
const NAME_SIMILARITY = 0.3;

/** `model` and `data_source` also match the hybrid type (§16 step 2); other types match exactly. */
function typesOf(type: EndpointType | undefined): string {
  if (type === 'model' || type === 'data_source') return `${type},model_data_source`;
  return type ?? 'model,data_source,model_data_source,agent';
}

const p = (name: string) => sql.placeholder(name);

/**
 * Listed endpoints (written as the partial indexes' predicate, so the planner uses them) of the wanted types (read
 * from the `params` row, so the planner cannot fold them into a plan of its own for each request's values).
 */
const wanted = sql`e.visibility = 'public' and e.is_active and not e.archived
                   and e.type::text = any((select types from params)::text[])`;

// Bounds are literals, not parameters: the planner must know them to choose index scans.
const perSource = sql.raw(String(PER_SOURCE));
const candidateCount = sql.raw(String(CANDIDATES));
const fuzzyRows = sql.raw(String(FUZZY_ROWS));
const shortQuery = sql.raw(String(SHORT_QUERY));
const ownerSimilarity = sql.raw(String(OWNER_SIMILARITY));

/**
 * The query's terms and full-text lookups, derived in the search statement itself (one round trip; search-terms.ts
 * has the rules): its lexemes under the `english` configuration in query order (at most `MAX_TERMS`), each with its
 * estimated matches from the statistics the backend copies to `endpoint_term_stats` (lexeme, share of endpoints)
 * and `statsEndpoints` (rounded as `Math.round` does), the word being typed (`typed`) as a prefix unless it is already a
 * common word, and as `tsquery`s: `q` (anywhere), `a` (name or tags), `b` (description). Then the lookups (see
 * {@link candidates}), each bounded:
 * - priority 3: the name and tags contain every term;
 * - priority 2: the whole document contains every term, when one of them is rare (the rarest term drives the
 *   index's intersection; when every term is common, the names-and-tags lookup stands for it); a common word being
 *   typed stays out of it: the index gathers every match of a prefix before intersecting (a quarter of the catalogue
 *   for "contr"), where it can skip through a whole word's;
 * - priority 1.5: it contains all but one of the (up to four) rarest terms, when three or more are rare;
 * - priority 1: each of the up to four rarest terms, from the whole document when rare, from names and tags when
 *   common (only for queries of several terms; for one, the lookups above are that term's).
 * Rarest first means fewest estimated matches, then query order.
 */
const common = sql.raw(String(MAX_INDEX_MATCHES));
const indexedTerms = sql.raw(String(INDEXED_TERMS));
export const termsOfQuery = sql`
  stemmed as materialized (
    select w.lexeme, w.typed, row_number() over () as ord from (
      select w.lexeme, w.lexeme = any(tsvector_to_array(to_tsvector('english', ${p('typed')}::text))) as typed
      from unnest(to_tsvector('english', ${p('query')}::text)) as w
      order by w.positions[1]
      limit ${sql.raw(String(MAX_TERMS))}
    ) as w
  ),
  counted as materialized (
    select w.lexeme, w.ord, w.typed, st.endpoints,
           floor(least(coalesce((select s.share from ${endpointTermStats} as s where s.lexeme = w.lexeme), 0), 1)
                 * st.endpoints + 0.5) as whole
    from stemmed as w cross join (select ${p('statsEndpoints')}::float8 as endpoints) as st
  ),
  measured as materialized (
    select c.lexeme, c.ord, c.prefix, c.quoted, c.quoted || case when c.prefix then ':*' else '' end as qtext,
           case when c.prefix
                then floor(least((select coalesce(sum(s.share), 0) from ${endpointTermStats} as s
                                  where s.lexeme ^@ c.lexeme), 1) * c.endpoints + 0.5)
                else c.whole end as matches
    from (
      select counted.*, counted.typed and counted.whole <= ${common} as prefix,
             '''' || replace(replace(counted.lexeme, '\\', '\\\\'), '''', '''''') || '''' as quoted
      from counted
    ) as c
  ),
  terms as materialized (
    select t.lexeme, t.ord, t.prefix, t.matches, t.matches > ${common} as common, t.qtext::tsquery as q,
           (t.quoted || ':' || case when t.prefix then '*' else '' end || 'A')::tsquery as a,
           (t.quoted || ':' || case when t.prefix then '*' else '' end || 'B')::tsquery as b,
           t.qtext, row_number() over (order by t.matches, t.ord) as rarity
    from measured as t
  ),
  rare as materialized (
    select r.qtext, r.place from (
      select t.qtext, row_number() over (order by t.rarity) as place from terms as t where not t.common
    ) as r
    where r.place <= ${indexedTerms}
  ),
  derived as materialized (
    select (select string_agg(qtext, ' & ' order by ord) from terms)::tsquery as all_terms,
           greatest((select count(*) from terms), 1)::int as term_count,
           exists (select from terms where not common) as any_rare
  ),
  lookups as materialized (
    select (select all_terms from derived) as q, true as names, 3::numeric as priority,
           not (select any_rare from derived) as complete
    where exists (select from terms)
    union all
    select (select string_agg(qtext, ' & ' order by ord) from terms where not (prefix and common))::tsquery,
           false, 2, true
    where (select any_rare from derived)
    union all
    select (select string_agg('(' || (select string_agg(o.qtext, ' & ' order by o.place) from rare as o
                                      where o.place <> r.place) || ')', ' | ' order by r.place)
            from rare as r)::tsquery,
           false, 1.5, false
    where (select count(*) from rare) >= 3
    union all
    select t.q, t.common, 1, false from terms as t
    where t.rarity <= ${indexedTerms} and (select count(*) from terms) > 1
  )`;

const inputs = sql`
  ${termsOfQuery},
  params as materialized (
    select string_to_array(${p('types')}, ',') as types, ${p('topK')}::int as top_k
  ),
  short as materialized (
    select ${p('text')}::text as text, (select any_rare from derived) as rare,
           ${p('typoHead')}::text as typo_head, ${p('typoTail')}::text as typo_tail
    where length(${p('text')}) <= ${shortQuery}
  )`;

/**
 * Ids of the candidates, each found in a bounded way. The full-text lookups come as rows (`lookups`, see
 * {@link lookupsOf}): each reads at most `PER_SOURCE` listed endpoints matching its tsquery from one GIN index
 * of listed endpoints, `search_vector` (the whole document) or `name_vector` (name and tags, far fewer matches per
 * word). Which lookups run is data, not a parameter the planner could fold, so one generic plan serves every query.
 * At most `CANDIDATES` full-text candidates are kept, by the sum of their lookups' priorities; an exact name
 * adds 4. Then, for a short query, the most-starred endpoints of the (at most three) owners whose
 * username is most like it; and for a short query that names no owner, has a rare or unknown word, and of which
 * fewer than `top_k` endpoints contain every term (a typo), the endpoints whose name is most like it by trigram
 * similarity (at least `NAME_SIMILARITY`), among those containing either half of the query (a name one letter
 * away from it contains one half unchanged: two `LIKE` reads of the names' trigram index, where the similarity
 * operator `%` read every name sharing a trigram with the query's start, 11 ms for "compiter" at 200,000
 * endpoints). Both trigram lookups rank at most `FUZZY_ROWS` rows.
 */
const candidates = sql`
  ${inputs},
  hits as materialized (
    select h.id, l.priority, l.complete
    from lookups as l
      cross join lateral (
        (select e.id from endpoints as e where not l.names and ${wanted} and e.search_vector @@ l.q limit ${perSource})
        union all
        (select e.id from endpoints as e where l.names and ${wanted} and e.name_vector @@ l.q limit ${perSource})
      ) as h
  ),
  found as (
    select id, priority from hits
    union all
    (select e.id, 4 from short join endpoints as e on lower(e.name) = short.text where ${wanted} limit ${perSource})
  ),
  owners as (
    select id from (
      select u.id, similarity(u.username, short.text) as similarity
      from short join users as u on u.username % short.text
      where (select set_config('pg_trgm.similarity_threshold', ${ownerSimilarity}::text, true)) is not null
      limit ${fuzzyRows}
    ) as alike
    where similarity >= ${ownerSimilarity}
    order by similarity desc, id
    limit 3
  ),
  candidates as (
    (select id from found group by id order by sum(priority) desc, id desc limit ${candidateCount})
    union
    select h.id from owners as o
      cross join lateral (
        select e.id from endpoints as e where e.user_id = o.id and ${wanted}
        order by e.stars_count desc, e.id desc limit ${perSource}
      ) as h
    union
    (select id from (
       select e.id, similarity(e.name, alike.text) as similarity from (
         select e.id, lower(e.name) as name from short
           join endpoints as e on lower(e.name) like short.typo_head or lower(e.name) like short.typo_tail
         where short.rare and not exists (select from owners)
           and (select count(*) from hits where complete) < (select top_k from params) and ${wanted}
         limit ${fuzzyRows}
       ) as e cross join (select text from short) as alike
     ) as alike
     where similarity >= ${sql.raw(String(NAME_SIMILARITY))}
     order by similarity desc, id desc
     limit ${perSource})
  )`;

/**
 * The §16 relevance score of each candidate, computed per row in SQL:
 * - coverage: the share of the query's terms the endpoint contains, each counting 1 in the name or tags, 0.8 in
 *   the description, 0.7 only in the README;
 * - name similarity: trigram similarity of the whole query and the name (1 for the exact name);
 * - owner similarity: trigram similarity of the whole query and the owner's username (short queries only);
 * - score = max(name similarity, 0.9 × coverage + 0.1 × name similarity, 0.8 × owner similarity), rounded to four
 *   decimals.
 * The search vector is read once per candidate (the `offset 0` subquery keeps the planner from inlining it into
 * every test of every term), and not at all when the name and tags contain every term: their small vector
 * (`name_vector`, stored in the row) then gives the same coverage, without decompressing the whole document.
 * The scores are materialized: inlined, the `minScore` filter and the ordering each computed the whole expression
 * (four trigram similarities of the name, two of the owner's per candidate; ~1 ms of 4 for "contract" at 20,000).
 */
const rankedFrom = (found: SQL) => sql`(
  with ${found},
  scored as materialized (
    select e.id, e.stars_count,
           round(greatest(n.similarity,
                          0.9 * coalesce(c.coverage, 0) + 0.1 * n.similarity,
                          coalesce(0.8 * similarity(short.text, u.username), 0)
                 )::numeric, 4)::float8 as score
    from candidates
      join endpoints as e on e.id = candidates.id
      join users as u on u.id = e.user_id
      cross join lateral (
        select case when e.name_vector @@ (select all_terms from derived) then e.name_vector
                    else e.search_vector || ''::tsvector end as doc
        offset 0
      ) as d
      cross join lateral (
        select sum(case when d.doc @@ t.a then 1.0 when d.doc @@ t.b then 0.8 when d.doc @@ t.q then 0.7 else 0 end)
               / (select term_count from derived) as coverage
        from terms as t
      ) as c
      cross join lateral (select similarity(${p('text')}, lower(e.name)) as similarity) as n
      left join short on true
    where u.is_active
  )
  select id, score, stars_count from (
    select id, score, stars_count, row_number() over (order by score desc, stars_count desc, id desc) as place
    from scored where score >= ${p('minScore')}
  ) as placed
  where place <= (select top_k from params)
) as ranked`;

/**
 * The caller's own endpoints that listings leave out (private, internal): all of them are candidates, since an
 * owner has few, unless the query is long and has no term (it cannot name anything then). Scored by the same rule
 * as listed ones.
 */
const OWN_CANDIDATES = 500;
const ownCandidates = sql`
  ${inputs},
  candidates as (
    select e.id from endpoints as e
    where e.user_id = ${p('ownerId')}::int and e.visibility <> 'public' and e.is_active and not e.archived
      and e.type::text = any((select types from params)::text[])
      and (exists (select from terms) or exists (select from short))
    order by e.id desc
    limit ${sql.raw(String(OWN_CANDIDATES))}
  )`;

/**
 * The search statements of a database, prepared once (`prepared`): building them costs more CPU than PostgreSQL
 * needs to run them. Each result comes as its `EndpointPublic` JSON text (public-json.ts): the backend only joins
 * the strings.
 */
function preparedSearch(db: Db, found: 'listed' | 'own') {
  return prepared<ScoredEndpointJson[]>(
    db,
    found === 'listed' ? 'endpoint_search' : 'endpoint_search_own',
    (name) => {
      const score = sql<number>`ranked.score`;
      return db
        .select({
          json: sql<string>`${endpointPublicJsonSql({ key: 'relevance_score', value: score })}`,
          id: endpoints.id,
          starsCount: endpoints.starsCount,
          relevanceScore: score,
        })
        .from(endpoints)
        .innerJoin(users, eq(users.id, endpoints.userId))
        .innerJoin(
          rankedFrom(found === 'listed' ? candidates : ownCandidates),
          sql`ranked.id = ${endpoints.id}`,
        )
        .innerJoin(viewerSource, sql`true`)
        .orderBy(desc(score), desc(endpoints.starsCount), desc(endpoints.id))
        .prepare(name);
    },
  );
}

/** Both result lists in the search's order (score, stars, id; all descending), cut to `topK`. */
function mergeRanked<T extends { id: number; starsCount: number; relevanceScore: number }>(
  a: T[],
  b: T[],
  topK: number,
): T[] {
  return [...a, ...b]
    .sort(
      (x, y) =>
        Number(y.relevanceScore) - Number(x.relevanceScore) || y.starsCount - x.starsCount || y.id - x.id,
    )
    .slice(0, topK);
}

/**
 * Natural-language search over listed endpoints (§16 as amended in docs/search.md): any meaningful word of the
 * query may match, endpoints containing more of them rank higher, and the score is on a 0–1 scale. One round trip
 * (two with `include_own`, run at once): a statement that derives the query's terms (stemmed by PostgreSQL, see
 * {@link termsOfQuery}), finds a bounded set of candidates, scores them, and returns the best `topK` as JSON.
 */
export async function searchEndpoints(db: Db, options: SearchOptions): Promise<ScoredEndpointJson[]> {
  const text = options.query.toLowerCase();
  const halves = text.length <= SHORT_QUERY ? typoHalves(text) : null;
  const values = {
    query: options.query,
    typed: typedWord(options.query),
    statsEndpoints: await statisticsEndpoints(db),
    text,
    typoHead: halves?.[0] ?? null,
    typoTail: halves?.[1] ?? null,
    types: typesOf(options.type),
    topK: options.topK,
    minScore: options.minScore,
    ...viewerValues(options.viewer ?? null),
  };
  const [listed, own] = await Promise.all([
    preparedSearch(db, 'listed').execute(values),
    options.ownerId === undefined
      ? Promise.resolve([])
      : preparedSearch(db, 'own').execute({ ...values, ownerId: options.ownerId }),
  ]);
  return own.length === 0 ? listed : mergeRanked(listed, own, options.topK);
}
