import { createSilentLogger } from '@syfthub/service';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bm25Order, createReranker } from '../src/rerank';
import type { RetrievedDocument } from '../src/types';
import { postStream, ref, startAggregator, testConfig } from './helpers/aggregator';
import { documentsBody, json, modelBody, startSatellite, type TestSatellite } from './helpers/satellite';

const doc = (content: string, score: number | null, i: number): RetrievedDocument => ({
  path: `p/${i}`,
  content,
  score,
  metadata: {},
  sourceIndex: 0,
  docIndex: i,
});

describe('bm25Order', () => {
  it('orders by BM25, then satellite score, then aggregated order; non-matches last', () => {
    const docs = [
      doc('unrelated words', 0.99, 0),
      doc('termination clause', 0.1, 1),
      doc('termination clause', 0.5, 2),
      doc('other text', null, 3),
      doc('termination termination clause notice', 0.2, 4),
      doc('still unrelated', 0.99, 5),
    ];
    const ordered = bm25Order('termination notice', docs).map((d) => d.docIndex);
    expect(ordered).toEqual([4, 2, 1, 0, 5, 3]);
  });
});

/** An OpenAI-compatible embeddings stub: each text becomes [count("alpha"), count("beta")]. */
let embeddings: TestSatellite;
const batches: number[] = [];
let failing = false;

beforeAll(async () => {
  embeddings = await startSatellite((req, res) => {
    if (req.path === '/v1/models') return json(res, failing ? 500 : 200, { data: [] });
    if (failing) return json(res, 500, { error: 'down' });
    const input = (req.body as { input: string[] }).input;
    batches.push(input.length);
    const count = (t: string, w: string) => t.split(w).length - 1;
    return json(res, 200, {
      data: input
        .map((t, index) => ({ index, embedding: [count(t, 'alpha'), count(t, 'beta') + 0.01] }))
        .reverse(),
    });
  });
});
afterAll(() => embeddings.close());

describe('embedding reranker', () => {
  const config = () =>
    testConfig({
      AGGREGATOR_RERANKER: 'embedding',
      AGGREGATOR_EMBEDDINGS_BASE_URL: `${embeddings.url}/v1`,
      AGGREGATOR_EMBEDDINGS_MODEL: 'test-embed',
    });
  const input = (documents: RetrievedDocument[], keep: number | null) => ({
    query: 'alpha',
    documents,
    keep,
    signal: new AbortController().signal,
    correlationId: 'c',
    log: createSilentLogger(),
  });

  it('ranks by cosine similarity in batches of 64 and keeps top_k', async () => {
    batches.length = 0;
    const docs = Array.from({ length: 70 }, (_, i) =>
      doc(i === 42 ? 'alpha alpha' : i === 7 ? 'alpha beta' : 'beta', 0.5, i),
    );
    const out = await createReranker(config()).rerank(input(docs, 2));
    expect(out.used).toBe('embedding');
    expect(out.documents.map((d) => d.docIndex)).toEqual([42, 7]);
    expect(batches).toEqual([64, 7]);
    const sent = embeddings.requests.at(-1)!;
    expect(sent.body).toMatchObject({ model: 'test-embed' });
  });

  it('falls back to BM25 for the request when the API fails, and /ready reports it', async () => {
    failing = true;
    const reranker = createReranker(config());
    const out = await reranker.rerank(input([doc('beta', 0.9, 0), doc('alpha', 0.1, 1)], null));
    expect(out.used).toBe('bm25');
    expect(out.documents.map((d) => d.docIndex)).toEqual([1, 0]);
    expect(await reranker.embeddingsStatus()).toBe('error');
    failing = false;
    expect(await createReranker(config()).embeddingsStatus()).toBe('ok');
  });
});

describe('AGGREGATOR_RERANKER=none', () => {
  it('skips reranking events and prompts with grouped <documents> without citations', async () => {
    const sat = await startSatellite((req, res) =>
      req.path.includes('/model/')
        ? json(res, 200, modelBody('Answer citing [alice/docs].'))
        : json(
            res,
            200,
            documentsBody([
              { content: 'one', score: 0.2 },
              { content: 'two', score: 0.9 },
            ]),
          ),
    );
    const agg = await startAggregator({ AGGREGATOR_RERANKER: 'none' });
    const { events } = await postStream(agg.url, {
      prompt: 'q',
      model: ref(sat.url, 'model', 'bob'),
      data_sources: [ref(sat.url, 'docs', 'alice')],
      top_k: 1,
    });
    expect(events.map((e) => e.event)).toEqual([
      'retrieval_start',
      'source_complete',
      'retrieval_complete',
      'generation_start',
      'token',
      'done',
    ]);
    expect(events[2]!.data.total_documents).toBe(2);
    const done = events.at(-1)!.data;
    expect(Object.keys(done)).toEqual(['sources', 'retrieval_info', 'metadata']);
    expect(Object.values(done.sources as Record<string, { content: string }>).map((s) => s.content)).toEqual([
      'two',
      'one',
    ]);
    const prompt = (sat.requests.at(-1)!.body as { messages: Array<{ content: string }> }).messages[1]!
      .content;
    expect(prompt).toContain('<documents>\n<document index="1"><source>alice/docs</source>');
    expect(prompt).not.toContain('SOURCES:');
    await agg.stop();
    await sat.close();
  });
});
