import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SatelliteFailure } from '../src/retrieval';
import { postChat, postStream, type RunningAggregator, ref, startAggregator } from './helpers/aggregator';
import { documentsBody, json, sleep, startSatellite, type TestSatellite } from './helpers/satellite';

const DENIED_POLICY = {
  outcome: 'access_denied',
  entries: [
    { policy_type: 'signed_in_only', kind: 'access', status: 'rejected', reason_code: 'GUEST_NOT_ALLOWED' },
  ],
};

let zoo: TestSatellite;
let agg: RunningAggregator;
const failures: SatelliteFailure[] = [];
const bySlug = (slug: string) => zoo.requests.filter((r) => r.path === `/api/v1/endpoints/${slug}/query`);

beforeAll(async () => {
  zoo = await startSatellite(async (req, res) => {
    const slug = req.path.split('/')[4];
    const nth = bySlug(slug ?? '').length;
    switch (slug) {
      case 'ok':
        return json(
          res,
          200,
          documentsBody([
            { content: 'alpha', title: 'A', score: 0.9 },
            { content: 'beta', score: 0.4 },
          ]),
        );
      case 'hybrid':
        return json(res, 200, {
          summary: { model: 'm1', message: { content: 'generated text' } },
          references: null,
        });
      case 'hybrid-empty':
        return json(res, 200, {
          summary: { model: 'm1', message: { content: '' } },
          references: { documents: [] },
        });
      case 'html':
        res.writeHead(404, { 'content-type': 'text/html' });
        return res.end('<!DOCTYPE html><html><body>Tunnel offline</body></html>');
      case 'html-200':
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        return res.end('<!doctype html><title>ngrok</title>Endpoint offline');
      case 'invalid-json':
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end('{not json');
      case 'wrong-shape':
        return json(res, 200, { references: 'nope' });
      case 'denied':
        return json(res, 403, { detail: 'Guests are not allowed', policy_metadata: DENIED_POLICY });
      case 'denied-plain':
        return json(res, 403, { detail: 'No.' });
      case 'violation':
        return json(res, 403, {
          detail: 'Prompt rejected',
          policy_metadata: { outcome: 'policy_violation', entries: [] },
        });
      case 'limited':
        return json(res, 403, {
          detail: 'Slow down',
          policy_metadata: { outcome: 'rate_limited', entries: [] },
        });
      case 'pay':
        return json(res, 402, { detail: 'Pay first' }, { 'www-authenticate': 'Payment realm="x"' });
      case 'r429':
        return json(res, 429, { detail: 'busy' }, { 'retry-after': '1' });
      case 'flaky':
        if (nth === 1) return json(res, 500, { detail: 'transient' });
        return json(res, 200, documentsBody([{ content: 'recovered', score: 0.7 }]));
      case 'down':
        return json(res, 503, { detail: 'overloaded' });
      case 'missing':
        return json(res, 404, { detail: 'Endpoint not found' });
      case 'bad-text':
        res.writeHead(400, { 'content-type': 'text/plain' });
        return res.end(`bad things ${'x'.repeat(300)}`);
      case 'object-detail':
        return json(res, 400, { detail: { code: 'BAD', message: 'object message' } });
      case 'slow':
        await sleep(600);
        return json(res, 200, documentsBody([{ content: 'late' }]));
      case 'hang':
        return;
      case 'huge':
        return json(res, 200, documentsBody([{ content: 'z'.repeat(200_000) }]));
      case 'huge-chunked':
        res.writeHead(200, { 'content-type': 'application/json' });
        for (let i = 0; i < 30 && !res.destroyed; i += 1) res.write(' '.repeat(10_000));
        return res.end('{}');
      case 'mixed-items':
        return json(res, 200, {
          references: {
            documents: [
              { content: 42 },
              { content: 'kept', similarity_score: 'high' },
              { content: 'kept too', metadata: { document_title: 'DT' }, similarity_score: 0.2 },
            ],
          },
        });
      default:
        return json(res, 500, { detail: 'unexpected slug' });
    }
  });
  agg = await startAggregator(
    {
      AGGREGATOR_RETRIEVAL_TIMEOUT: '0.3',
      AGGREGATOR_RETRIEVAL_PHASE_TIMEOUT: '3',
      AGGREGATOR_MAX_RESPONSE_BYTES: '100000',
    },
    { reportFailure: (f) => failures.push(f) },
  );
});

afterAll(async () => {
  await agg.stop();
  await zoo.close();
});

const placeholder = { url: '', slug: '', name: 'retrieval-only', tenant_name: null, owner_username: null };

async function retrieve(slugs: string[], extra: Record<string, unknown> = {}) {
  const r = await postChat(agg.url, {
    prompt: 'alpha question',
    model: placeholder,
    retrieval_only: true,
    data_sources: slugs.map((s) => ref(zoo.url, s, 'alice')),
    ...extra,
  });
  expect(r.res.status).toBe(200);
  return r.body as {
    retrieval_info: Array<{
      path: string;
      status: string;
      documents_retrieved: number;
      error_message: string | null;
    }>;
    sources: Record<string, { slug: string; content: string }>;
    billing: unknown;
  };
}

