import { createServer, type Server } from 'node:http';
import { Agent, request as httpsRequest } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BODY_LIMITS } from '../test/support/body-limits';
import { type EdgeAnswer, edgeRequest } from '../test/support/edge-request';

// Runs against the production-like stack (`pnpm stack:up`, driven by `pnpm test:e2e`): real nginx with TLS in
// front of the separately started backend, aggregator, mcp and reference satellite.
const HTTPS_PORT = Number(process.env.STACK_HTTPS_PORT ?? 8443);
const HTTP_PORT = Number(process.env.STACK_HTTP_PORT ?? 8080);
// A model endpoint on this port is allowed by the stack's SSRF allow-list (STACK_EXTRA_SSRF_HOSTS).
const SLOW_MODEL_PORT = Number(process.env.STACK_SLOW_MODEL_PORT ?? 18093);
const TOKEN_GAP_MS = 400;
// The services themselves, behind nginx.
const SERVICE_PORTS = {
  backend: Number(process.env.STACK_BACKEND_PORT ?? 8000),
  aggregator: Number(process.env.STACK_AGGREGATOR_PORT ?? 8001),
  mcp: Number(process.env.STACK_MCP_PORT ?? 8002),
};

function call(
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string; tls?: boolean } = {},
): Promise<EdgeAnswer> {
  return edgeRequest({ port: (options.tls ?? true) ? HTTPS_PORT : HTTP_PORT, path, ...options });
}

