import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectNats } from '@syfthub/tunnel';
import { startNatsServer, type TestNatsServer } from '@syfthub/tunnel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { ensureSelfSignedCert } from '../local-stack/certs.mjs';
import { nginxArgs, renderNginx } from '../local-stack/nginx.mjs';
import { BODY_LIMITS } from './support/body-limits';
import { edgeRequest } from './support/edge-request';
import { echoUpstream, freePort, NGINX, portOf, runsWithNginx, waitForNginx } from './support/nginx-harness';

const get = (port: number, path: string, headers: Record<string, string> = {}, method = 'GET') =>
  edgeRequest({ port, path, headers, method });
const plainGet = (port: number, path: string) => edgeRequest({ port, path, tls: false });

describe.runIf(runsWithNginx())('nginx configs', () => {
  const prefix = mkdtempSync(join(tmpdir(), 'syfthub-nginx-'));
  const webRoot = mkdtempSync(join(tmpdir(), 'syfthub-web-'));
  let servers: Server[] = [];
  let httpPort = 0;
  let httpsPort = 0;
  let nginx: ReturnType<typeof spawn> | undefined;
  let nats: TestNatsServer;

  beforeAll(async () => {
    nats = await startNatsServer({ mode: 'token' });
    writeFileSync(join(webRoot, 'index.html'), '<!doctype html><title>SPA</title>');
    // nginx workers run as an unprivileged user: the web root must be world-readable, as a deployed one is.
    chmodSync(webRoot, 0o755);
    const backend = await echoUpstream('backend', (req, res) => {
      if (req.url !== '/api/v1/with-headers') return false;
      // Services send their own security headers and correlation id; the edge must not duplicate them.
      res.writeHead(200, {
        'Content-Type': 'application/json',
        'X-Content-Type-Options': 'nosniff',
        'X-Frame-Options': 'DENY',
        'Referrer-Policy': 'no-referrer',
        'X-Correlation-ID': 'from-service',
      });
      res.end('{}');
      return true;
    });
    const aggregator = await echoUpstream('aggregator', (req, res) => {
      if (req.url !== '/api/v1/chat/stream') return false;
      // First event immediately, the rest after a delay: proves nginx does not buffer the stream.
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
      res.write('event: retrieval_start\ndata: {"sources":0}\n\n');
      setTimeout(() => res.end('event: done\ndata: {}\n\n'), 1500);
      return true;
    });
    // Agent sessions: the stub accepts the upgrade and says what nginx forwarded.
    const sockets = new WebSocketServer({ noServer: true });
    aggregator.on('upgrade', (req, socket, head) => {
      sockets.handleUpgrade(req, socket, head, (ws) => {
        ws.send(JSON.stringify({ url: req.url, host: req.headers.host }));
        ws.on('message', (data) => ws.send(data.toString()));
      });
    });
    const mcp = await echoUpstream('mcp');
    servers = [backend, aggregator, mcp];
    httpPort = await freePort();
    httpsPort = await freePort();
    renderNginx({
      variant: 'prod',
      prefix,
      httpPort,
      httpsPort,
      upstreams: {
        backend: `127.0.0.1:${portOf(backend)}`,
        aggregator: `127.0.0.1:${portOf(aggregator)}`,
        mcp: `127.0.0.1:${portOf(mcp)}`,
        nats: new URL(nats.wsUrl).host,
      },
      webRoot,
      certDir: ensureSelfSignedCert(join(prefix, 'ssl')),
    });
    nginx = spawn(NGINX, nginxArgs(prefix, '-g', 'daemon off;'), { stdio: 'ignore' });
    await waitForNginx(httpPort);
  });

  afterAll(async () => {
    nginx?.kill('SIGTERM');
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    await nats.stop();
  });

  it('passes nginx -t for the prod and dev configs', () => {
    for (const variant of ['prod', 'dev'] as const) {
      const dir = mkdtempSync(join(tmpdir(), `syfthub-nginx-t-${variant}-`));
      renderNginx({
        variant,
        prefix: dir,
        httpPort: 18080,
        httpsPort: 18443,
        upstreams: {
          backend: '127.0.0.1:1',
          aggregator: '127.0.0.1:2',
          mcp: '127.0.0.1:3',
          web: '127.0.0.1:4',
        },
        webRoot,
        certDir: ensureSelfSignedCert(join(dir, 'ssl')),
      });
      const out = execFileSync(NGINX, nginxArgs(dir, '-t'), {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      expect(out).toBe('');
    }
  });

  it('redirects HTTP to HTTPS except /health and /nginx-health', async () => {
    const redirect = await plainGet(httpPort, '/browse?tab=models');
    expect(redirect.status).toBe(301);
    expect(redirect.headers.location).toBe(`https://localhost:${httpsPort}/browse?tab=models`);
    expect((await plainGet(httpPort, '/nginx-health')).status).toBe(200);
    const health = await plainGet(httpPort, '/health');
    expect(JSON.parse(health.body).upstream).toBe('backend');
  });

  it('sends security headers, HSTS and a correlation id on every HTTPS response', async () => {
    const res = await get(httpsPort, '/');
    expect(res.status).toBe(200);
    expect(res.body).toContain('SPA');
    expect(res.headers['strict-transport-security']).toBe('max-age=63072000; includeSubDomains');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['x-correlation-id']).toMatch(/^[0-9a-f]{32}$/);
    expect(res.headers.server).toBe('nginx');
  });

  it('sends each security header once and keeps the service correlation id on proxied answers', async () => {
    const res = await get(httpsPort, '/api/v1/with-headers');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['referrer-policy']).toBe('strict-origin-when-cross-origin');
    expect(res.headers['x-correlation-id']).toBe('from-service');
  });

  it('routes by prefix and forwards client ip, proto and correlation id', async () => {
    const api = JSON.parse(
      (await get(httpsPort, '/api/v1/endpoints/public', { 'X-Correlation-ID': 'abc-123' })).body,
    );
    expect(api).toMatchObject({
      upstream: 'backend',
      url: '/api/v1/endpoints/public',
      realIp: '127.0.0.1',
      proto: 'https',
      correlationId: 'abc-123',
    });
    const agg = JSON.parse((await get(httpsPort, '/aggregator/health')).body);
    expect(agg).toMatchObject({ upstream: 'aggregator', url: '/health' });
    expect(JSON.parse((await get(httpsPort, '/mcp')).body).upstream).toBe('mcp');
    expect(JSON.parse((await get(httpsPort, '/register', {}, 'POST')).body).upstream).toBe('mcp');
    expect(JSON.parse((await get(httpsPort, '/.well-known/jwks.json')).body).upstream).toBe('backend');
  });

  it('answers the MCP well-known documents from mcp, never the SPA, and 404s other well-known paths as JSON', async () => {
    const res = await get(httpsPort, '/.well-known/oauth-authorization-server/mcp', { Accept: 'text/html' });
    expect(JSON.parse(res.body)).toMatchObject({
      upstream: 'mcp',
      url: '/.well-known/oauth-authorization-server/mcp',
    });
    const other = await get(httpsPort, '/.well-known/security.txt', { Accept: 'text/html' });
    expect(other.status).toBe(404);
    expect(JSON.parse(other.body)).toEqual({ detail: 'Not Found' });
  });

  it('dispatches owner paths: browsers get the SPA, API clients get the backend', async () => {
    const browser = await get(httpsPort, '/alice/legal-docs', { Accept: 'text/html,application/xhtml+xml' });
    expect(browser.body).toContain('SPA');
    const sdk = await get(httpsPort, '/alice/legal-docs', { Accept: 'application/json' });
    expect(JSON.parse(sdk.body)).toMatchObject({ upstream: 'backend', url: '/alice/legal-docs' });
    const post = await get(httpsPort, '/alice/legal-docs', { Accept: 'text/html' }, 'POST');
    expect(JSON.parse(post.body).upstream).toBe('backend');
    const deep = await get(httpsPort, '/a/b/c', { Accept: 'application/json' });
    expect(deep.body).toContain('SPA');
  });

  it("hides /ready, /metrics, the aggregator's and the internal error-report route", async () => {
    for (const path of [
      '/ready',
      '/metrics',
      '/aggregator/ready',
      '/aggregator/metrics',
      '/aggregator/metrics/x',
      '/api/v1/errors/service-report',
    ]) {
      const res = await get(httpsPort, path);
      expect(res.status, path).toBe(404);
      expect(JSON.parse(res.body), path).toEqual({ detail: 'Not Found' });
    }
    expect(JSON.parse((await get(httpsPort, '/aggregator/health')).body).url).toBe('/health');
  });

  it("enforces each route's body limit exactly, refusing in the services' JSON shape", async () => {
    for (const { path, bytes } of BODY_LIMITS) {
      const over = await get(httpsPort, path, { 'Content-Length': String(bytes + 1) }, 'POST');
      expect(over.status, `${path}: ${bytes + 1} bytes`).toBe(413);
      expect(JSON.parse(over.body), path).toEqual({ detail: 'Request body too large' });
      const within = await edgeRequest({
        port: httpsPort,
        path,
        method: 'POST',
        headers: { Accept: 'application/json' },
        body: 'x'.repeat(bytes),
      });
      expect(JSON.parse(within.body), `${path}: ${bytes} bytes`).toMatchObject({
        method: 'POST',
        bodyBytes: bytes,
      });
    }
  });

  it('throttles the credential routes per address, and not /auth/me or token listing', async () => {
    // All at once, so the zone's 10-request burst is spent however slowly this machine answers.
    const flood = (routes: Array<[string, string]>, each: number) =>
      Promise.all(
        routes.map(async ([method, path]) => {
          const answers = await Promise.all(
            Array.from({ length: each }, () => get(httpsPort, path, {}, method)),
          );
          return { path, answers };
        }),
      );
    const open = await flood(
      [
        ['GET', '/api/v1/auth/me'],
        ['GET', '/api/v1/auth/tokens'],
        ['POST', '/api/v1/auth/logout'],
      ],
      30,
    );
    for (const { path, answers } of open)
      expect(new Set(answers.map((a) => a.status)), path).toEqual(new Set([200]));
    // One route after another: each flood finds the shared bucket empty or empties it.
    const credential: Array<{ path: string; answers: Awaited<ReturnType<typeof get>>[] }> = [];
    for (const route of [
      ['POST', '/api/v1/auth/login'],
      ['POST', '/api/v1/auth/register'],
      ['POST', '/api/v1/auth/register/verify-otp'],
      ['POST', '/api/v1/auth/register/resend-otp'],
      ['POST', '/api/v1/auth/password-reset/request'],
      ['POST', '/api/v1/auth/password-reset/confirm'],
      ['POST', '/api/v1/auth/refresh'],
      ['PUT', '/api/v1/auth/me/password'],
    ] as Array<[string, string]>)
      credential.push(...(await flood([route], 20)));
    for (const { path, answers } of credential) {
      const refused = answers.filter((a) => a.status === 429);
      expect(refused.length, path).toBeGreaterThan(0);
      expect(JSON.parse(refused[0]?.body ?? '{}')).toEqual({
        detail: 'Too many requests. Please slow down and try again later.',
      });
    }
  });

  it('streams SSE through /aggregator without buffering', async () => {
    const started = Date.now();
    const firstChunkAt = await new Promise<number>((resolve, reject) => {
      const req = httpsRequest(
        {
          host: '127.0.0.1',
          port: httpsPort,
          path: '/aggregator/api/v1/chat/stream',
          method: 'GET',
          headers: { Host: 'localhost' },
          rejectUnauthorized: false,
        },
        (res) => {
          res.once('data', () => resolve(Date.now()));
          res.resume();
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(firstChunkAt - started).toBeLessThan(1000);
  });

  it('upgrades /aggregator/api/v1/agent/ to the aggregator WebSocket, prefix stripped, Host with its port', async () => {
    const ws = new WebSocket(`wss://127.0.0.1:${httpsPort}/aggregator/api/v1/agent/session`, {
      rejectUnauthorized: false,
    });
    const frames: string[] = [];
    const two = new Promise<void>((resolve, reject) => {
      ws.on('message', (data) => {
        frames.push(data.toString());
        if (frames.length === 2) resolve();
      });
      ws.on('error', reject);
    });
    ws.on('open', () => ws.send('{"type":"ping"}'));
    await two;
    ws.close();
    expect(JSON.parse(frames[0]!)).toEqual({ url: '/api/v1/agent/session', host: `127.0.0.1:${httpsPort}` });
    expect(frames[1]).toBe('{"type":"ping"}');
    for (const variant of ['nginx.prod.conf', 'nginx.dev.conf']) {
      expect(readFileSync(join(import.meta.dirname, '../../nginx/common/routes.conf'), 'utf8')).toContain(
        'location ^~ /aggregator/api/v1/agent/ { include common/agent-sessions.conf; }',
      );
      expect(readFileSync(join(import.meta.dirname, '../../nginx', variant), 'utf8')).toContain(
        'include common/routes.conf;',
      );
    }
    const agentConf = readFileSync(
      join(import.meta.dirname, '../../nginx/common/agent-sessions.conf'),
      'utf8',
    );
    expect(agentConf).toMatch(/proxy_read_timeout 1800s;/);
    expect(agentConf).toMatch(/proxy_send_timeout 1800s;/);
  });

  it('upgrades /nats to the NATS WebSocket listener: a node with the token meets an internal TCP client', async () => {
    // A raw client speaking the NATS protocol over wss://<edge>/nats, as the Go node does (tunnelling.md §2.3).
    const ws = new WebSocket(`wss://127.0.0.1:${httpsPort}/nats`, { rejectUnauthorized: false });
    // Everything the node receives is kept from the start: a message that arrives between two waits (the MSG can
    // beat the publisher's flush) must not be lost.
    let received = '';
    const waiters = new Set<() => void>();
    ws.on('message', (data: Buffer) => {
      received += data.toString();
      for (const wake of [...waiters]) wake();
    });
    const waitFor = (text: string) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no ${text} in ${received}`));
        }, 10_000);
        function check() {
          if (!received.includes(text)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        }
        waiters.add(check);
        check();
      });
    ws.on('error', () => {});
    await waitFor('INFO ');
    expect(received).toContain('"auth_required":true');
    ws.send(
      `CONNECT {"auth_token":"${nats.token}","verbose":false,"headers":true}\r\nSUB syfthub.spaces.edge 1\r\nPING\r\n`,
    );
    await waitFor('PONG');
    const aggregator = await connectNats({ url: nats.tcpUrl, token: nats.token, name: 'edge-test' });
    aggregator.publish('syfthub.spaces.edge', 'through nginx');
    await aggregator.flush();
    await waitFor('through nginx');
    expect(received).toMatch(/MSG syfthub\.spaces\.edge 1 13\r\nthrough nginx/);
    await aggregator.close();
    ws.close();

    const wrong = new WebSocket(`wss://127.0.0.1:${httpsPort}/nats`, { rejectUnauthorized: false });
    const refused = await new Promise<string>((resolve) => {
      let text = '';
      wrong.on('message', (data: Buffer) => {
        text += data.toString();
        if (text.includes('INFO ')) wrong.send('CONNECT {"auth_token":"wrong"}\r\nPING\r\n');
        if (text.includes('-ERR')) resolve(text);
      });
    });
    expect(refused).toContain('Authorization Violation');
    wrong.close();

    const conf = readFileSync(join(import.meta.dirname, '../../nginx/common/nats.conf'), 'utf8');
    expect(conf).toMatch(/proxy_read_timeout 86400s;/);
    expect(conf).toMatch(/proxy_send_timeout 86400s;/);
    expect(conf).toMatch(/proxy_buffering off;/);
    const routes = readFileSync(join(import.meta.dirname, '../../nginx/common/routes.conf'), 'utf8');
    expect(routes).toContain('location = /nats { include common/nats.conf; }');
    expect(routes).toContain('location ^~ /nats/ { include common/nats.conf; }');
    for (const variant of ['nginx.prod.conf', 'nginx.dev.conf']) {
      expect(readFileSync(join(import.meta.dirname, '../../nginx', variant), 'utf8')).toMatch(
        /upstream nats \{\s+server nats:9222;/,
      );
    }
  });
});
