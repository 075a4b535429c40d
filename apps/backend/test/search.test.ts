import { executeRows, sql } from '@syfthub/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Account,
  createEndpoint,
  type EndpointJson,
  locsOf,
  setEndpointColumns,
} from './endpoints-fixtures';
import { createTestBackend, type TestBackend } from './harness';
import { LIBRARY_HANDBOOK, LIBRARY_QUESTION } from './search-catalogue';

type Scored = EndpointJson & { relevance_score: number };
interface SearchBody {
  results: Scored[];
  total: number;
  query: string;
}

let backend: TestBackend;
let alice: Account;
let bob: Account;

beforeAll(async () => {
  backend = await createTestBackend();
  alice = await backend.registerUser({ username: 'lexington' });
  bob = await backend.registerUser({ username: 'bobby' });
  await createEndpoint(backend, alice.access_token, {
    name: 'Contract Law',
    description: 'Answers questions about contracts.',
    type: 'data_source',
  });
  await createEndpoint(backend, bob.access_token, {
    name: 'General helper',
    description: 'Knows a little contract law and a lot of cooking.',
    type: 'model',
  });
  await createEndpoint(backend, bob.access_token, {
    name: 'Weather station',
    description: 'Forecasts.',
    tags: ['climate'],
    readme: 'Barometric pressure readings for every city.',
    type: 'model_data_source',
  });
  await createEndpoint(backend, bob.access_token, {
    name: 'Agent Smith',
    type: 'agent',
    description: 'An agent.',
  });
  const librarian = await backend.registerUser({ username: 'larchmere' });
  await createEndpoint(backend, librarian.access_token, LIBRARY_HANDBOOK);
  await createEndpoint(backend, bob.access_token, {
    name: 'Code Library',
    description: 'A python library for parsing dates.',
    type: 'data_source',
  });
  await createEndpoint(backend, bob.access_token, { name: 'Contract Law Archive', archived: true });
  await createEndpoint(backend, bob.access_token, { name: 'Contract Law Private', visibility: 'private' });
});
afterAll(async () => {
  await backend.close();
});

const search = (json: Record<string, unknown>, token?: string) =>
  backend.api<SearchBody>('POST', '/api/v1/endpoints/search', { json, token });

/** Field weights of the rule: name and tags (A), description (B), README (C). */
const FIELD_WEIGHTS: Record<string, number> = { A: 1, B: 0.8, C: 0.7 };

/**
 * The score docs/search.md gives an endpoint for a query, computed here from the endpoint's stored search vector
 * (parsed in JavaScript) and pg_trgm's similarity: max(name similarity, 0.9 × coverage + 0.1 × name similarity,
 * 0.8 × owner similarity for queries of at most 40 characters), coverage being the mean over the query's terms of
 * the weight of the best field containing each (the last word, when the query ends inside it, as a prefix).
 */
async function expectedScore(query: string, id: number): Promise<number> {
  const text = query.toLowerCase();
  const [row] = await executeRows<{ vector: string; name_similarity: number; owner_similarity: number }>(
    backend.deps.db,
    sql`select e.search_vector::text as vector, similarity(${text}, lower(e.name)) as name_similarity,
               similarity(${text}, u.username) as owner_similarity
        from endpoints e join users u on u.id = e.user_id where e.id = ${id}`,
  );
  const lexemes = await executeRows<{ lexeme: string; last: boolean }>(
    backend.deps.db,
    sql`select lexeme, positions[1] = max(positions[1]) over () as last
        from unnest(to_tsvector('english', ${query})) order by positions[1]`,
  );
  const typing = /[a-z0-9]$/i.test(query);
  const weightsOf = new Map<string, string>();
  for (const [, lexeme, positions] of row!.vector.matchAll(/'((?:[^']|'')*)':([0-9A-D,]+)/g)) {
    weightsOf.set(lexeme!.replaceAll("''", "'"), positions!.replace(/[0-9,]/g, '') || 'D');
  }
  const best = (term: string, prefix: boolean) => {
    let weight = 0;
    for (const [lexeme, marks] of weightsOf) {
      if (prefix ? !lexeme.startsWith(term) : lexeme !== term) continue;
      for (const mark of marks) weight = Math.max(weight, FIELD_WEIGHTS[mark] ?? 0);
      // A position without a letter has weight D, which no field of the document uses.
    }
    return weight;
  };
  const coverage = lexemes.length
    ? lexemes.reduce((sum, { lexeme, last }) => sum + best(lexeme, typing && last), 0) / lexemes.length
    : 0;
  const name = Number(row!.name_similarity);
  const owner = text.length <= 40 ? 0.8 * Number(row!.owner_similarity) : 0;
  return Number(Math.max(name, 0.9 * coverage + 0.1 * name, owner).toFixed(4));
}

