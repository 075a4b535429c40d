import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifySatelliteToken } from '@syfthub/auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app';
import { type Account, createEndpoint, setUserDomain } from './endpoints-fixtures';
import { createTestBackend, request, type TestBackend } from './harness';

// The invocation proxy (§4.4) against a real local satellite-like server, allowed through SSRF_ALLOWED_HOSTS.

interface Seen {
  path: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

let satellite: Server;
let satellitePort: number;
let refusedPort: number;
const seen: Seen[] = [];
let backend: TestBackend;
let owner: Account;
let caller: Account;

async function listen(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

function startSatellite(): Server {
  return createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const slug = /^\/api\/v1\/endpoints\/([^/]+)\/query$/.exec(req.url ?? '')?.[1] ?? '';
    seen.push({ path: req.url ?? '', headers: req.headers, body: text ? JSON.parse(text) : null });
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    switch (slug) {
      case 'echo':
        return json(200, { answer: 42, received: text ? JSON.parse(text) : null });
      case 'text':
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        return res.end('plain words');
      case 'deny':
        return json(403, { detail: 'policy says no' });
      case 'unauthorized':
        return json(401, { detail: 'bad token' });
      case 'boom':
        return json(500, { detail: 'stack trace with secrets' });
      case 'missing':
        return json(404, { detail: 'nope' });
      case 'redirect':
        res.writeHead(302, { Location: 'http://169.254.169.254/latest/meta-data' });
        return res.end();
      case 'slow':
        setTimeout(() => json(200, { late: true }), 3_000).unref();
        return;
      case 'huge': {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        const block = Buffer.alloc(1024 * 1024, 'a');
        for (let i = 0; i < 11; i += 1) if (!res.write(block)) await once(res, 'drain');
        return res.end();
      }
      default:
        return json(404, { detail: 'unknown' });
    }
  });
}

beforeAll(async () => {
  satellite = startSatellite();
  satellitePort = await listen(satellite);
  const closed = createServer();
  refusedPort = await listen(closed);
  closed.close();
  backend = await createTestBackend({
    SSRF_ALLOWED_HOSTS: `127.0.0.1:${satellitePort},127.0.0.1:${refusedPort}`,
    PROXY_TIMEOUT_DATA_SOURCE_SECONDS: '1',
    RATE_LIMIT_ENABLED: 'true',
    AUTH_RATE_LIMIT_MAX: '1000',
    PROXY_RATE_LIMIT_MAX: '500',
  });
  owner = await backend.registerUser();
  caller = await backend.registerUser();
  await setUserDomain(backend, owner.user.id, `http://127.0.0.1:${satellitePort}`);
  const connect = [{ type: 'http', config: { url: '' } }];
  for (const slug of ['echo', 'text', 'deny', 'unauthorized', 'boom', 'missing', 'redirect', 'huge']) {
    await createEndpoint(backend, owner.access_token, { name: slug, slug, connect, type: 'model' });
  }
  await createEndpoint(backend, owner.access_token, {
    name: 'slow',
    slug: 'slow',
    connect,
    type: 'data_source',
  });
});
afterAll(async () => {
  satellite.closeAllConnections();
  satellite.close();
  await backend.close();
});

const invoke = (
  path: string,
  init: { token?: string; json?: unknown; raw?: string; headers?: Record<string, string> } = {},
) =>
  backend.api<Record<string, unknown>>('POST', `/${path}`, {
    json: init.raw === undefined ? (init.json ?? { messages: [] }) : undefined,
    ...init,
  });

