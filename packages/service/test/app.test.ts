import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { validator } from 'hono/validator';
import { beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createServiceApp } from '../src/app';
import { readFormBody, readJsonBody, readQuery } from '../src/body';
import { bodyLimit } from '../src/body-limit';
import { currentCorrelationId } from '../src/correlation';
import { ApiError } from '../src/errors';
import { createMetrics } from '../src/metrics';
import { validationHook } from '../src/validation';
import { captureLogger } from './helpers';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ORIGIN = 'https://app.example';

function build() {
  const { logger, lines } = captureLogger();
  const metrics = createMetrics({ service: 'test', defaultMetrics: false });
  const state = { dbUp: true };
  const app = createServiceApp({
    name: 'test',
    version: '1.2.3',
    logger,
    metrics,
    corsOrigins: [ORIGIN],
    bodyLimitBytes: 64,
    readiness: {
      database: {
        run: async () => {
          if (!state.dbUp) throw new Error('connect ECONNREFUSED postgres://app:pw@db:5432');
        },
      },
      identity_provider: {
        blocking: false,
        run: async () => {
          throw new Error('no signing keys');
        },
      },
      redis: { run: async () => ({ status: 'disabled', mode: 'in-memory' }) },
    },
  });
  app.use('/private/*', async () => {
    throw new ApiError(401, 'Not authenticated', { 'WWW-Authenticate': 'Bearer' });
  });
  app.get('/items/:id', (c) => c.json({ id: Number(c.req.param('id')), cid: currentCorrelationId() }));
  app.put('/items/:id', (c) => c.json({ ok: true }));
  app.post('/items', async (c) => {
    const body = await readJsonBody(c, z.object({ name: z.string().min(2), count: z.int().min(0) }));
    return c.json(body, 201);
  });
  app.post('/login', async (c) =>
    c.json(await readFormBody(c, z.object({ username: z.string(), password: z.string() }))),
  );
  app.get('/search', (c) =>
    c.json(
      readQuery(c, z.object({ q: z.string(), limit: z.coerce.number().int().max(100) }), { arrays: [] }),
    ),
  );
  app.get('/fail', () => {
    throw new Error('database password=hunter2 exploded');
  });
  app.get('/throw-string', () => {
    throw 'plain string';
  });
  app.get('/conflict', () => {
    throw new ApiError(409, { code: 'USER_ALREADY_EXISTS', message: 'Email already exists', field: 'email' });
  });
  app.get('/limited', () => {
    throw new ApiError(429, 'Too many requests', { 'Retry-After': '7', 'X-RateLimit-Limit': '5' });
  });
  app.get('/me', (c) => {
    c.set('principal', { user: { id: 77 } });
    return c.json({ ok: true });
  });
  app.post(
    '/validated/:id',
    validator('json', (value) => {
      const result = z.object({ title: z.string() }).safeParse(value);
      validationHook({ ...result, data: value, target: 'json' });
      return result.data;
    }),
    (c) => c.json(c.req.valid('json')),
  );
  app.get('/unavailable', () => {
    throw new HTTPException(503, { message: 'Identity provider unavailable' });
  });
  app.get('/page', (c) => c.html('<p>hi</p>', 200, { 'Content-Security-Policy': "default-src 'self'" }));
  app.post('/upload', bodyLimit(1000), async (c) => c.json({ size: (await c.req.text()).length }));
  const sub = new Hono();
  sub.get('/thing', (c) => c.json({ sub: true }));
  app.route('/sub', sub);
  return { app, lines, state };
}

let t: ReturnType<typeof build>;
beforeEach(() => {
  t = build();
});

async function json(res: Response): Promise<unknown> {
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  return res.json();
}