describe('POST /api/v1/endpoints/search (§16)', () => {
  it('ranks an exact name match above a description match, with scores in [0, 1] per row', async () => {
    const res = await search({ query: 'contract law' });
    expect(res.status).toBe(200);
    expect(res.body.query).toBe('contract law');
    expect(res.body.results.map((r) => r.name)).toEqual(['Contract Law', 'General helper']);
    expect(res.body.total).toBe(2);
    const [top, second] = res.body.results;
    expect(top!.relevance_score).toBeGreaterThan(second!.relevance_score);
    for (const result of res.body.results) {
      expect(result.relevance_score).toBeGreaterThanOrEqual(0.05);
      expect(result.relevance_score).toBeLessThanOrEqual(1);
      expect(Number(result.relevance_score.toFixed(4))).toBe(result.relevance_score);
      expect(result).toHaveProperty('contributors_count');
      expect(result).not.toHaveProperty('user_id');
    }
  });

  it('gives each result exactly its own score under the rule of docs/search.md', async () => {
    for (const query of ['contract law', 'Contract Law', 'knows cooking and weather', 'lexingtn', 'contr']) {
      const res = await search({ query, top_k: 50 });
      expect(res.body.results.length, query).toBeGreaterThan(0);
      for (const result of res.body.results) {
        expect(result.relevance_score, `${query}: ${result.name}`).toBe(
          await expectedScore(query, result.id),
        );
      }
    }
  });

  it('answers a question with the source that covers it, scoring at least 0.5 (issue 21)', async () => {
    const res = await search({ query: LIBRARY_QUESTION, top_k: 5, type: 'data_source' });
    expect(res.status).toBe(200);
    expect(res.body.query).toBe(LIBRARY_QUESTION);
    const [first, ...rest] = res.body.results;
    expect(first?.name).toBe(LIBRARY_HANDBOOK.name);
    expect(first!.relevance_score).toBeGreaterThanOrEqual(0.5);
    // One word of four ("library") is a match, not an answer.
    expect(rest.map((r) => r.name)).toEqual(['Code Library']);
    expect(rest[0]!.relevance_score).toBeLessThan(0.3);
  });

  it('scores a question no source covers below 0.3, and a single exact name at 1', async () => {
    const res = await search({ query: 'How do I fix a puncture on my mountain bike?' });
    expect(res.status).toBe(200);
    for (const result of res.body.results) expect(result.relevance_score).toBeLessThanOrEqual(0.3);
    const exact = await search({ query: 'Larchmere Public Library Handbook' });
    expect(exact.body.results[0]?.name).toBe(LIBRARY_HANDBOOK.name);
    expect(exact.body.results[0]?.relevance_score).toBe(1);
  });

  it('matches any meaningful word, stop words dropped, more matching words ranking higher', async () => {
    const names = async (query: string) => (await search({ query })).body.results.map((r) => r.name);
    expect(await names('who knows about weather or cooking?')).toEqual(['General helper', 'Weather station']);
    expect(await names('cooking')).toEqual(['General helper']);
    expect(await names('what is the')).toEqual([]);
  });

  it('finds a name with a one-letter typo and an owner by a similar username', async () => {
    expect((await search({ query: 'wether station' })).body.results.map((r) => r.name)).toEqual([
      'Weather station',
    ]);
    expect((await search({ query: 'contrcat law' })).body.results[0]?.name).toBe('Contract Law');
    expect((await search({ query: 'lexingtn' })).body.results.map((r) => r.name)).toEqual(['Contract Law']);
  });

  it('searches tags and READMEs through the full-text document', async () => {
    expect((await search({ query: 'climate' })).body.results.map((r) => r.name)).toEqual(['Weather station']);
    expect((await search({ query: 'barometric pressure' })).body.results.map((r) => r.name)).toEqual([
      'Weather station',
    ]);
  });

  it('filters by type, letting model and data_source match the hybrid type', async () => {
    const names = async (type: string, query: string) =>
      (await search({ query, type })).body.results.map((r) => r.name).sort();
    expect(await names('model', 'weather station')).toEqual(['Weather station']);
    expect(await names('data_source', 'weather station')).toEqual(['Weather station']);
    expect(await names('agent', 'weather station')).toEqual([]);
    expect(await names('model_data_source', 'contract law')).toEqual([]);
    expect(await names('data_source', 'contract law')).toEqual(['Contract Law']);
  });

  it('honours top_k, orders ties by stars then id, and drops what scores below the minimum', async () => {
    const owner = await backend.registerUser();
    const a = await createEndpoint(backend, owner.access_token, { name: 'Zephyr Gadget' });
    const b = await createEndpoint(backend, owner.access_token, { name: 'Zephyr Gadget' });
    const c = await createEndpoint(backend, owner.access_token, { name: 'Zephyr Gadget' });
    await setEndpointColumns(backend, b.id, { starsCount: 9 });
    const res = await search({ query: 'zephyr gadget', top_k: 2 });
    expect(res.body.results.map((r) => r.id)).toEqual([b.id, c.id]);
    expect(res.body.total).toBe(2);
    expect(a.id).toBeLessThan(c.id);
    expect((await search({ query: 'qqqqxxxx' })).body).toEqual({ results: [], total: 0, query: 'qqqqxxxx' });
    expect((await search({ query: 'the and of' })).status).toBe(200);
  });

  it('never lists archived, private or inactive endpoints', async () => {
    const names = (
      await search({ query: 'contract law archive private' }, alice.access_token)
    ).body.results.map((r) => r.name);
    expect(names).not.toContain('Contract Law Archive');
    expect(names).not.toContain('Contract Law Private');
  });

  it("include_own adds the signed-in caller's own private endpoints, never anyone else's", async () => {
    const query = { query: 'contract law private', include_own: true };
    const mine = (await search(query, bob.access_token)).body.results;
    const own = mine.find((r) => r.name === 'Contract Law Private');
    expect(own?.relevance_score).toBeGreaterThan(0.5);
    expect(mine.map((r) => r.name)).not.toContain('Contract Law Archive');
    for (const token of [alice.access_token, undefined]) {
      const names = (await search(query, token)).body.results.map((r) => r.name);
      expect(names).not.toContain('Contract Law Private');
      expect(names).toContain('Contract Law');
    }
    const withoutFlag = (await search({ query: 'contract law private' }, bob.access_token)).body.results;
    expect(withoutFlag.map((r) => r.name)).not.toContain('Contract Law Private');
    expect(locsOf((await search({ query: 'x', include_own: 'yes' })).body)).toEqual([
      ['body', 'include_own'],
    ]);
  });

  it('validates the body and accepts read-scoped tokens', async () => {
    expect(locsOf((await search({ query: '' })).body)).toEqual([['body', 'query']]);
    expect(locsOf((await search({ query: 'x'.repeat(1001) })).body)).toEqual([['body', 'query']]);
    expect(locsOf((await search({ query: 'x', top_k: 51 })).body)).toEqual([['body', 'top_k']]);
    expect(locsOf((await search({ query: 'x', type: 'robot' })).body)).toEqual([['body', 'type']]);
    const { createApiToken } = await import('./endpoints-fixtures');
    const read = await createApiToken(backend, alice.access_token, ['read']);
    expect((await search({ query: 'contract' }, read)).status).toBe(200);
    expect((await search({ query: "'); drop table endpoints; --" })).status).toBe(200);
  });
});