// A satellite model that streams its answer one word every TOKEN_GAP_MS, as an OpenAI-compatible stream.
function slowModel(): Promise<Server> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      const words = ['streamed ', 'through ', 'nginx'];
      let i = 0;
      const timer = setInterval(() => {
        const word = words[i++];
        if (word === undefined) {
          clearInterval(timer);
          res.end('data: [DONE]\n\n');
          return;
        }
        res.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: word } }] })}\n\n`);
      }, TOKEN_GAP_MS);
    });
  });
  return new Promise((resolve) => server.listen(SLOW_MODEL_PORT, '127.0.0.1', () => resolve(server)));
}

describe.skipIf(!process.env.STACK_E2E)('the nginx stack', () => {
  let model: Server;
  beforeAll(async () => {
    model = await slowModel();
  });
  afterAll(async () => {
    await new Promise((r) => model.close(r));
  });

  it('redirects HTTP to HTTPS, except the health probes', async () => {
    const redirect = await call('/browse', { tls: false });
    expect(redirect.status).toBe(301);
    expect(redirect.headers.location).toBe(`https://localhost:${HTTPS_PORT}/browse`);
    const health = await call('/health', { tls: false });
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toMatchObject({ status: 'healthy' });
  });

  it('sends the security headers on the SPA and on API answers', async () => {
    for (const path of ['/', '/api/v1/endpoints/public']) {
      const res = await call(path);
      expect(res.status).toBe(200);
      expect(res.headers['strict-transport-security']).toBe('max-age=63072000; includeSubDomains');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['x-correlation-id']).toBeTruthy();
    }
    const spa = await call('/', { headers: { Accept: 'text/html' } });
    expect(spa.headers['content-security-policy']).toContain("script-src 'self'");
    expect(spa.body).toContain('<div id="root">');
  });

  it('answers the MCP well-known documents from apps/mcp, not the SPA', async () => {
    const res = await call('/.well-known/oauth-authorization-server/mcp', {
      headers: { Accept: 'text/html' },
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('application/json');
    expect(JSON.parse(res.body)).toMatchObject({ issuer: `https://localhost:${HTTPS_PORT}/mcp` });
    const prm = JSON.parse((await call('/.well-known/oauth-protected-resource/mcp')).body);
    expect(prm.resource).toBe(`https://localhost:${HTTPS_PORT}/mcp`);
  });

  it('dispatches owner paths to the backend for API clients and to the SPA for browsers', async () => {
    const api = await call('/syfthub/syfthub-guide', { headers: { Accept: 'application/json' } });
    expect(JSON.parse(api.body)).toMatchObject({ slug: 'syfthub-guide', owner_username: 'syfthub' });
    const page = await call('/syfthub/syfthub-guide', { headers: { Accept: 'text/html' } });
    expect(page.body).toContain('<div id="root">');
  });

  it("hides the aggregator's readiness and metrics, as the backend's", async () => {
    for (const path of ['/ready', '/metrics', '/aggregator/ready', '/aggregator/metrics']) {
      expect((await call(path)).status, path).toBe(404);
    }
    expect((await call('/aggregator/health')).status).toBe(200);
  });

  it('has each service refuse exactly what the edge refuses: the body limits of the public routes', async () => {
    for (const { path, bytes, service, servicePath } of BODY_LIMITS) {
      const direct = { port: SERVICE_PORTS[service], path: servicePath, method: 'POST', tls: false };
      const over = await edgeRequest({ ...direct, body: 'x'.repeat(bytes + 1) });
      expect(over.status, `${service} ${servicePath}: ${bytes + 1} bytes`).toBe(413);
      const within = await edgeRequest({ ...direct, body: 'x'.repeat(bytes) });
      expect(within.status, `${service} ${servicePath}: ${bytes} bytes`).not.toBe(413);
      expect(
        (await call(path, { method: 'POST', headers: { 'Content-Length': String(bytes + 1) } })).status,
      ).toBe(413);
    }
  });

  it('answers the next request on a connection after a ~900 KB body each service refused unread', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false });
    const big = 'x'.repeat(900 * 1024);
    try {
      for (const [path, status] of [
        ['/api/v1/auth/tokens', 401],
        ['/api/v1/no-such-route', 404],
        ['/aggregator/api/v1/no-such-route', 404],
        ['/mcp/oauth/userinfo', 401],
        ['/api/v1/errors/report', 413],
      ] as const) {
        for (let round = 0; round < 3; round++) {
          const refused = await edgeRequest({ port: HTTPS_PORT, path, method: 'POST', body: big, agent });
          expect(refused.status, path).toBe(status);
          const next = await edgeRequest({
            port: HTTPS_PORT,
            path: '/api/v1/endpoints/search',
            method: 'POST',
            body: '{"query":"guide"}',
            headers: { 'Content-Type': 'application/json' },
            agent,
          });
          expect(next.status, `after ${path}, round ${round}: ${next.body}`).toBe(200);
        }
      }
    } finally {
      agent.destroy();
    }
  });

  it('streams SSE through nginx unbuffered: tokens arrive before the model has finished', async () => {
    const body = JSON.stringify({
      prompt: 'Say something',
      model: { url: `http://127.0.0.1:${SLOW_MODEL_PORT}`, slug: 'slow', name: 'Slow model' },
      data_sources: [],
    });
    const arrivals: Array<{ event: string; at: number }> = [];
    const started = Date.now();
    await new Promise<void>((resolve, reject) => {
      const req = httpsRequest(
        {
          host: '127.0.0.1',
          port: HTTPS_PORT,
          path: '/aggregator/api/v1/chat/stream',
          method: 'POST',
          headers: { Host: 'localhost', 'Content-Type': 'application/json', Accept: 'text/event-stream' },
          rejectUnauthorized: false,
        },
        (res) => {
          expect(res.headers['content-type']).toContain('text/event-stream');
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            for (const match of chunk.matchAll(/^event: (\S+)$/gm))
              arrivals.push({ event: match[1] as string, at: Date.now() });
          });
          res.on('end', () => resolve());
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    const tokens = arrivals.filter((a) => a.event === 'token');
    const done = arrivals.find((a) => a.event === 'done');
    expect(tokens.length).toBeGreaterThanOrEqual(3);
    expect(done).toBeDefined();
    // Buffered, every event would arrive together at the end; unbuffered, the first token is a full model
    // gap ahead of the last.
    expect((done?.at ?? 0) - (tokens[0]?.at ?? 0)).toBeGreaterThan(TOKEN_GAP_MS);
    expect((tokens[0]?.at ?? 0) - started).toBeLessThan(3 * TOKEN_GAP_MS);
  });
});
