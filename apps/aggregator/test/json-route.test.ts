import { createMetrics } from '@syfthub/service';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postChat, postStream, type RunningAggregator, ref, startAggregator } from './helpers/aggregator';
import { documentsBody, json, modelBody, startSatellite, type TestSatellite } from './helpers/satellite';

let sat: TestSatellite;
let agg: RunningAggregator;

beforeAll(async () => {
  sat = await startSatellite((req, res) => {
    const slug = req.path.split('/')[4];
    if (slug === 'docs') {
      return json(
        res,
        200,
        documentsBody(
          [
            { content: 'Clause 7 covers termination.', title: 'Termination', score: 0.9 },
            { content: 'Clause 8 covers payment.', title: 'Termination', score: 0.8 },
          ],
          {
            outcome: 'success',
            entries: [{ policy_type: 'fee', kind: 'payment', status: 'charged', amount: 1, currency: 'USD' }],
          },
        ),
      );
    }
    if (slug === 'denied') return json(res, 403, { detail: 'members only' });
    if (slug === 'model') {
      const body = req.body as { stream: boolean; messages: Array<{ content: string }> };
      const text = body.messages.at(-1)!.content.includes('SOURCES:')
        ? 'Clause 7 covers termination. [cite:1] Payment is clause 8 [cite:2].'
        : 'No sources.';
      return json(
        res,
        200,
        modelBody(text, { usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 } }),
      );
    }
    if (slug === 'model-500') return json(res, 500, { detail: 'kaput' });
    return json(res, 404, { detail: 'nope' });
  });
  agg = await startAggregator();
});

afterAll(async () => {
  await agg.stop();
  await sat.close();
});

