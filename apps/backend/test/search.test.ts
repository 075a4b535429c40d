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
  await createEndpoint(backend, bob.access_token, { name: 'Contract Law Archive', archived: true });
  await createEndpoint(backend, bob.access_token, { name: 'Contract Law Private', visibility: 'private' });
});
afterAll(async () => {
  await backend.close();
});

const search = (json: Record<string, unknown>, token?: string) =>
  backend.api<SearchBody>('POST', '/api/v1/endpoints/search', { json, token });

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

  it('gives each result exactly the §16 score of its own row', async () => {
    const query = 'contract law';
    const res = await search({ query });
    expect(res.body.results.length).toBeGreaterThan(0);
    for (const result of res.body.results) {
      const [expected] = await executeRows<{ score: number }>(
        backend.deps.db,
        sql`select round((0.7 * r / (r + 1) + 0.3 * greatest(word_similarity(lower(${query}), lower(e.name)),
                                                          similarity(lower(${query}), u.username)))::numeric, 4)::float8 as score
            from endpoints e join users u on u.id = e.user_id,
                 lateral (select ts_rank_cd(e.search_vector, websearch_to_tsquery('english', ${query}), 32) as r) rank
            where e.id = ${result.id}`,
      );
      expect(result.relevance_score, result.name).toBe(Number(expected!.score));
    }
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
