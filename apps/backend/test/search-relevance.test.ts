import { executeRows, sql } from '@syfthub/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Account, createEndpoint, type EndpointJson, setEndpointColumns } from './endpoints-fixtures';
import { createTestBackend, type TestBackend } from './harness';
import {
  CATALOGUE_SIZE,
  type Catalogue,
  LIBRARY_HANDBOOK,
  LIBRARY_QUESTION,
  seedCatalogue,
} from './search-catalogue';

type Scored = EndpointJson & { relevance_score: number };
interface SearchBody {
  results: Scored[];
  total: number;
  query: string;
}

// 20,000 endpoints are seeded into real PostgreSQL; the embedded database would spend minutes on them.
describe.skipIf(!process.env.DATABASE_URL)(`search relevance among ${CATALOGUE_SIZE} endpoints (§16)`, () => {
  let backend: TestBackend;
  let catalogue: Catalogue;
  let librarian: Account;
  const ids: Record<string, number> = {};

  beforeAll(async () => {
    backend = await createTestBackend();
    catalogue = await seedCatalogue(backend);
    librarian = await backend.registerUser({ username: 'larchmere' });
    const counsel = await backend.registerUser({ username: 'counsel' });
    ids.handbook = (await createEndpoint(backend, librarian.access_token, LIBRARY_HANDBOOK)).id;
    ids.salvage = (
      await createEndpoint(backend, counsel.access_token, {
        name: 'Maritime Salvage Law',
        description: 'Rights of salvors and shipowners.',
        type: 'data_source',
      })
    ).id;
    ids.generalCounsel = (
      await createEndpoint(backend, counsel.access_token, {
        name: 'General Counsel',
        description: 'Answers on maritime salvage law, charter parties and shipping disputes.',
        type: 'data_source',
      })
    ).id;
    ids.contractLaw = (
      await createEndpoint(backend, counsel.access_token, { name: 'Contract Law', type: 'model' })
    ).id;
    ids.tagged = (
      await createEndpoint(backend, counsel.access_token, {
        name: 'Sundial Atlas',
        description: 'Old instruments.',
        tags: ['heliography'],
        type: 'data_source',
      })
    ).id;
    // The description match is the more starred one: only relevance may put the name first.
    await setEndpointColumns(backend, ids.generalCounsel, { starsCount: 90 });
  }, 120_000);
  afterAll(async () => {
    await backend?.close();
  });

  const search = async (json: Record<string, unknown>) => {
    const res = await backend.api<SearchBody>('POST', '/api/v1/endpoints/search', { json });
    expect(res.status, res.text).toBe(200);
    return res.body.results;
  };

  it('ranks the library handbook first for the question, scoring at least 0.5', async () => {
    const results = await search({ query: LIBRARY_QUESTION, top_k: 5, type: 'data_source' });
    expect(results[0]?.id).toBe(ids.handbook);
    expect(results[0]!.relevance_score).toBeGreaterThanOrEqual(0.5);
    expect(results.length).toBeLessThanOrEqual(5);
    for (const result of results) expect(['data_source', 'model_data_source']).toContain(result.type);
  });

  it('ranks endpoints with more of the question’s words higher', async () => {
    const results = await search({ query: LIBRARY_QUESTION, top_k: 20 });
    const scores = results.map((r) => r.relevance_score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    // After the handbook (three of the four words), shops with their opening hours (two) outrank the many code
    // libraries and central banks (one).
    const text = (r: Scored) => `${r.name} ${r.description} ${r.tags.join(' ')} ${r.readme}`.toLowerCase();
    const second = results[1]!;
    expect(text(second)).toMatch(/opening/);
    expect(text(second)).toMatch(/hours/);
    expect(results.length).toBeGreaterThan(5);
  });

  it('answers a question no source covers with nothing above 0.3', async () => {
    const results = await search({ query: 'How do I fix a puncture on my mountain bike?', top_k: 10 });
    expect(results.length).toBeGreaterThan(0);
    for (const result of results) expect(result.relevance_score, result.name).toBeLessThanOrEqual(0.3);
  });

  it('scores a single exact name high, above endpoints that only describe it', async () => {
    const salvage = await search({ query: 'Maritime Salvage Law' });
    expect(salvage.map((r) => r.id).slice(0, 2)).toEqual([ids.salvage, ids.generalCounsel]);
    expect(salvage[0]!.relevance_score).toBeGreaterThanOrEqual(0.9);
    // Words in thousands of endpoints: the exact name still comes first.
    const contract = await search({ query: 'Contract Law' });
    expect(contract[0]?.id).toBe(ids.contractLaw);
    expect(contract[0]!.relevance_score).toBe(1);
  });

  it('finds a name with a one-letter typo', async () => {
    expect((await search({ query: 'Maritme Salvage Law' }))[0]?.id).toBe(ids.salvage);
    expect((await search({ query: 'Larchmere Public Libary Handbook' }))[0]?.id).toBe(ids.handbook);
  });

  it('finds an owner’s endpoints by username, also with a typo', async () => {
    const owner = catalogue.ownerName(17);
    for (const query of [owner, owner.slice(0, 2) + owner.slice(3)]) {
      const results = await search({ query, top_k: 10 });
      expect(results).toHaveLength(10);
      for (const result of results) expect(result.owner_username, query).toBe(owner);
    }
  });

  it('finds endpoints by tag', async () => {
    expect((await search({ query: 'heliography' })).map((r) => r.id)).toEqual([ids.tagged]);
    const weather = await search({ query: 'radar', top_k: 10 });
    expect(weather).toHaveLength(10);
    for (const result of weather) expect(result.relevance_score).toBeGreaterThanOrEqual(0.9);
  });

  it('matches the word being typed as a prefix', async () => {
    expect((await search({ query: 'larchmere publ' }))[0]?.id).toBe(ids.handbook);
    expect((await search({ query: 'maritime salv' }))[0]?.id).toBe(ids.salvage);
  });

  it('looks terms up in a copy of PostgreSQL’s statistics of the search vectors', async () => {
    await search({ query: 'contract' });
    const [copy] = await executeRows<{ copied: number; listed: number; differing: number }>(
      backend.deps.db,
      sql`with listed as (
            select x.lexeme, x.share from pg_stats as s
              cross join lateral unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs) as x(lexeme, share)
            where s.schemaname = current_schema() and s.tablename = 'endpoints' and s.attname = 'search_vector'
              and x.lexeme is not null
          )
          select (select count(*) from endpoint_term_stats)::int as copied, (select count(*) from listed)::int as listed,
                 (select count(*) from listed full join endpoint_term_stats as t using (lexeme)
                  where listed.share is distinct from t.share)::int as differing`,
    );
    expect(copy?.listed).toBeGreaterThan(100);
    expect(copy).toEqual({ copied: copy?.listed, listed: copy?.listed, differing: 0 });
  });
});