describe('correlation ids', () => {
  it('reuses a valid incoming id and exposes it to async code', async () => {
    const res = await t.app.request('/items/1', { headers: { 'X-Correlation-ID': 'abc.DEF:1-2_3' } });
    expect(res.headers.get('x-correlation-id')).toBe('abc.DEF:1-2_3');
    expect(await res.json()).toEqual({ id: 1, cid: 'abc.DEF:1-2_3' });
    expect(t.lines.filter((l) => l.event === 'request.completed')[0]?.correlation_id).toBe('abc.DEF:1-2_3');
  });

  it('replaces an invalid id and generates one when absent', async () => {
    for (const bad of ['has space', 'x'.repeat(129), 'semi;colon']) {
      const res = await t.app.request('/items/1', { headers: { 'X-Correlation-ID': bad } });
      expect(res.headers.get('x-correlation-id')).toMatch(UUID);
    }
    const res = await t.app.request('/items/1');
    expect(res.headers.get('x-correlation-id')).toMatch(UUID);
    const again = await t.app.request('/items/1');
    expect(again.headers.get('x-correlation-id')).not.toBe(res.headers.get('x-correlation-id'));
  });

  it('is present on errors, 404s, 405s and preflights', async () => {
    for (const [path, init] of [
      ['/fail', {}],
      ['/nope', {}],
      ['/items/1', { method: 'DELETE' }],
      ['/private/x', {}],
      ['/items', { method: 'OPTIONS', headers: { Origin: ORIGIN, 'Access-Control-Request-Method': 'POST' } }],
    ] as const) {
      const res = await t.app.request(path, {
        ...init,
        headers: { ...('headers' in init ? init.headers : {}), 'X-Correlation-ID': 'fixed-id' },
      });
      expect(res.headers.get('x-correlation-id'), path).toBe('fixed-id');
    }
  });
});