const infoOf = (body: Awaited<ReturnType<typeof retrieve>>, slug: string) =>
  body.retrieval_info.find((i) => i.path === `alice/${slug}`);

describe('per-source outcomes (§5.3)', () => {
  it.each([
    ['ok', 'success', null, 2],
    ['hybrid', 'success', null, 1],
    ['invalid-json', 'error', 'Invalid response from data source', 0],
    ['wrong-shape', 'error', 'Invalid response from data source', 0],
    [
      'pay',
      'payment_failed',
      'Payment required by alice/pay; payments are not supported by this deployment.',
      0,
    ],
    ['denied', 'access_denied', 'Access denied: Guests are not allowed', 0],
    ['denied-plain', 'access_denied', 'Access denied: No.', 0],
    ['violation', 'access_denied', 'Access denied: Prompt rejected', 0],
    ['limited', 'error', 'Rate limited: Slow down', 0],
    ['r429', 'error', 'Rate limited by alice/r429', 0],
    ['missing', 'error', 'HTTP 404: Endpoint not found', 0],
    ['object-detail', 'error', 'HTTP 400: object message', 0],
    [
      'html',
      'error',
      "The data source 'alice/html' is currently unreachable. Please contact the endpoint owner.",
      0,
    ],
  ])('%s -> %s', async (slug, status, message, documents) => {
    const body = await retrieve([slug]);
    expect(infoOf(body, slug)).toEqual({
      path: `alice/${slug}`,
      status,
      documents_retrieved: documents,
      error_message: message,
    });
  });

  it('quotes at most the first 200 characters of a non-JSON error body', async () => {
    const info = infoOf(await retrieve(['bad-text']), 'bad-text');
    expect(info?.error_message).toBe(`HTTP 400: ${`bad things ${'x'.repeat(300)}`.slice(0, 200)}…`);
  });

  it('skips documents without string content and treats odd scores as 0', async () => {
    const body = await retrieve(['mixed-items']);
    expect(infoOf(body, 'mixed-items')?.documents_retrieved).toBe(2);
    expect(Object.keys(body.sources)).toEqual(['DT', 'Document from alice/mixed-items']);
  });

  it('turns a hybrid summary into one generated document, with a placeholder when empty', async () => {
    const body = await retrieve(['hybrid', 'hybrid-empty']);
    const contents = Object.values(body.sources).map((s) => s.content);
    expect(contents).toContain('generated text');
    expect(contents).toContain('No related information found for this query.');
  });

  it('retries 5xx with back-off and succeeds on a later attempt', async () => {
    const before = bySlug('flaky').length;
    const info = infoOf(await retrieve(['flaky']), 'flaky');
    expect(info).toMatchObject({ status: 'success', documents_retrieved: 1 });
    expect(bySlug('flaky').length - before).toBe(2);
  });

  it('gives up after AGGREGATOR_RETRY_MAX retries on persistent 5xx', async () => {
    const before = bySlug('down').length;
    const info = infoOf(await retrieve(['down']), 'down');
    expect(info).toMatchObject({ status: 'error', error_message: 'HTTP 503: overloaded' });
    expect(bySlug('down').length - before).toBe(3);
  });

  it('does not retry 4xx or 429', async () => {
    const b429 = bySlug('r429').length;
    const b404 = bySlug('missing').length;
    await retrieve(['r429', 'missing']);
    expect(bySlug('r429').length - b429).toBe(1);
    expect(bySlug('missing').length - b404).toBe(1);
  });

  it('times out a slow attempt, aborts it, and does not retry timeouts', async () => {
    const before = bySlug('slow').length;
    const info = infoOf(await retrieve(['slow']), 'slow');
    expect(info).toMatchObject({ status: 'timeout', error_message: 'Request timed out' });
    expect(bySlug('slow').length - before).toBe(1);
    await expect.poll(() => bySlug('slow').at(-1)?.aborted).toBe(true);
  });

  it('caps response size by Content-Length and while reading chunked bodies', async () => {
    const body = await retrieve(['huge', 'huge-chunked']);
    expect(infoOf(body, 'huge')).toMatchObject({ status: 'error', error_message: 'Response too large' });
    expect(infoOf(body, 'huge-chunked')).toMatchObject({
      status: 'error',
      error_message: 'Response too large',
    });
  });

  it('reports tunnelled, non-http and unreachable URLs without failing the request', async () => {
    const closed = await startSatellite(() => {});
    await closed.close();
    const r = await postChat(agg.url, {
      prompt: 'q',
      model: placeholder,
      retrieval_only: true,
      data_sources: [
        ref('tunneling:alice', 'x', 'alice'),
        ref('ftp://files.example', 'y'),
        ref(closed.url, 'z'),
        ref('http://victim.example/any/path?x=', 'q'),
        ref('http://victim.example/any/path#', 'f'),
      ],
    });
    expect(r.body.retrieval_info).toEqual([
      {
        path: 'alice/x',
        status: 'error',
        documents_retrieved: 0,
        error_message: 'Tunnelled endpoints are not supported by this aggregator.',
      },
      { path: 'y', status: 'error', documents_retrieved: 0, error_message: 'Invalid endpoint URL' },
      {
        path: 'z',
        status: 'error',
        documents_retrieved: 0,
        error_message: `Cannot reach data source at ${closed.url}: connect ECONNREFUSED 127.0.0.1:${closed.port}`,
      },
      { path: 'q', status: 'error', documents_retrieved: 0, error_message: 'Invalid endpoint URL' },
      { path: 'f', status: 'error', documents_retrieved: 0, error_message: 'Invalid endpoint URL' },
    ]);
  });

  it('reports satellite failures to the backend reporter, never with tokens', async () => {
    failures.length = 0;
    await retrieve(['denied', 'invalid-json', 'missing', 'ok'], {
      endpoint_tokens: { alice: 'sat-token-secret' },
    });
    expect(failures.map((f) => [f.path, f.statusCode]).sort()).toEqual([
      ['alice/denied', 403],
      ['alice/invalid-json', 200],
      ['alice/missing', 404],
    ]);
    expect(JSON.stringify(failures)).not.toContain('sat-token-secret');
  });
});

