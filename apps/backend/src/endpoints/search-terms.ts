import { type Db, executeRows, sql } from '@syfthub/db';

/**
 * One meaningful word of a search query (§16): its English lexeme (stop words are gone, words are stemmed), whether
 * it is the word still being typed (matched as a prefix), and roughly how many endpoints contain it.
 */
export interface SearchTerm {
  lexeme: string;
  prefix: boolean;
  /** Estimated endpoints containing the term, from PostgreSQL's statistics (0 when it is not among the common). */
  matches: number;
}

/** Words of a query beyond this many are ignored (a 1,000-character query would otherwise be 150 terms). */
const MAX_TERMS = 12;

/**
 * A term in more endpoints than this is "common": reading its matches from the full-text index costs time in
 * proportion to their number (a word in a quarter of 200,000 endpoints: ~35,000 index entries, tens of
 * milliseconds), so search finds its matches by walking the most-starred endpoints instead, a walk that stops
 * after a few matches whatever the catalogue's size.
 */
export const MAX_INDEX_MATCHES = 5_000;

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
 * database) every term counts as rare.
 */
async function loadStatistics(db: Db): Promise<Statistics> {
  const rows = await executeRows<{ lexeme: string | null; frequency: number | null; endpoints: number }>(
    db,
    sql`select x.lexeme, x.frequency, greatest(c.reltuples, 0)::float8 as endpoints
        from pg_class as c
        left join pg_stats as s
          on s.schemaname = current_schema() and s.tablename = 'endpoints' and s.attname = 'search_vector'
        left join lateral unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs)
          as x(lexeme, frequency) on true
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

/** Estimated endpoints containing the lexeme; a prefix counts every common lexeme it begins. */
function matchesOf(stats: Statistics, lexeme: string, prefix: boolean): number {
  let frequency = 0;
  if (!prefix) frequency = stats.frequencies.get(lexeme) ?? 0;
  else for (const [known, share] of stats.frequencies) if (known.startsWith(lexeme)) frequency += share;
  return Math.round(Math.min(frequency, 1) * stats.endpoints);
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
 * The query's meaningful terms in query order, stemmed by PostgreSQL's `english` configuration (the same one that
 * built the search vectors). The last word is matched as a prefix when the query ends inside it, as a search box
 * sends what the user is still typing, unless it is already a common word.
 */
export async function searchTerms(db: Db, query: string): Promise<SearchTerm[]> {
  const typed = TYPED_WORD.exec(query)?.[0] ?? '';
  const [rows, stats] = await Promise.all([
    executeRows<{ lexeme: string; typed: boolean }>(
      db,
      sql`select w.lexeme, w.lexeme = any(tsvector_to_array(to_tsvector('english', ${typed}))) as typed
          from unnest(to_tsvector('english', ${query})) as w
          order by w.positions[1]
          limit ${MAX_TERMS}`,
    ),
    statistics(db),
  ]);
  return rows.map(({ lexeme, typed }) => {
    // A whole common word (typed or not) matches as itself: as a prefix it would gather every longer word's
    // matches before the index could intersect them.
    const whole = matchesOf(stats, lexeme, false);
    const prefix = typed && whole <= MAX_INDEX_MATCHES;
    return { lexeme, prefix, matches: prefix ? matchesOf(stats, lexeme, true) : whole };
  });
}

/** A term as `tsquery` input, optionally restricted to the weights of some fields (`'lexeme':*A`). */
export function termQuery(term: SearchTerm, weights = ''): string {
  const quoted = `'${term.lexeme.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
  const marks = `${term.prefix ? '*' : ''}${weights}`;
  return marks ? `${quoted}:${marks}` : quoted;
}

/** Whether reading the term's matches from the full-text index would cost more than walking for a few. */
export function isCommon(term: SearchTerm): boolean {
  return term.matches > MAX_INDEX_MATCHES;
}

/** Every term required (`&`), or null when the query has none. */
export function allTermsQuery(terms: SearchTerm[]): string | null {
  return terms.length === 0 ? null : terms.map((term) => termQuery(term)).join(' & ');
}

/** All but at most one of the terms (any n − 1 of them), or null for fewer than three terms. */
export function mostTermsQuery(terms: SearchTerm[]): string | null {
  if (terms.length < 3) return null;
  return terms.map((_, left) => `(${allTermsQuery(terms.filter((__, i) => i !== left))})`).join(' | ');
}