describe('error envelope', () => {
  it('answers string and object details from ApiError, an object one with its sentence as `message`', async () => {
    const res = await t.app.request('/conflict');
    expect(res.status).toBe(409);
    expect(await json(res)).toEqual({
      detail: { code: 'USER_ALREADY_EXISTS', message: 'Email already exists', field: 'email' },
      message: 'Email already exists',
    });
  });

  it('lets headers set on an ApiError reach the client', async () => {
    const limited = await t.app.request('/limited');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(limited.headers.get('x-ratelimit-limit')).toBe('5');
    expect(await json(limited)).toEqual({ detail: 'Too many requests' });
    const unauthorised = await t.app.request('/private/x');
    expect(unauthorised.status).toBe(401);
    expect(unauthorised.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('hides unhandled errors behind a 500 with the correlation id, logging the stack once', async () => {
    const res = await t.app.request('/fail', { headers: { 'X-Correlation-ID': 'cid-500' } });
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({
      detail: 'An internal error occurred. Please try again later.',
      correlation_id: 'cid-500',
    });
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('exploded');
    const failed = t.lines.filter((l) => l.event === 'request.failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({
      level: 'error',
      route: '/fail',
      status_code: 500,
      correlation_id: 'cid-500',
    });
    expect(failed[0]?.error).toMatchObject({ type: 'Error', stack: expect.stringContaining('exploded') });
  });

  it('maps HTTPException to the envelope, keeping deliberate 5xx statuses', async () => {
    const res = await t.app.request('/unavailable');
    expect(res.status).toBe(503);
    expect(await json(res)).toEqual({ detail: 'Identity provider unavailable' });
  });

  it('turns a thrown non-Error into the same 500', async () => {
    const res = await t.app.request('/throw-string');
    expect(res.status).toBe(500);
    expect(await json(res)).toMatchObject({ correlation_id: expect.stringMatching(UUID) });
  });

  it('answers 404 for unknown paths and 405 with Allow for known ones', async () => {
    const missing = await t.app.request('/nope/at/all');
    expect(missing.status).toBe(404);
    expect(await json(missing)).toEqual({ detail: 'Not Found' });

    const wrong = await t.app.request('/items/5', { method: 'DELETE' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET, HEAD, PUT');
    expect(await json(wrong)).toEqual({ detail: 'Method Not Allowed' });

    const mountedLater = await t.app.request('/sub/thing', { method: 'POST' });
    expect(mountedLater.status).toBe(405);
    expect(mountedLater.headers.get('allow')).toBe('GET, HEAD');

    expect((await t.app.request('/items', { method: 'GET' })).headers.get('allow')).toBe('POST');
    expect((await t.app.request('/sub/thing', { method: 'HEAD' })).status).toBe(200);
  });
});

describe('request bodies', () => {
  it('validates JSON bodies into the 422 list', async () => {
    const ok = await t.app.request('/items', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ name: 'ab', count: 1, x: 1 }),
    });
    expect(ok.status).toBe(201);
    expect(await ok.json()).toEqual({ name: 'ab', count: 1 });

    const bad = await t.app.request('/items', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'a', count: -1 }),
    });
    expect(bad.status).toBe(422);
    expect(await json(bad)).toEqual({
      detail: [
        {
          type: 'string_too_short',
          loc: ['body', 'name'],
          msg: 'String should have at least 2 characters',
          input: 'a',
          ctx: { min_length: 2 },
        },
        {
          type: 'greater_than_equal',
          loc: ['body', 'count'],
          msg: 'Input should be greater than or equal to 0',
          input: -1,
          ctx: { ge: 0 },
        },
      ],
    });
  });

  it('answers malformed JSON with json_invalid and an empty body with missing', async () => {
    const malformed = await t.app.request('/items', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"name": "secret-value",',
    });
    expect(malformed.status).toBe(422);
    const body = (await json(malformed)) as { detail: Array<Record<string, unknown>> };
    expect(body.detail).toHaveLength(1);
    expect(body.detail[0]).toMatchObject({ type: 'json_invalid', msg: 'JSON decode error' });
    expect(body.detail[0]?.loc).toEqual(['body', 24]);
    expect(JSON.stringify(body)).not.toContain('secret-value');

    const empty = await t.app.request('/items', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
    });
    expect(((await json(empty)) as { detail: unknown[] }).detail).toEqual([
      { type: 'missing', loc: ['body'], msg: 'Field required', input: null },
    ]);
  });

  it('gives Hono validator failures the same 422 shapes', async () => {
    const headers = { 'Content-Type': 'application/json' };
    const bad = await t.app.request('/validated/1', { method: 'POST', headers, body: '{"title": 5}' });
    expect(bad.status).toBe(422);
    expect(await json(bad)).toEqual({
      detail: [
        { type: 'string_type', loc: ['body', 'title'], msg: 'Input should be a valid string', input: 5 },
      ],
    });
    const malformed = await t.app.request('/validated/1', { method: 'POST', headers, body: '{nope' });
    expect(malformed.status).toBe(422);
    expect(((await json(malformed)) as { detail: Array<{ type: string }> }).detail[0]?.type).toBe(
      'json_invalid',
    );
    const ok = await t.app.request('/validated/1', { method: 'POST', headers, body: '{"title": "t"}' });
    expect(await ok.json()).toEqual({ title: 't' });
  });

  it('does not read other content types as JSON', async () => {
    const res = await t.app.request('/items', {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain' },
      body: JSON.stringify({ name: 'ab', count: 1 }),
    });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { detail: Array<{ type: string }> }).detail[0]?.type).toBe(
      'model_attributes_type',
    );
  });

  it('validates form bodies and query strings', async () => {
    const login = await t.app.request('/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'username=alice',
    });
    expect(login.status).toBe(422);
    expect(await login.json()).toEqual({
      detail: [{ type: 'missing', loc: ['body', 'password'], msg: 'Field required' }],
    });

    const search = await t.app.request('/search?q=a&limit=abc');
    expect(await search.json()).toEqual({
      detail: [
        {
          type: 'float_parsing',
          loc: ['query', 'limit'],
          msg: 'Input should be a valid number, unable to parse string as a number',
          input: 'abc',
        },
      ],
    });
    expect(await (await t.app.request('/search?q=a&q=b&limit=5')).json()).toEqual({ q: 'b', limit: 5 });
  });

  it('applies the app-wide body limit unless the route sets its own', async () => {
    const big = JSON.stringify({ name: 'x'.repeat(100), count: 1 });
    const rejected = await t.app.request('/items', { method: 'POST', body: big });
    expect(rejected.status).toBe(413);
    expect(await json(rejected)).toEqual({ detail: 'Request body too large' });
    const upload = await t.app.request('/upload', { method: 'POST', body: 'y'.repeat(500) });
    expect(await upload.json()).toEqual({ size: 500 });
    expect((await t.app.request('/upload', { method: 'POST', body: 'y'.repeat(1001) })).status).toBe(413);
  });

  it('limits chunked bodies without a Content-Length', async () => {
    const chunks = ['{"name":"', 'z'.repeat(40), 'z'.repeat(40), '","count":1}'];
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
        controller.close();
      },
    });
    const req = new Request('http://localhost/items', {
      method: 'POST',
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(req.headers.has('content-length')).toBe(false);
    const res = await t.app.request(req);
    expect(res.status).toBe(413);
    expect(await json(res)).toEqual({ detail: 'Request body too large' });
  });
});

