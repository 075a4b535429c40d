import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningAggregator, startAggregator } from './helpers/aggregator';
import { documentsBody, json, modelBody, startSatellite, type TestSatellite } from './helpers/satellite';

// GET /api/v1/q (aggregator.md §11) against a real satellite and a hub that resolves owner/slug and issues tokens.

let sat: TestSatellite;
let hub: TestSatellite;
let agg: RunningAggregator;

beforeAll(async () => {
  sat = await startSatellite((req, res) => {
    const slug = req.path.split('/')[4];
    if (slug === 'docs') {
      return json(
        res,
        200,
        documentsBody([{ content: 'Clause 7 covers termination.', title: 'Termination' }]),
      );
    }
    if (slug === 'fetcher') {
      const body = req.body as { messages: string };
      return json(res, 200, documentsBody([{ content: `Fetched for: ${body.messages}`, title: 'Page' }]));
    }
    if (slug === 'model') return json(res, 200, modelBody('Clause 7 <b>covers</b> it.'));
    return json(res, 404, { detail: 'nope' });
  });
  hub = await startSatellite((req, res) => {
    const [path, query] = req.path.split('?');
    if (path === '/api/v1/token' && req.headers.authorization === 'Bearer hub-user') {
      return json(res, 200, { target_token: `user-token-for-${new URLSearchParams(query).get('aud')}` });
    }
    if (path === '/api/v1/token/guest') {
      return json(res, 200, { target_token: `guest-token-for-${new URLSearchParams(query).get('aud')}` });
    }
    const [, owner, slug] = (path ?? '').split('/');
    if (owner === 'alice' && (slug === 'docs' || slug === 'fetcher')) {
      return json(res, 200, {
        name: slug === 'docs' ? 'Contract docs' : 'URL fetcher',
        connect: [
          { type: 'http', enabled: false, config: { url: 'http://127.0.0.1:9' } },
          { type: 'http', enabled: true, config: { url: sat.url } },
        ],
      });
    }
    if (owner === 'bob' && slug === 'model') {
      return json(res, 200, { name: 'Model', connect: [{ type: 'http', config: { url: sat.url } }] });
    }
    if (owner === 'carol' && slug === 'empty') return json(res, 200, { name: 'Empty', connect: [] });
    return json(res, 404, { detail: 'Endpoint not found' });
  });
  agg = await startAggregator({
    AGGREGATOR_SYFTHUB_URL: hub.url,
    AGGREGATOR_DEFAULT_QUERY_MODEL: 'bob/model',
    AGGREGATOR_URL_FETCHER_SLUG: 'alice/fetcher',
  });
});

afterAll(async () => {
  await agg.stop();
  await sat.close();
  await hub.close();
});

const get = (q: string, params = '', headers: Record<string, string> = {}) =>
  fetch(`${agg.url}/api/v1/q?q=${encodeURIComponent(q)}${params}`, { headers });

async function resultOf(res: Response): Promise<Record<string, unknown>> {
  const html = await res.text();
  const match = /<script id="query-result" type="application\/json">([\s\S]*?)<\/script>/.exec(html);
  expect(match, html).not.toBeNull();
  return JSON.parse(match![1]!) as Record<string, unknown>;
}

describe('GET /api/v1/q', () => {
  it('resolves owner/slug through the hub, runs the chat and renders the result as a page', async () => {
    const res = await get('alice/docs!Which clause covers termination?', '&aggregate=true', {
      Authorization: 'Bearer hub-user',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; style-src 'unsafe-inline'");
    const result = await resultOf(res);
    expect(result).toMatchObject({
      query: 'alice/docs!Which clause covers termination?',
      model: 'bob/model',
      data_sources: ['alice/docs'],
      answer: 'Clause 7 <b>covers</b> it.',
      error: null,
    });
    expect(Object.keys(result.sources as object)).toEqual(['Termination']);
    // The enabled connection was used, with the caller's own satellite tokens.
    const queried = sat.requests.filter((r) => r.path.includes('/docs/'));
    expect(queried.at(-1)?.headers.authorization).toBe('Bearer user-token-for-alice');
    expect(sat.requests.at(-1)?.headers.authorization).toBe('Bearer user-token-for-bob');
  });

  it('escapes the result in both the script block and the readable text', async () => {
    const res = await get('alice/docs!Which clause covers termination?', '&aggregate=1');
    const html = await res.text();
    expect(html).not.toContain('<b>covers</b>');
    expect(html).toContain('\\u003cb>covers\\u003c/b>');
    expect(html).toContain('&lt;b&gt;covers&lt;/b&gt;');
  });

  it('is retrieval only by default, with guest tokens for a caller without a hub session', async () => {
    const res = await get('alice/docs!termination');
    expect(res.status).toBe(200);
    const result = await resultOf(res);
    expect(result).toMatchObject({ model: null, data_sources: ['alice/docs'], answer: null, error: null });
    expect(sat.requests.at(-1)?.headers.authorization).toBe('Bearer guest-token-for-alice');
  });

  it('sends URL entries through the configured URL fetcher', async () => {
    const res = await get('example.com/page|https://example.org/a!summarise');
    expect(res.status).toBe(200);
    const result = await resultOf(res);
    expect(result.data_sources).toEqual(['https://example.com/page', 'https://example.org/a']);
    const fetched = sat.requests.filter((r) => r.path.includes('/fetcher/')).map((r) => r.body);
    expect(fetched).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ messages: 'https://example.com/page' }),
        expect.objectContaining({ messages: 'https://example.org/a' }),
      ]),
    );
  });

  it('answers 400 for queries it cannot read', async () => {
    for (const q of ['alice/docs no bang', 'alice/docs!   ', 'not-a-reference!hi', '!hi']) {
      const res = await get(q);
      expect(res.status, q).toBe(400);
      expect(await res.json()).toEqual({ detail: expect.any(String) });
    }
    const none = await get('!hi');
    expect(await none.json()).toEqual({ detail: 'Retrieval-only mode requires at least one data source.' });
    expect((await get('!hi', '&aggregate=true')).status).toBe(200);
  });

  it('answers 502 with the reason when an endpoint cannot be resolved', async () => {
    for (const q of ['alice/missing!hi', 'carol/empty!hi']) {
      const res = await get(q);
      expect(res.status, q).toBe(502);
      expect((await resultOf(res)).error).toEqual(expect.any(String));
    }
  });
});