describe('POST /api/v1/chat', () => {
  it('returns the exact ChatResponse with annotated citations', async () => {
    const r = await postChat(agg.url, {
      prompt: 'Which clause covers termination and payment?',
      model: ref(sat.url, 'model', 'bob'),
      data_sources: [ref(sat.url, 'docs', 'alice')],
    });
    expect(r.res.status).toBe(200);
    expect(r.res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(Object.keys(r.body)).toEqual([
      'response',
      'sources',
      'retrieval_info',
      'metadata',
      'usage',
      'profit_share',
      'billing',
    ]);
    expect(r.body.response).toBe(
      'Clause 7 covers termination. [cite:1-0:28] Payment is clause 8 [cite:2-30:49].',
    );
    expect(Object.keys(r.body.sources as object)).toEqual(['Termination', 'Termination (2)']);
    expect(r.body.usage).toEqual({ prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 });
    expect(r.body.profit_share).toEqual({ 'alice/docs': 1 });
    expect(r.body.billing).toMatchObject({ total_cost: 1, currency: 'USD' });
    const sat0 = sat.requests.find((q) => q.path.endsWith('/model/query'))!;
    expect((sat0.body as { stream: boolean }).stream).toBe(false);
  });

  it('returns null profit_share and raw text when no source was requested', async () => {
    const r = await postChat(agg.url, { prompt: 'hi', model: ref(sat.url, 'model', 'bob') });
    expect(r.body).toMatchObject({
      response: 'No sources.',
      profit_share: null,
      billing: null,
      sources: {},
      retrieval_info: [],
    });
  });

  it('returns the retrieval-only shape', async () => {
    const r = await postChat(agg.url, {
      prompt: 'payment',
      model: { url: '', slug: '', name: 'retrieval-only', tenant_name: null, owner_username: null },
      retrieval_only: true,
      data_sources: [ref(sat.url, 'docs', 'alice'), ref(sat.url, 'denied', 'carol')],
    });
    expect(r.res.status).toBe(200);
    expect(r.body).toMatchObject({ response: '', usage: null, profit_share: null });
    // BM25 puts the payment clause first even though the satellite scored it lower.
    expect(Object.values(r.body.sources as Record<string, { content: string }>)[0]!.content).toBe(
      'Clause 8 covers payment.',
    );
    expect((r.body.metadata as { generation_time_ms: number }).generation_time_ms).toBe(0);
    expect(r.body.retrieval_info).toContainEqual({
      path: 'carol/denied',
      documents_retrieved: 0,
      status: 'access_denied',
      error_message: 'Access denied: members only',
    });
  });

  it('answers 400 with billing when a data source denies access', async () => {
    const r = await postChat(agg.url, {
      prompt: 'q',
      model: ref(sat.url, 'model', 'bob'),
      data_sources: [ref(sat.url, 'docs', 'alice'), ref(sat.url, 'denied', 'carol')],
    });
    expect(r.res.status).toBe(400);
    expect(r.body.detail).toMatch(
      /^Data source access denied for: carol\/denied\. .*Details — carol\/denied: members only$/,
    );
    expect(r.body.billing).toMatchObject({ total_cost: 1 });
  });

  it('answers 400 "Generation failed" when the model fails', async () => {
    const r = await postChat(agg.url, { prompt: 'q', model: ref(sat.url, 'model-500', 'bob') });
    expect(r.res.status).toBe(400);
    expect(r.body).toEqual({
      detail: 'Generation failed: Model request failed: HTTP 500 - kaput',
      billing: null,
    });
  });
});

describe('SSRF protection (§5.6)', () => {
  it('refuses private satellites unless allow-listed', async () => {
    const strict = await startAggregator({ AGGREGATOR_SSRF_ALLOW_PRIVATE_NETWORKS: 'false' });
    const before = sat.requests.length;
    const body = {
      prompt: 'q',
      model: ref(sat.url.replace('127.0.0.1', 'localhost'), 'model', 'bob'),
      data_sources: [ref(sat.url, 'docs', 'alice'), ref('http://169.254.169.254', 'meta')],
    };
    const r = await postChat(strict.url, { ...body, retrieval_only: true });
    expect(r.body.retrieval_info).toEqual([
      {
        path: 'alice/docs',
        documents_retrieved: 0,
        status: 'error',
        error_message: 'Endpoint URL is not allowed (private or internal address)',
      },
      {
        path: 'meta',
        documents_retrieved: 0,
        status: 'error',
        error_message: 'Endpoint URL is not allowed (private or internal address)',
      },
    ]);
    const gen = await postChat(strict.url, { ...body, data_sources: [] });
    expect(gen.body).toEqual({
      detail: 'Generation failed: Endpoint URL is not allowed (private or internal address)',
      billing: null,
    });
    expect(sat.requests.length).toBe(before);
    await strict.stop();

    const listed = await startAggregator({
      AGGREGATOR_SSRF_ALLOW_PRIVATE_NETWORKS: 'false',
      AGGREGATOR_SSRF_ALLOWED_HOSTS: `127.0.0.1:${sat.port},localhost:${sat.port}`,
    });
    const ok = await postChat(listed.url, body);
    expect(ok.res.status).toBe(200);
    expect(ok.body.retrieval_info).toEqual([
      { path: 'alice/docs', documents_retrieved: 2, status: 'success', error_message: null },
      {
        path: 'meta',
        documents_retrieved: 0,
        status: 'error',
        error_message: 'Endpoint URL is not allowed (private or internal address)',
      },
    ]);
    await listed.stop();
  });
});

describe('service routes', () => {
  it('serves /health and /ready with the aggregator bodies', async () => {
    const health = await fetch(`${agg.url}/health`);
    expect(await health.json()).toEqual({
      status: 'healthy',
      service: 'syfthub-aggregator',
      version: expect.any(String),
    });
    const ready = await fetch(`${agg.url}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: 'ready',
      checks: { reranker: 'bm25', embeddings_api: 'not_configured', redis: 'disabled', nats: 'disabled' },
    });
  });

  it('answers 503 draining on /ready once shutdown has begun', async () => {
    const { createLifecycle } = await import('@syfthub/service');
    const lifecycle = createLifecycle();
    const draining = await startAggregator({}, { lifecycle });
    lifecycle.startDraining();
    const ready = await fetch(`${draining.url}/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: 'draining' });
    await draining.stop();
  });

  it('rate-limits both chat routes per client IP with the standard 429', async () => {
    const limited = await startAggregator({ AGGREGATOR_RATE_LIMIT_PER_MINUTE: '2' });
    const call = (path: string) =>
      fetch(`${limited.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ prompt: '' }),
      });
    expect((await call('/api/v1/chat')).status).toBe(422);
    const second = await call('/api/v1/chat/stream');
    expect(second.status).toBe(422);
    expect(second.headers.get('x-ratelimit-remaining')).toBe('0');
    const third = await call('/api/v1/chat');
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(third.headers.get('x-ratelimit-limit')).toBe('2');
    expect(await third.json()).toEqual({ detail: expect.any(String) });
    await limited.stop();
  });

  it('puts the rate-limit headers on a successful event stream too', async () => {
    const limited = await startAggregator({ AGGREGATOR_RATE_LIMIT_PER_MINUTE: '5' });
    const { res, events } = await postStream(limited.url, {
      prompt: 'q',
      model: ref(sat.url, 'model', 'bob'),
      data_sources: [ref(sat.url, 'docs', 'a')],
    });
    expect(res.status).toBe(200);
    expect(events.at(-1)?.event).toBe('done');
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(res.headers.get('x-ratelimit-limit')).toBe('5');
    expect(res.headers.get('x-ratelimit-remaining')).toBe('4');
    expect(res.headers.get('x-ratelimit-reset')).toMatch(/^\d+$/);
    await limited.stop();
  });

  it('exposes the aggregator metrics', async () => {
    const metrics = createMetrics({ service: 'aggregator', enabled: true, defaultMetrics: false });
    const observed = await startAggregator({}, { metrics });
    await postChat(observed.url, {
      prompt: 'q',
      model: ref(sat.url, 'model', 'bob'),
      data_sources: [ref(sat.url, 'docs', 'a')],
    });
    const text = await (await fetch(`${observed.url}/metrics`)).text();
    expect(text).toContain('aggregator_chat_requests_total{mode="json",outcome="success"} 1');
    expect(text).toContain('aggregator_source_requests_total{status="success"} 1');
    expect(text).toMatch(/aggregator_source_duration_seconds_count\{status="success"\} 1/);
    expect(text).toMatch(/aggregator_generation_duration_seconds_count\{outcome="success"\} 1/);
    expect(text).toMatch(/aggregator_rerank_duration_seconds_count\{reranker="bm25"\} 1/);
    expect(text).toContain('aggregator_active_streams 0');
    await observed.stop();
  });
});
