import type http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  openStream,
  postChat,
  postStream,
  type RunningAggregator,
  ref,
  type SseEvent,
  startAggregator,
} from './helpers/aggregator';
import {
  documentsBody,
  json,
  modelBody,
  type SeenRequest,
  sleep,
  startSatellite,
  streamChunks,
  type TestSatellite,
} from './helpers/satellite';

const CHARGED = (amount: number) => ({
  outcome: 'success',
  entries: [{ policy_type: 'per_request_fee', kind: 'payment', status: 'charged', amount, currency: 'USD' }],
});

type Behaviour = (req: SeenRequest, res: http.ServerResponse, n: number) => unknown;

/** One satellite whose slugs are scripted per test. */
const behaviours = new Map<string, Behaviour>([
  [
    'legal',
    async (_req, res) => {
      await sleep(60);
      json(
        res,
        200,
        documentsBody(
          [
            {
              content: 'Clause 7 covers termination of the contract.',
              title: 'ACME › Termination',
              score: 0.9,
            },
            { content: 'Payment terms are net 30.', title: 'ACME › Payment', score: 0.5 },
          ],
          CHARGED(0.002),
        ),
      );
    },
  ],
  ['broken', (_req, res) => json(res, 404, { detail: 'Endpoint not found' })],
  [
    'wiki',
    (_req, res) =>
      json(res, 200, documentsBody([{ content: 'Termination ends the contract early.', score: 0.8 }])),
  ],
  ['empty', (_req, res) => json(res, 200, documentsBody([]))],
  [
    'denied',
    (_req, res) =>
      json(res, 403, {
        detail: 'This endpoint requires a signed-in SyftHub user',
        policy_metadata: {
          outcome: 'access_denied',
          entries: [{ policy_type: 'signed_in_only', kind: 'access', status: 'rejected' }],
        },
      }),
  ],
  ['hang', () => {}],
  [
    'streamer',
    (_req, res) =>
      streamChunks(res, ['Clause 7 ', 'covers termination. ', '[cite:1,3]'], {
        gapMs: 250,
        final: {
          usage: { prompt_tokens: 10, completion_tokens: 3, total_tokens: 13 },
          policy_metadata: CHARGED(0.01),
        },
      }),
  ],
  [
    'json-model',
    (_req, res) =>
      json(res, 200, modelBody('Clause 7 covers termination. [cite:1]', { usage: { total_tokens: 5 } })),
  ],
  [
    'slow-json-model',
    async (_req, res) => {
      await sleep(450);
      json(res, 200, modelBody('Late answer.'));
    },
  ],
  ['long-model', (_req, res) => json(res, 200, modelBody(`${'λ'.repeat(20_000)} end`))],
  ['model-403', (_req, res) => json(res, 403, { detail: 'Model is private', policy_metadata: CHARGED(0.5) })],
  ['model-402', (_req, res) => json(res, 402, { detail: 'pay' })],
  [
    'model-html',
    (_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<html>bad gateway</html>');
    },
  ],
  [
    'model-html-200',
    (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!DOCTYPE html><p>offline</p>');
    },
  ],
  [
    'model-invalid',
    (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('nope');
    },
  ],
  [
    'model-flaky',
    (_req, res, n) => (n === 1 ? json(res, 502, { detail: 'x' }) : json(res, 200, modelBody('Recovered.'))),
  ],
  [
    'model-midstream-error',
    async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: ${JSON.stringify({ choices: [{ delta: { content: 'Partial ' } }] })}\n\n`);
      await sleep(50);
      res.write(`data: ${JSON.stringify({ error: { message: 'upstream exploded' } })}\n\n`);
      res.end('data: [DONE]\n\n');
    },
  ],
  [
    'model-compat',
    (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
      res.write('data: {"content":"a"}\r\n\r\n');
      res.write('data: {"text":"b"}\n\n');
      res.write('data: {"summary":{"message":{"content":"c"}}}\n\n');
      res.write('data: raw d\n\n');
      res.end('data: [DONE]\n\n');
    },
  ],
  [
    'model-slow-stream',
    (_req, res) =>
      streamChunks(
        res,
        Array.from({ length: 40 }, (_, i) => `w${i} `),
        { gapMs: 100 },
      ),
  ],
]);

let sat: TestSatellite;
let agg: RunningAggregator;
const requestsTo = (slug: string) => sat.requests.filter((r) => r.path === `/api/v1/endpoints/${slug}/query`);

beforeAll(async () => {
  sat = await startSatellite((req, res, n) => {
    const slug = req.path.split('/')[4] ?? '';
    const behaviour = behaviours.get(slug);
    if (!behaviour) return json(res, 500, { detail: `no behaviour for ${slug}` });
    return behaviour(req, res, requestsTo(slug).length || n);
  });
  agg = await startAggregator({
    AGGREGATOR_HEARTBEAT_INTERVAL_MS: '100',
    AGGREGATOR_GENERATION_TIMEOUT: '1',
  });
});

afterAll(async () => {
  await agg.stop();
  await sat.close();
});

const names = (events: SseEvent[]) => events.map((e) => e.event);
const model = (slug: string) => ref(sat.url, slug, 'bob');
const source = (slug: string, owner = 'alice') => ref(sat.url, slug, owner);

describe('event sequence (§4.3)', () => {
  it('streams the full pipeline with real tokens, citations, profit share and billing', async () => {
    const { res, events, text } = await postStream(agg.url, {
      prompt: 'What does clause 7 cover about termination?',
      model: model('streamer'),
      data_sources: [source('legal'), source('broken'), source('wiki', 'carol')],
      top_k: 3,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('x-accel-buffering')).toBe('no');
    expect(res.headers.get('x-correlation-id')).toBeTruthy();
    expect(res.headers.get('content-encoding')).toBeNull();
    expect(text).not.toMatch(/^:/m);

    expect(names(events)).toEqual([
      'retrieval_start',
      'source_complete',
      'source_complete',
      'source_complete',
      'reranking_start',
      'reranking_complete',
      'retrieval_complete',
      'generation_start',
      'token',
      'token',
      'token',
      'done',
    ]);
    expect(events[0]!.data).toEqual({ sources: 3 });
    // Completion order: the slow source (60 ms) finishes last.
    expect(events.slice(1, 4).map((e) => e.data)).toEqual([
      expect.objectContaining({ status: expect.any(String) }),
      expect.objectContaining({ status: expect.any(String) }),
      { path: 'alice/legal', status: 'success', documents: 2 },
    ]);
    expect(
      events
        .slice(1, 3)
        .map((e) => e.data)
        .sort((a, b) => String(a.path).localeCompare(String(b.path))),
    ).toEqual([
      { path: 'alice/broken', status: 'error', documents: 0 },
      { path: 'carol/wiki', status: 'success', documents: 1 },
    ]);
    expect(events[4]!.data).toEqual({ documents: 3 });
    expect(events[5]!.data).toEqual({ documents: 3, time_ms: expect.any(Number) });
    expect(events[6]!.data).toEqual({ total_documents: 3, time_ms: expect.any(Number) });
    expect(events[6]!.data.time_ms as number).toBeGreaterThanOrEqual(55);
    expect(events[7]!.data).toEqual({ model: 'bob/streamer' });
    expect(events.slice(8, 11).map((e) => e.data.content)).toEqual([
      'Clause 7 ',
      'covers termination. ',
      '[cite:1,3]',
    ]);

    const done = events.at(-1)!.data as Record<string, unknown>;
    expect(Object.keys(done)).toEqual([
      'sources',
      'retrieval_info',
      'metadata',
      'usage',
      'profit_share',
      'response',
      'billing',
    ]);
    // BM25 over the union ranks the two termination passages first; numbering follows `sources` order.
    expect(Object.entries(done.sources as object)).toEqual([
      [
        'ACME › Termination',
        { slug: 'alice/legal', content: 'Clause 7 covers termination of the contract.' },
      ],
      ['Document from carol/wiki', { slug: 'carol/wiki', content: 'Termination ends the contract early.' }],
      ['ACME › Payment', { slug: 'alice/legal', content: 'Payment terms are net 30.' }],
    ]);
    expect(done.retrieval_info).toEqual([
      { path: 'alice/legal', documents_retrieved: 2, status: 'success', error_message: null },
      {
        path: 'alice/broken',
        documents_retrieved: 0,
        status: 'error',
        error_message: 'HTTP 404: Endpoint not found',
      },
      { path: 'carol/wiki', documents_retrieved: 1, status: 'success', error_message: null },
    ]);
    expect(done.metadata).toEqual({
      retrieval_time_ms: expect.any(Number),
      generation_time_ms: expect.any(Number),
      total_time_ms: expect.any(Number),
    });
    expect(done.usage).toEqual({ prompt_tokens: 10, completion_tokens: 3, total_tokens: 13 });
    expect(done.response).toBe('Clause 7 covers termination. [cite:1,3-0:28]');
    // One group citing two numbers from the same path: one distinct path, weight 1.0.
    expect(done.profit_share).toEqual({ 'alice/legal': 1, 'carol/wiki': 0 });
    expect(done.billing).toEqual({
      total_cost: 0.012,
      currency: 'USD',
      entries: [
        expect.objectContaining({ source: 'alice/legal', amount: 0.002 }),
        expect.objectContaining({ source: 'bob/streamer', amount: 0.01 }),
      ],
    });

    const modelCall = requestsTo('streamer').at(-1)!;
    expect(modelCall.headers.accept).toBe('text/event-stream, application/json');
    const body = modelCall.body as { messages: Array<{ role: string; content: string }> } & Record<
      string,
      unknown
    >;
    expect(body).toMatchObject({ max_tokens: 1024, temperature: 0.7, stream: true, stop_sequences: [] });
    expect(body.messages.map((m) => m.role)).toEqual(['system', 'user']);
    expect(body.messages[1]!.content).toContain(
      'SOURCES:\n[1]: Clause 7 covers termination of the contract.\n[2]: Termination ends the contract early.\n[3]: Payment terms are net 30.',
    );
    expect(
      body.messages[1]!.content.endsWith(
        '\n\n---\nUSER QUESTION:\nWhat does clause 7 cover about termination?\n---',
      ),
    ).toBe(true);
  });

  it('forwards tokens as the model produces them, long before it finishes', async () => {
    const s = await openStream(agg.url, {
      prompt: 'clause 7',
      model: model('streamer'),
      data_sources: [source('wiki')],
    });
    await s.finished;
    const tokens = s.events.filter((e) => e.event === 'token');
    const done = s.events.find((e) => e.event === 'done')!;
    expect(tokens).toHaveLength(3);
    // The model pauses 250 ms after each piece: the first token must not wait for the rest.
    expect(done.at - tokens[0]!.at).toBeGreaterThan(400);
    expect(tokens[1]!.at - tokens[0]!.at).toBeGreaterThan(150);
  });

  it('accepts compatible chunk shapes and raw text lines', async () => {
    const { events } = await postStream(agg.url, { prompt: 'q', model: model('model-compat') });
    expect(events.filter((e) => e.event === 'token').map((e) => e.data.content)).toEqual([
      'a',
      'b',
      'c',
      'raw d',
    ]);
  });

  it('sends heartbeats only while waiting for the first token, then the whole JSON answer', async () => {
    const { events } = await postStream(agg.url, { prompt: 'q', model: model('slow-json-model') });
    const seq = names(events);
    expect(seq.slice(0, 3)).toEqual(['retrieval_start', 'retrieval_complete', 'generation_start']);
    const beats = events.filter((e) => e.event === 'generation_heartbeat');
    expect(beats.length).toBeGreaterThanOrEqual(3);
    expect(beats.length).toBeLessThanOrEqual(5);
    const elapsed = beats.map((b) => b.data.elapsed_ms as number);
    expect(elapsed).toEqual([...elapsed].sort((a, b) => a - b));
    expect(elapsed[0]).toBeGreaterThanOrEqual(90);
    expect(seq.lastIndexOf('generation_heartbeat')).toBeLessThan(seq.indexOf('token'));
    expect(seq.slice(-2)).toEqual(['token', 'done']);
    const done = events.at(-1)!.data;
    // No data sources: no citation pipeline, so no response or profit_share; no usage reported.
    expect(Object.keys(done)).toEqual(['sources', 'retrieval_info', 'metadata']);
  });

  it('splits a long non-streamed answer into tokens of at most 8,000 characters', async () => {
    const { events, text } = await postStream(agg.url, { prompt: 'q', model: model('long-model') });
    const tokens = events.filter((e) => e.event === 'token').map((e) => e.data.content as string);
    expect(tokens.length).toBe(3);
    expect(tokens.every((t) => t.length <= 8000)).toBe(true);
    expect(tokens.join('')).toBe(`${'λ'.repeat(20_000)} end`);
    for (const line of text.split('\n')) expect(Buffer.byteLength(line)).toBeLessThan(64 * 1024);
  });

  it('goes from retrieval_complete straight to done for retrieval_only', async () => {
    const { events } = await postStream(agg.url, {
      prompt: 'termination',
      model: { url: '', slug: '', name: 'retrieval-only', tenant_name: null, owner_username: null },
      retrieval_only: true,
      top_k: 1,
      data_sources: [source('legal'), source('wiki')],
    });
    expect(names(events)).toEqual([
      'retrieval_start',
      'source_complete',
      'source_complete',
      'reranking_start',
      'reranking_complete',
      'retrieval_complete',
      'done',
    ]);
    // Retrieval-only keeps every document (reordered), not just top_k.
    expect(events[4]!.data.documents).toBe(3);
    const done = events.at(-1)!.data;
    expect(Object.keys(done)).toEqual(['sources', 'retrieval_info', 'metadata', 'billing']);
    expect(Object.keys(done.sources as object)).toHaveLength(3);
    expect((done.metadata as { generation_time_ms: number }).generation_time_ms).toBe(0);
  });

  it('reports sources that returned nothing and skips reranking', async () => {
    const { events } = await postStream(agg.url, {
      prompt: 'q',
      model: model('json-model'),
      data_sources: [source('empty')],
    });
    expect(names(events)).toEqual([
      'retrieval_start',
      'source_complete',
      'retrieval_complete',
      'generation_start',
      'token',
      'done',
    ]);
    expect(events[2]!.data).toEqual({ total_documents: 0, time_ms: expect.any(Number) });
    const prompt = (requestsTo('json-model').at(-1)!.body as { messages: Array<{ content: string }> })
      .messages[1]!.content;
    expect(prompt).toMatch(/returned any documents/);
  });
});

describe('errors and termination (§4.5)', () => {
  it('ends with one error naming denied sources, before any generation', async () => {
    const before = requestsTo('json-model').length;
    const { events } = await postStream(agg.url, {
      prompt: 'q',
      model: model('json-model'),
      data_sources: [source('denied'), source('wiki')],
    });
    expect(names(events)).toEqual(['retrieval_start', 'source_complete', 'source_complete', 'error']);
    expect(events.at(-1)!.data).toEqual({
      message:
        'Data source access denied for: alice/denied. Remove these data sources from your request, or satisfy ' +
        "the publisher's access policy and try again. Details — alice/denied: This endpoint requires a signed-in SyftHub user",
      billing: {
        total_cost: null,
        currency: null,
        entries: [
          { policy_type: 'signed_in_only', kind: 'access', status: 'rejected', source: 'alice/denied' },
        ],
      },
    });
    expect(requestsTo('json-model').length).toBe(before);
  });

  it.each([
    ['model-403', 'Model generation failed: Model access denied: Model is private'],
    [
      'model-402',
      'Model generation failed: Payment required by bob/model-402; payments are not supported by this deployment.',
    ],
    [
      'model-html',
      "Model generation failed: The model endpoint 'bob/model-html' is currently unreachable. Please contact the endpoint owner.",
    ],
    [
      'model-html-200',
      "Model generation failed: The model endpoint 'bob/model-html-200' is currently unreachable. Please contact the endpoint owner.",
    ],
    ['model-invalid', 'Model generation failed: Model returned invalid JSON'],
    ['hang', 'Model generation failed: Model request timed out'],
  ])('maps %s to an error event', async (slug, message) => {
    const { events } = await postStream(agg.url, { prompt: 'q', model: model(slug) });
    const seq = names(events).filter((n) => n !== 'generation_heartbeat');
    expect(seq).toEqual(['retrieval_start', 'retrieval_complete', 'generation_start', 'error']);
    expect(events.at(-1)!.data.message).toBe(message);
  });

  it('attaches billing from sources and the failed model to the error', async () => {
    const { events } = await postStream(agg.url, {
      prompt: 'q',
      model: model('model-403'),
      data_sources: [source('legal')],
    });
    expect(events.at(-1)!.data.billing).toMatchObject({
      total_cost: 0.502,
      currency: 'USD',
      entries: [
        expect.objectContaining({ source: 'alice/legal' }),
        expect.objectContaining({ source: 'bob/model-403' }),
      ],
    });
  });

  it('fails tunnelled models without calling anything', async () => {
    const { events } = await postStream(agg.url, { prompt: 'q', model: ref('tunneling:bob', 'm', 'bob') });
    expect(events.at(-1)).toEqual({
      event: 'error',
      data: { message: 'Model generation failed: Tunnelled endpoints are not supported by this aggregator.' },
    });
  });

  it('retries a 5xx model before any token and then streams the answer', async () => {
    const before = requestsTo('model-flaky').length;
    const { events } = await postStream(agg.url, { prompt: 'q', model: model('model-flaky') });
    expect(names(events).slice(-2)).toEqual(['token', 'done']);
    expect(requestsTo('model-flaky').length - before).toBe(2);
  });

  it('keeps tokens already sent and reports a mid-stream failure after them', async () => {
    const { events } = await postStream(agg.url, { prompt: 'q', model: model('model-midstream-error') });
    expect(names(events).slice(-2)).toEqual(['token', 'error']);
    expect(events.at(-2)!.data).toEqual({ content: 'Partial ' });
    expect(events.at(-1)!.data).toEqual({
      message: 'Model generation failed: Model stream interrupted: upstream exploded',
    });
  });

  it('sends an error event with the correlation id on an internal failure', async () => {
    const broken = await startAggregator(
      {},
      {
        reportFailure: () => {
          throw new Error('reporter bug');
        },
      },
    );
    const { res, events } = await postStream(broken.url, {
      prompt: 'q',
      model: model('json-model'),
      data_sources: [source('broken')],
    });
    const id = res.headers.get('x-correlation-id');
    expect(names(events)).toEqual(['retrieval_start', 'error']);
    expect(events.at(-1)!.data).toEqual({ message: `Internal error (correlation id ${id}).` });
    await broken.stop();
  });
});

describe('deadlines and cancellation', () => {
  let short: RunningAggregator;
  beforeAll(async () => {
    short = await startAggregator({ AGGREGATOR_TOTAL_TIMEOUT: '0.6' });
  });
  afterAll(() => short.stop());

  it('ends the stream with the total-timeout error and aborts the model call', async () => {
    const started = performance.now();
    const { events } = await postStream(short.url, { prompt: 'q', model: model('hang') });
    expect(performance.now() - started).toBeLessThan(2000);
    expect(events.at(-1)).toEqual({
      event: 'error',
      data: { message: 'The request exceeded the total time limit of 0.6 s.' },
    });
    await expect.poll(() => requestsTo('hang').at(-1)?.aborted).toBe(true);
  });

  it('answers 504 on the JSON route at the total timeout', async () => {
    const r = await postChat(short.url, {
      prompt: 'q',
      model: model('hang'),
      data_sources: [source('wiki')],
    });
    expect(r.res.status).toBe(504);
    expect(r.body).toEqual({ detail: 'The request exceeded the total time limit of 0.6 s.' });
  });

  it('aborts outstanding retrieval when the client disconnects', async () => {
    const s = await openStream(agg.url, {
      prompt: 'q',
      model: model('json-model'),
      data_sources: [source('hang')],
    });
    await s.waitFor('retrieval_start');
    await expect.poll(() => requestsTo('hang').length).toBeGreaterThan(0);
    const call = requestsTo('hang').at(-1)!;
    s.abort();
    await expect.poll(() => call.aborted).toBe(true);
  });

  it('aborts a streaming model call when the client disconnects mid-answer', async () => {
    const s = await openStream(agg.url, { prompt: 'q', model: model('model-slow-stream') });
    await s.waitFor('token');
    const call = requestsTo('model-slow-stream').at(-1)!;
    s.abort();
    await expect.poll(() => call.aborted, { timeout: 2000 }).toBe(true);
    expect(s.events.filter((e) => e.event === 'token').length).toBeLessThan(10);
  });
});

describe('64 KiB line limit (§4.7)', () => {
  it('keeps every line short by truncating done contents', async () => {
    const big = await startSatellite((req, res) => {
      if (req.path.includes('/model/')) return json(res, 200, modelBody('Short answer. [cite:1]'));
      return json(
        res,
        200,
        documentsBody(
          Array.from({ length: 20 }, (_, i) => ({ content: `${'word '.repeat(4000)}${i}`, title: `D${i}` })),
        ),
      );
    });
    const { events, text } = await postStream(agg.url, {
      prompt: 'word',
      model: ref(big.url, 'model', 'bob'),
      data_sources: [ref(big.url, 'docs', 'alice')],
      top_k: 20,
    });
    await big.close();
    for (const line of text.split('\n')) expect(Buffer.byteLength(line)).toBeLessThan(64 * 1024);
    const done = events.at(-1)!;
    expect(done.event).toBe('done');
    const contents = Object.values(done.data.sources as Record<string, { content: string }>).map(
      (s) => s.content,
    );
    expect(contents).toHaveLength(20);
    expect(contents.every((c) => c.length <= 4001 && c.endsWith('…'))).toBe(true);
    expect(done.data.response).toBe('Short answer. [cite:1-0:13]');
  });
});

describe('transport details', () => {
  it('answers CORS for an allowed origin on the stream', async () => {
    const res = await fetch(`${agg.url}/api/v1/chat/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'http://localhost:3000' },
      body: JSON.stringify({ prompt: 'q', model: model('json-model') }),
    });
    expect(res.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
    expect(res.headers.get('access-control-expose-headers')).toContain('X-Correlation-ID');
    await res.text();
  });

  it('asks for a JSON answer when model streaming is disabled', async () => {
    const plain = await startAggregator({ AGGREGATOR_MODEL_STREAMING_ENABLED: 'false' });
    const { events } = await postStream(plain.url, { prompt: 'q', model: model('json-model') });
    expect(names(events).slice(-2)).toEqual(['token', 'done']);
    const call = requestsTo('json-model').at(-1)!;
    expect((call.body as { stream: boolean }).stream).toBe(false);
    expect(call.headers.accept).toBe('application/json');
    await plain.stop();
  });

  it('streams through a web ReadableStream when no Node response is available', async () => {
    const { createApp } = await import('../src/app');
    const { createSilentLogger } = await import('@syfthub/service');
    const { testConfig, parseSse } = await import('./helpers/aggregator');
    const app = createApp({ config: testConfig(), logger: createSilentLogger(), reportFailure: null });
    const res = await app.request('/api/v1/chat/stream', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-correlation-id': 'web-1' },
      body: JSON.stringify({ prompt: 'q', model: model('json-model'), data_sources: [source('wiki')] }),
    });
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(res.headers.get('x-correlation-id')).toBe('web-1');
    expect(names(parseSse(await res.text()))).toEqual([
      'retrieval_start',
      'source_complete',
      'reranking_start',
      'reranking_complete',
      'retrieval_complete',
      'generation_start',
      'token',
      'done',
    ]);
  });
});
