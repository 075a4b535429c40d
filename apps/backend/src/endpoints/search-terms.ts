import { type Db, endpointTermStats, executeRows, sql } from '@syfthub/db';

/** Words of a query beyond this many are ignored (a 1,000-character query would otherwise be 150 terms). */
export const MAX_TERMS = 12;

/**
 * A term in more endpoints than this is "common": reading its matches from the full-text index costs time in
 * proportion to their number (a word in a quarter of 200,000 endpoints: ~35,000 index entries, tens of
 * milliseconds), so search finds its matches by walking the most-starred endpoints instead, a walk that stops
 * after a few matches whatever the catalogue's size. 2,000 rather than the 5,000 it was: "contract" in 3,655 of
 * 20,000 endpoints took 0.9 ms of the §16 statement's 3–4 to read from the index; as a common word it is looked up in
 * names and tags. Single-word results were unchanged; multi-word queries found candidates scoring higher on average.
 */
export const MAX_INDEX_MATCHES = 2_000;

/** How long PostgreSQL's statistics of the search vectors are trusted before they are read again. */
const STATISTICS_TTL_MS = 10 * 60_000;

/** The word being typed: the query ends inside it (no space or punctuation after it); shorter ones match whole. */
const TYPED_WORD = /[\p{L}\p{N}]{3,}$/u;

interface Statistics {
  /** Share of endpoints containing each common lexeme. */
  frequencies: Map<string, number>;
  endpoints: number;
}

interface CachedStatistics {
  current: Promise<Statistics>;
  loadedAt: number;
  refreshing: boolean;
}

const statisticsCaches = new WeakMap<Db, CachedStatistics>();
const NO_STATISTICS: Statistics = { frequencies: new Map(), endpoints: 0 };

/**
 * Lexeme frequencies from PostgreSQL's own statistics of `endpoints.search_vector` (`pg_stats` keeps the most
 * common elements of a tsvector column and their share of rows; ANALYZE, run by autovacuum, maintains them) and the
 * table's estimated row count. Lexemes not listed are rarer than every listed one. Without statistics (a fresh
 * database) every term counts as rare. The same statement copies them to `endpoint_term_stats`, where the search
 * statement looks its terms up (every backend instance copies the same values).
 */
async function loadStatistics(db: Db): Promise<Statistics> {
  const rows = await executeRows<{ lexeme: string | null; frequency: number | null; endpoints: number }>(
    db,
    sql`with fresh as (
          select x.lexeme, x.frequency
          from pg_stats as s
            cross join lateral unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs)
              as x(lexeme, frequency)
          where s.schemaname = current_schema() and s.tablename = 'endpoints' and s.attname = 'search_vector'
            and x.lexeme is not null
        ),
        dropped as (
          delete from ${endpointTermStats} as t where not exists (select from fresh where fresh.lexeme = t.lexeme)
        ),
        saved as (
          insert into ${endpointTermStats} (lexeme, share) select lexeme, frequency from fresh
          on conflict (lexeme) do update set share = excluded.share
            where ${endpointTermStats}.share is distinct from excluded.share
        )
        select fresh.lexeme, fresh.frequency, greatest(c.reltuples, 0)::float8 as endpoints
        from pg_class as c left join fresh on true
        where c.oid = 'endpoints'::regclass`,
  );
  const frequencies = new Map<string, number>();
  for (const row of rows) if (row.lexeme !== null) frequencies.set(row.lexeme, Number(row.frequency));
  return { frequencies, endpoints: Number(rows[0]?.endpoints ?? 0) };
}

/** The statistics, read once per process and database and refreshed in the background when stale. */
function statistics(db: Db): Promise<Statistics> {
  let cache = statisticsCaches.get(db);
  if (!cache) {
    cache = {
      current: loadStatistics(db).catch(() => NO_STATISTICS),
      loadedAt: Date.now(),
      refreshing: false,
    };
    statisticsCaches.set(db, cache);
  } else if (Date.now() - cache.loadedAt > STATISTICS_TTL_MS && !cache.refreshing) {
    const entry = cache;
    entry.refreshing = true;
    loadStatistics(db)
      .then((fresh) => {
        entry.current = Promise.resolve(fresh);
      })
      .catch(() => {})
      .finally(() => {
        entry.loadedAt = Date.now();
        entry.refreshing = false;
      });
  }
  return cache.current;
}

/**
 * Roughly the share of endpoints with a word beginning with `text` (lowercased) or of which it is an inflection, from
 * the cached statistics (no round trip once they are loaded): 0 for a text that begins no common word. List search uses it to guess whether a text
 * is common before choosing where to look first (apps/backend/src/endpoints/listings.ts).
 */
export async function commonShare(db: Db, text: string): Promise<number> {
  const stats = await statistics(db);
  let share = 0;
  for (const [lexeme, frequency] of stats.frequencies) {
    // A lexeme the text begins with, up to two letters shorter, is most likely its stem ("users" → `user`).
    const stem = lexeme.length >= 3 && text.length - lexeme.length <= 2 && text.startsWith(lexeme);
    if (stem || lexeme.startsWith(text)) share += frequency;
  }
  return Math.min(share, 1);
}

/**
 * What the search statement needs besides `endpoint_term_stats` (search.ts `termsOfQuery`, where a term's
 * estimated matches are its share times the endpoints): the estimated endpoints, once the statistics are loaded (and
 * so copied to the table).
 */
export async function statisticsEndpoints(db: Db): Promise<number> {
  return (await statistics(db)).endpoints;
}

/**
 * The word the query ends inside (no space or punctuation after it: a search box sending what the user is still
 * typing), matched as a prefix unless it is a common word; '' when there is none.
 */
export function typedWord(query: string): string {
  return TYPED_WORD.exec(query)?.[0] ?? '';
}