describe('request to the satellite (§5.2)', () => {
  it('sends the documented body and headers, token matched case-insensitively', async () => {
    await postStream(
      agg.url,
      {
        prompt: 'the question',
        model: placeholder,
        retrieval_only: true,
        top_k: 7,
        similarity_threshold: 0.25,
        messages: [{ role: 'user', content: 'earlier turn' }],
        endpoint_tokens: { alice: 'tok-alice' },
        data_sources: [
          ref(`${zoo.url}/`, 'ok', 'Alice', { tenant_name: 'acme' }),
          ref(zoo.url, 'hybrid', null, { query_override: 'override query' }),
        ],
      },
      { headers: { 'content-type': 'application/json', 'x-correlation-id': 'corr-123' } },
    );
    const ok = bySlug('ok').at(-1)!;
    expect(ok.body).toEqual({
      messages: 'the question',
      limit: 7,
      similarity_threshold: 0.25,
      include_metadata: true,
    });
    expect(ok.headers).toMatchObject({
      authorization: 'Bearer tok-alice',
      'x-tenant-name': 'acme',
      'x-correlation-id': 'corr-123',
      'content-type': 'application/json',
      accept: 'application/json',
    });
    expect(ok.headers['user-agent']).toMatch(/^syfthub-aggregator\//);
    const hybrid = bySlug('hybrid').at(-1)!;
    expect(hybrid.body).toMatchObject({ messages: 'override query' });
    expect(hybrid.headers.authorization).toBeUndefined();
    expect(hybrid.headers['x-tenant-name']).toBeUndefined();
  });

  it('queries exact duplicates once', async () => {
    const before = bySlug('ok').length;
    const { events } = await postStream(agg.url, {
      prompt: 'q',
      model: placeholder,
      retrieval_only: true,
      data_sources: [ref(zoo.url, 'ok', 'alice'), ref(zoo.url, 'ok', 'alice'), ref(zoo.url, 'ok', 'bob')],
    });
    expect(bySlug('ok').length - before).toBe(1);
    expect(events[0]).toEqual({ event: 'retrieval_start', data: { sources: 1 } });
  });
});

describe('retrieval-phase deadline (§5.4)', () => {
  let phased: RunningAggregator;
  beforeAll(async () => {
    phased = await startAggregator({
      AGGREGATOR_RETRIEVAL_TIMEOUT: '10',
      AGGREGATOR_RETRIEVAL_PHASE_TIMEOUT: '0.5',
      AGGREGATOR_RETRY_BASE_DELAY_MS: '300',
    });
  });
  afterAll(() => phased.stop());

  it('ends sources still running as timeout at the deadline and keeps finished ones', async () => {
    const started = performance.now();
    const r = await postChat(phased.url, {
      prompt: 'alpha',
      model: placeholder,
      retrieval_only: true,
      data_sources: [ref(zoo.url, 'hang', 'alice'), ref(zoo.url, 'ok', 'alice')],
    });
    const elapsed = performance.now() - started;
    expect(r.body.retrieval_info).toEqual([
      { path: 'alice/hang', status: 'timeout', documents_retrieved: 0, error_message: 'Request timed out' },
      { path: 'alice/ok', status: 'success', documents_retrieved: 2, error_message: null },
    ]);
    expect(elapsed).toBeGreaterThanOrEqual(450);
    expect(elapsed).toBeLessThan(2000);
    await expect.poll(() => bySlug('hang').at(-1)?.aborted).toBe(true);
  });

  it('skips a retry that could not start before the deadline', async () => {
    const before = bySlug('down').length;
    const r = await postChat(phased.url, {
      prompt: 'q',
      model: placeholder,
      retrieval_only: true,
      data_sources: [ref(zoo.url, 'down', 'alice')],
    });
    // 300 ms back-off fits into 500 ms; the next (600 ms) does not.
    expect(bySlug('down').length - before).toBe(2);
    expect(r.body.retrieval_info).toEqual([
      { path: 'alice/down', status: 'error', documents_retrieved: 0, error_message: 'HTTP 503: overloaded' },
    ]);
  });
});
