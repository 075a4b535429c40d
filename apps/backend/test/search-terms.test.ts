import { sql } from '@syfthub/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { termsOfQuery } from '../src/endpoints/search';
import { createTestBackend, type TestBackend } from './harness';

// The terms and lookups of §16 search (docs/search.md, "Terms" and "Candidates"), derived in the search statement
// from the query and the cached statistics: pinned here against the rules, for statistics chosen by the test.

let backend: TestBackend;
beforeAll(async () => {
  backend = await createTestBackend();
});
afterAll(async () => {
  await backend?.close();
});

interface Lookup {
  q: string;
  names: boolean;
  priority: number;
  complete: boolean;
}

/** 20,000 endpoints: "contract" (6,000) and "data" (10,000) are common (more than 2,000), the others rare. */
const STATS = { contract: 0.3, law: 0.01, data: 0.5, dataset: 0.05, datum: 0.001 };

/** The statistics the statement reads (`endpoint_term_stats`), replaced by `stats`. */
async function useStatistics(stats: Record<string, number>): Promise<void> {
  const db = backend.deps.db;
  await db.execute(sql`delete from endpoint_term_stats`);
  await db.execute(
    sql`insert into endpoint_term_stats (lexeme, share)
        select key, value::float8 from jsonb_each_text(${JSON.stringify(stats)}::jsonb)`,
  );
}

async function derive(query: string, typed: string, stats: Record<string, number> = STATS) {
  await useStatistics(stats);
  const statement = backend.deps.db
    .select({
      terms: sql<string>`(with ${termsOfQuery} select json_agg(json_build_object('lexeme', lexeme, 'prefix', prefix,
        'matches', matches, 'common', common) order by ord)::text from terms)`,
      lookups: sql<string>`(with ${termsOfQuery} select json_agg(json_build_object('q', q::text, 'names', names,
        'priority', priority, 'complete', complete) order by priority desc, q::text)::text from lookups)`,
      derived: sql<string>`(with ${termsOfQuery} select json_build_object('all', all_terms::text,
        'count', term_count, 'rare', any_rare)::text from derived)`,
    })
    .from(sql`(select 1) as one`)
    .prepare(`search_terms_test_${Math.random().toString(36).slice(2)}`);
  const [row] = await statement.execute({
    query,
    typed,
    statsEndpoints: 20_000,
  });
  return {
    terms: JSON.parse(row?.terms ?? 'null') ?? [],
    lookups: (JSON.parse(row?.lookups ?? 'null') ?? []) as Lookup[],
    derived: JSON.parse(row?.derived ?? 'null'),
  };
}

/** PostgreSQL's own text of a tsquery, so expectations can be written as the rules build them. */
async function canonical(lookups: Lookup[]): Promise<Lookup[]> {
  const out: Lookup[] = [];
  for (const lookup of lookups) {
    const rows = await backend.deps.db.execute(sql`select ${lookup.q}::tsquery::text as q`);
    const q = ((rows as unknown as { rows?: Array<{ q: string }> }).rows ??
      (rows as unknown as Array<{ q: string }>))[0]?.q;
    out.push({ ...lookup, q: q ?? '' });
  }
  return out.sort((x, y) => y.priority - x.priority || x.q.localeCompare(y.q));
}

function sorted(lookups: Lookup[]): Lookup[] {
  return [...lookups].sort((x, y) => y.priority - x.priority || x.q.localeCompare(y.q));
}

describe('search terms derived in SQL', () => {
  it('a single common word: one names-and-tags lookup, complete, no rare term', async () => {
    const { terms, lookups, derived } = await derive('contract', 'contract');
    expect(terms).toEqual([{ lexeme: 'contract', prefix: false, matches: 6000, common: true }]);
    expect(sorted(lookups)).toEqual(
      await canonical([{ q: "'contract'", names: true, priority: 3, complete: true }]),
    );
    expect(derived).toEqual({ all: "'contract'", count: 1, rare: false });
  });

  it('a rare word and a common word being typed: the prefix stays out of the whole-document lookup', async () => {
    const { terms, lookups, derived } = await derive('law contr', 'contr');
    expect(terms).toEqual([
      { lexeme: 'law', prefix: false, matches: 200, common: false },
      { lexeme: 'contr', prefix: true, matches: 6000, common: true },
    ]);
    expect(sorted(lookups)).toEqual(
      await canonical([
        { q: "'law' & 'contr':*", names: true, priority: 3, complete: false },
        { q: "'law'", names: false, priority: 2, complete: true },
        { q: "'law'", names: false, priority: 1, complete: false },
        { q: "'contr':*", names: true, priority: 1, complete: false },
      ]),
    );
    expect(derived.rare).toBe(true);
    expect(derived.count).toBe(2);
  });

  it('a rare word being typed matches as a prefix counting every common word it begins', async () => {
    const { terms } = await derive('datas', 'datas');
    // "datas" stems to `data`, a common whole word: matched as itself, not as a prefix.
    expect(terms).toEqual([{ lexeme: 'data', prefix: false, matches: 10000, common: true }]);
    const typed = await derive('hydrol', 'hydrol');
    expect(typed.terms).toEqual([{ lexeme: 'hydrol', prefix: true, matches: 0, common: false }]);
    const dat = await derive('law dat', 'dat');
    // `dat` begins data (0.5), dataset (0.05) and datum (0.001): 11,020 endpoints.
    expect(dat.terms[1]).toEqual({ lexeme: 'dat', prefix: true, matches: 11020, common: true });
  });

  it('three or more rare terms: all-but-one of the four rarest, and each of them, rarest first', async () => {
    const { terms, lookups } = await derive('alpha beta gamma delta epsilon law', '');
    expect(terms.map((term: { lexeme: string }) => term.lexeme)).toEqual([
      'alpha',
      'beta',
      'gamma',
      'delta',
      'epsilon',
      'law',
    ]);
    // Rarest first: the five unknown words (0 matches, in query order), then `law` (200).
    const rare = ["'alpha'", "'beta'", "'gamma'", "'delta'"];
    const allButOne = rare
      .map((_, left) => `(${rare.filter((__, i) => i !== left).join(' & ')})`)
      .join(' | ');
    const all = "'alpha' & 'beta' & 'gamma' & 'delta' & 'epsilon' & 'law'";
    expect(sorted(lookups)).toEqual(
      await canonical([
        { q: all, names: true, priority: 3, complete: false },
        { q: all, names: false, priority: 2, complete: true },
        { q: allButOne, names: false, priority: 1.5, complete: false },
        ...rare.map((q) => ({ q, names: false, priority: 1, complete: false })),
      ]),
    );
  });

  it('only the first twelve terms count; a query of stop words has none and no lookups', async () => {
    const words = 'one two three four five six seven eight nine ten eleven twelve thirteen fourteen';
    const { terms } = await derive(words, 'fourteen');
    expect(terms).toHaveLength(12);
    const none = await derive('what are the', 'the');
    expect(none.terms).toEqual([]);
    expect(none.lookups).toEqual([]);
    expect(none.derived).toEqual({ all: null, count: 1, rare: false });
  });
});