describe('headers', () => {
  it('sets security headers unless the route chose its own CSP', async () => {
    const api = await t.app.request('/items/1');
    expect(api.headers.get('x-content-type-options')).toBe('nosniff');
    expect(api.headers.get('x-frame-options')).toBe('DENY');
    expect(api.headers.get('referrer-policy')).toBe('no-referrer');
    expect(api.headers.get('content-security-policy')).toContain("default-src 'none'");
    const page = await t.app.request('/page');
    expect(page.headers.get('content-security-policy')).toBe("default-src 'self'");
    expect((await t.app.request('/nope')).headers.get('x-frame-options')).toBe('DENY');
  });

  it('answers CORS preflight before authentication, for listed origins only', async () => {
    const preflight = await t.app.request('/private/data', {
      method: 'OPTIONS',
      headers: {
        Origin: ORIGIN,
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization, content-type',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(preflight.headers.get('access-control-allow-credentials')).toBe('true');
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
    expect(preflight.headers.get('access-control-allow-headers')).toBe('authorization,content-type');

    const foreign = await t.app.request('/items/1', { headers: { Origin: 'https://evil.example' } });
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();

    const error = await t.app.request('/private/data', { headers: { Origin: ORIGIN } });
    expect(error.status).toBe(401);
    expect(error.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    const exposed = error.headers.get('access-control-expose-headers') ?? '';
    for (const name of [
      'X-Correlation-ID',
      'WWW-Authenticate',
      'Retry-After',
      'X-RateLimit-Reset',
      'Content-Disposition',
    ]) {
      expect(exposed).toContain(name);
    }
  });

  it('adds no CORS headers to requests without an Origin, but marks every response as varying by Origin', async () => {
    for (const path of ['/items/1', '/private/data', '/nope']) {
      const res = await t.app.request(path);
      expect(res.headers.get('access-control-allow-origin'), path).toBeNull();
      expect(res.headers.get('access-control-allow-credentials'), path).toBeNull();
      expect(res.headers.get('access-control-expose-headers'), path).toBeNull();
      expect(res.headers.get('vary'), path).toBe('Origin');
    }
    const browser = await t.app.request('/items/1', { headers: { Origin: ORIGIN } });
    expect(browser.headers.get('vary')).toBe('Origin');
  });

  it('reflects any origin without credentials when configured with *', async () => {
    const { logger } = captureLogger();
    const open = createServiceApp({ name: 'mcp', version: '1', logger, corsOrigins: ['*'] });
    const res = await open.request('/health', { headers: { Origin: 'https://client.example' } });
    expect(res.headers.get('access-control-allow-origin')).toBe('https://client.example');
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
  });
});

describe('health, readiness and metrics', () => {
  it('serves /health without touching dependencies', async () => {
    t.state.dbUp = false;
    const res = await t.app.request('/health');
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ status: 'healthy', version: '1.2.3' });
  });

  it('reports a failing blocking check as 503 and recovers', async () => {
    t.state.dbUp = false;
    const down = await t.app.request('/ready');
    expect(down.status).toBe(503);
    const body = (await json(down)) as {
      status: string;
      components: Record<string, Record<string, unknown>>;
    };
    expect(body.status).toBe('not_ready');
    expect(body.components.database).toEqual({
      status: 'error',
      error: 'connect ECONNREFUSED postgres://app:[REDACTED]@db:5432',
    });

    t.state.dbUp = true;
    const up = await t.app.request('/ready');
    expect(up.status).toBe(200);
    expect(await up.json()).toEqual({
      status: 'ready',
      version: '1.2.3',
      components: {
        database: { status: 'ok', latency_ms: expect.any(Number) },
        identity_provider: { status: 'error', error: 'no signing keys' },
        redis: { status: 'disabled', mode: 'in-memory' },
      },
    });
  });

  it('fails a check that exceeds its timeout', async () => {
    const { logger } = captureLogger();
    const app = createServiceApp({
      name: 't',
      version: '1',
      logger,
      corsOrigins: [],
      readiness: { slow: { timeoutMs: 50, run: () => new Promise((resolve) => setTimeout(resolve, 1000)) } },
    });
    const res = await app.request('/ready');
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({
      components: { slow: { status: 'error', error: 'timed out after 50 ms' } },
    });
  });

  it('exposes metrics keyed by the matched route pattern', async () => {
    await t.app.request('/items/42');
    await t.app.request('/items/43');
    await t.app.request('/unknown/path/123');
    const res = await t.app.request('/metrics');
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toContain('http_requests_total{method="GET",route="/items/:id",status="200"} 2');
    expect(text).toContain('http_requests_total{method="GET",route="unmatched",status="404"} 1');
    expect(text).toContain(
      'http_request_duration_seconds_bucket{le="0.005",method="GET",route="/items/:id"}',
    );
    expect(text).not.toContain('/items/42');
    expect(text).not.toContain('/unknown/path');
  });
});

describe('request log', () => {
  it('logs start and completion with route, status, duration and user', async () => {
    await t.app.request('/me', { headers: { 'User-Agent': 'vitest-agent' } });
    const started = t.lines.find((l) => l.event === 'request.started');
    const completed = t.lines.find((l) => l.event === 'request.completed');
    expect(started).toMatchObject({
      level: 'info',
      method: 'GET',
      path: '/me',
      route: '/me',
      user_agent: 'vitest-agent',
    });
    expect(completed).toMatchObject({
      level: 'info',
      route: '/me',
      status_code: 200,
      user_id: 77,
      client_ip: '127.0.0.1',
    });
    expect(typeof completed?.duration_ms).toBe('number');
  });

  it('masks secrets in the path and user agent it writes (the lines are prebuilt, not walked)', async () => {
    await t.app.request('/items/syft_pat_PathSecret1', {
      headers: { 'User-Agent': 'agent Bearer UaSecret.2 "quoted"\\ ' + 'x'.repeat(1200) },
    });
    const text = JSON.stringify(t.lines);
    expect(text).not.toContain('PathSecret1');
    expect(text).not.toContain('UaSecret');
    const started = t.lines.find((l) => l.event === 'request.started');
    const completed = t.lines.find((l) => l.event === 'request.completed');
    for (const line of [started, completed]) {
      expect(line).toMatchObject({ path: '/items/[REDACTED]', route: '/items/:id' });
      expect(line?.user_agent).toMatch(
        /^agent Bearer \[REDACTED\] "quoted"\\ x+\.\.\.\[truncated \d+ chars\]$/,
      );
      expect(typeof line?.correlation_id).toBe('string');
    }
  });

  it('logs 4xx at warn, strips the query and skips probe paths', async () => {
    await t.app.request('/items/9?secret=1', { method: 'DELETE' });
    await t.app.request('/health');
    await t.app.request('/ready');
    await t.app.request('/metrics');
    const completed = t.lines.filter((l) => l.event === 'request.completed');
    expect(completed).toHaveLength(1);
    expect(completed[0]).toMatchObject({
      level: 'warn',
      status_code: 405,
      path: '/items/9',
      route: 'unmatched',
    });
  });
});