describe('POST /{owner}/{slug} invocation proxy', () => {
  it('forwards the body and answers with the satellite JSON and the latency header', async () => {
    seen.length = 0;
    const res = await invoke(`${owner.user.username}/echo`, {
      token: caller.access_token,
      json: { messages: [{ role: 'user', content: 'hi' }] },
      headers: { 'X-Correlation-ID': 'proxy-test-1', 'X-Tenant-Name': 'acme' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ answer: 42, received: { messages: [{ role: 'user', content: 'hi' }] } });
    expect(Number(res.headers.get('x-proxy-latency-ms'))).toBeGreaterThanOrEqual(0);
    expect(res.headers.get('x-ratelimit-limit')).toBe('500');
    const [hit] = seen;
    expect(hit!.path).toBe('/api/v1/endpoints/echo/query');
    expect(hit!.headers['x-correlation-id']).toBe('proxy-test-1');
    expect(hit!.headers['x-tenant-name']).toBe('acme');
    expect(hit!.headers['content-type']).toBe('application/json');
    const token = (hit!.headers.authorization ?? '').replace(/^Bearer /, '');
    expect(token).not.toBe(caller.access_token);
    const verified = await verifySatelliteToken(token, {
      keys: backend.deps.keyRing!,
      audience: owner.user.username,
      issuer: backend.config.ISSUER_URL,
    });
    expect(verified.valid).toBe(true);
    if (verified.valid) {
      expect(verified.claims).toMatchObject({
        sub: String(caller.user.id),
        aud: owner.user.username,
        username: caller.user.username,
      });
    }
  });

  it('sends a guest token for anonymous callers, and none when the identity provider is off', async () => {
    seen.length = 0;
    expect((await invoke(`${owner.user.username}/echo`)).status).toBe(200);
    const token = (seen[0]!.headers.authorization ?? '').replace(/^Bearer /, '');
    const verified = await verifySatelliteToken(token, {
      keys: backend.deps.keyRing!,
      audience: owner.user.username,
      issuer: backend.config.ISSUER_URL,
    });
    expect(verified.valid && verified.claims.sub).toBe('guest');

    seen.length = 0;
    const keyless = createApp({ ...backend.deps, keyRing: null, satelliteTokens: null });
    const res = await request(keyless, 'POST', `/${owner.user.username}/echo`, { json: {} });
    expect(res.status).toBe(200);
    expect(seen[0]!.headers.authorization).toBeUndefined();
  });

  it('wraps non-JSON answers in raw_response', async () => {
    const res = await invoke(`${owner.user.username}/text`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ raw_response: 'plain words' });
  });

  it('maps satellite errors: 403 with its detail, other statuses with a generic detail', async () => {
    const deny = await invoke(`${owner.user.username}/deny`);
    expect(deny.status).toBe(403);
    expect(deny.body).toEqual({ detail: 'Target endpoint denied access: policy says no' });
    const unauthorized = await invoke(`${owner.user.username}/unauthorized`, { token: caller.access_token });
    expect(unauthorized.status).toBe(403);
    expect(unauthorized.body).toEqual({ detail: 'Target endpoint denied access: bad token' });
    const boom = await invoke(`${owner.user.username}/boom`);
    expect(boom.status).toBe(500);
    expect(boom.body).toEqual({ detail: 'Target endpoint returned an error' });
    const missing = await invoke(`${owner.user.username}/missing`);
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ detail: 'Target endpoint returned an error' });
    const redirect = await invoke(`${owner.user.username}/redirect`);
    expect(redirect.status).toBe(502);
    expect(redirect.body).toEqual({ detail: 'Target endpoint returned an error' });
    const huge = await invoke(`${owner.user.username}/huge`);
    expect(huge.status).toBe(502);
  });

  it('times out by endpoint type (504) and reports refused connections (502)', async () => {
    const slow = await invoke(`${owner.user.username}/slow`);
    expect(slow.status).toBe(504);
    expect(slow.body).toEqual({ detail: 'Request to target endpoint timed out after 1s' });
    const other = await backend.registerUser();
    await setUserDomain(backend, other.user.id, `http://127.0.0.1:${refusedPort}`);
    await createEndpoint(backend, other.access_token, {
      name: 'gone',
      connect: [{ type: 'http', config: { url: '' } }],
    });
    const refused = await invoke(`${other.user.username}/gone`);
    expect(refused.status).toBe(502);
    expect(refused.body).toEqual({ detail: 'Failed to connect to target endpoint' });
  });

  it('blocks private, loopback, link-local and localhost targets', async () => {
    const account = await backend.registerUser();
    const targets = [
      `http://127.0.0.1:${satellitePort + 1 === refusedPort ? satellitePort + 2 : satellitePort + 1}`,
      'http://10.1.2.3',
      'http://169.254.169.254/latest',
      `http://[::1]:${satellitePort}`,
      `http://localhost:${satellitePort}`,
      'http://192.168.1.10:8003',
    ];
    for (const [i, url] of targets.entries()) {
      await createEndpoint(backend, account.access_token, {
        name: `ssrf ${i}`,
        slug: `ssrf-${i}`,
        connect: [{ type: 'http', config: { url } }],
      });
      const res = await invoke(`${account.user.username}/ssrf-${i}`);
      expect(res.status, url).toBe(403);
      expect(res.body).toEqual({ detail: 'Access to internal or private IP addresses is not allowed' });
    }
    await createEndpoint(backend, account.access_token, {
      name: 'dns',
      connect: [{ type: 'http', config: { url: 'http://no-such-host.invalid' } }],
    });
    const dns = await invoke(`${account.user.username}/dns`);
    expect(dns.status).toBe(400);
    expect(dns.body).toEqual({ detail: 'Could not resolve domain: no-such-host.invalid' });
  });

  it('explains endpoints that cannot be proxied with 400', async () => {
    const account = await backend.registerUser();
    const path = (slug: string) => `${account.user.username}/${slug}`;
    await createEndpoint(backend, account.access_token, { name: 'bare', slug: 'bare' });
    await createEndpoint(backend, account.access_token, {
      name: 'relative',
      slug: 'relative',
      connect: [{ type: 'http', config: { url: '/x' } }],
    });
    await createEndpoint(backend, account.access_token, {
      name: 'tunnel',
      slug: 'tunnel',
      connect: [{ type: 'http', config: { url: `tunneling:${account.user.username}` } }],
    });
    await createEndpoint(backend, account.access_token, {
      name: 'disabled first',
      slug: 'disabled-first',
      connect: [
        { type: 'http', enabled: false, config: { url: 'http://10.0.0.1' } },
        { type: 'http', config: { url: `http://127.0.0.1:${satellitePort}` } },
      ],
    });
    const bare = await invoke(path('bare'));
    expect(bare.status).toBe(400);
    expect(bare.body).toEqual({ detail: `Endpoint '${path('bare')}' has no connections configured` });
    expect((await invoke(path('relative'))).body).toEqual({
      detail: `Owner of endpoint '${path('relative')}' has no domain configured`,
    });
    expect((await invoke(path('tunnel'))).body).toEqual({
      detail: `Endpoint '${path('tunnel')}' is reachable only through a tunnel, which this hub does not proxy`,
    });
    // The first enabled connection wins; the satellite answers 404 for this slug.
    expect((await invoke(path('disabled-first'))).status).toBe(404);
    for (const raw of ['[1,2]', 'not json', '"text"', 'null', '']) {
      const res = await invoke(`${owner.user.username}/echo`, {
        raw,
        headers: { 'Content-Type': 'application/json' },
      });
      expect(res.status, raw).toBe(400);
      expect(res.body).toEqual({ detail: 'Invalid JSON request body' });
    }
  });

  it('applies the visibility rules before proxying', async () => {
    const account = await backend.registerUser();
    const connect = [{ type: 'http', config: { url: `http://127.0.0.1:${satellitePort}` } }];
    await createEndpoint(backend, account.access_token, {
      name: 'inside',
      slug: 'inside',
      visibility: 'internal',
      connect,
    });
    await createEndpoint(backend, account.access_token, {
      name: 'mine',
      slug: 'mine',
      visibility: 'private',
      connect,
    });
    expect((await invoke(`${account.user.username}/inside`)).status).toBe(401);
    // Signed in, the internal endpoint is proxied (the test satellite knows no such slug and answers 404).
    const proxied = await invoke(`${account.user.username}/inside`, { token: caller.access_token });
    expect(proxied.body).toEqual({ detail: 'Target endpoint returned an error' });
    const hidden = await invoke(`${account.user.username}/mine`, { token: caller.access_token });
    expect(hidden.body).toEqual({ detail: 'Owner or endpoint not found' });
    expect((await invoke(`${account.user.username}/nothing`)).body).toEqual({
      detail: 'Owner or endpoint not found',
    });
  });
});
