import { execFileSync } from 'node:child_process';
import { getEventListeners } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createSsrfGuard,
  DnsResolutionError,
  InvalidTargetUrlError,
  type Resolver,
  SsrfBlockedError,
} from '../src/ssrf';

interface Seen {
  method: string;
  url: string;
  host: string | undefined;
  body: string;
}

function startServer(
  host: string,
  port: number,
  handler: (req: http.IncomingMessage, res: http.ServerResponse, seen: Seen[]) => void,
): Promise<{ server: http.Server; port: number; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', host: req.headers.host, body });
      handler(req, res, seen);
    });
  });
  return new Promise((resolve) => {
    server.listen(port, host, () => resolve({ server, port: (server.address() as AddressInfo).port, seen }));
  });
}

const closers: Array<() => void> = [];
afterAll(() => {
  for (const close of closers) close();
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('check', () => {
  const guard = createSsrfGuard();
  closers.push(() => guard.close());

  it.each([
    'http://169.254.169.254/latest/meta-data/',
    'http://[::1]:8003/',
    'http://[::ffff:10.0.0.1]/',
    'http://[fd12::1]/',
    'http://10.1.2.3:8080/x',
    'https://192.168.0.10/',
    'http://0x7f.1/',
    'http://2130706433/',
  ])('blocks %s with a 403 SsrfBlockedError', async (url) => {
    const err = await rejection(guard.check(url));
    expect(err).toBeInstanceOf(SsrfBlockedError);
    expect((err as SsrfBlockedError).status).toBe(403);
    expect((err as SsrfBlockedError).detail).toBe(
      'Access to internal or private IP addresses is not allowed',
    );
  });

  it('blocks a host name that resolves to a loopback address', async () => {
    const err = await rejection(guard.check('http://localhost:9/'));
    expect(err).toBeInstanceOf(SsrfBlockedError);
    expect((err as SsrfBlockedError).host).toBe('localhost');
  });

  it('blocks when any of the resolved addresses is private', async () => {
    const resolver: Resolver = async () => [
      { address: '93.184.216.34', family: 4 },
      { address: '10.0.0.7', family: 4 },
    ];
    const g = createSsrfGuard({ resolver });
    const err = await rejection(g.check('https://mixed.example/'));
    expect(err).toBeInstanceOf(SsrfBlockedError);
    expect((err as SsrfBlockedError).address).toBe('10.0.0.7');
    g.close();
  });

  it('passes public addresses and reports the one to connect to', async () => {
    const resolver: Resolver = async () => [
      { address: '2606:4700::6810:84e5', family: 6 },
      { address: '93.184.216.34', family: 4 },
    ];
    const g = createSsrfGuard({ resolver });
    const target = await g.check('https://Public.Example./path?q=1');
    expect(target).toMatchObject({
      hostname: 'public.example',
      port: 443,
      address: '2606:4700::6810:84e5',
      family: 6,
      exempt: false,
    });
    expect(target.addresses).toEqual(['2606:4700::6810:84e5', '93.184.216.34']);
    g.close();
  });

  it('maps resolution failures to a 400 DnsResolutionError', async () => {
    const resolver: Resolver = async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND nowhere.invalid'), { code: 'ENOTFOUND' });
    };
    const g = createSsrfGuard({ resolver });
    const err = await rejection(g.check('http://nowhere.invalid/'));
    expect(err).toBeInstanceOf(DnsResolutionError);
    expect((err as DnsResolutionError).status).toBe(400);
    expect((err as DnsResolutionError).detail).toBe('Could not resolve domain: nowhere.invalid');
    const empty = createSsrfGuard({ resolver: async () => [] });
    expect(await rejection(empty.check('http://empty.example/'))).toBeInstanceOf(DnsResolutionError);
    g.close();
    empty.close();
  });

  it('refuses non-http(s) and malformed URLs', async () => {
    expect(await rejection(guard.check('file:///etc/passwd'))).toBeInstanceOf(InvalidTargetUrlError);
    expect(await rejection(guard.check('tunneling:alice'))).toBeInstanceOf(InvalidTargetUrlError);
    expect(await rejection(guard.check('not a url'))).toBeInstanceOf(InvalidTargetUrlError);
  });

  it('exempts allow-listed hosts, with or without a port', async () => {
    const g = createSsrfGuard({
      allowedHosts: ['localhost', 'satellite:8003', '127.0.0.1:8001', '[::1]:9000'],
    });
    expect((await g.check('http://localhost:1234/')).exempt).toBe(true);
    expect((await g.check('http://127.0.0.1:8001/')).exempt).toBe(true);
    expect(await rejection(g.check('http://127.0.0.1:8002/'))).toBeInstanceOf(SsrfBlockedError);
    expect((await g.check('http://[::1]:9000/')).address).toBe('::1');
    expect(await rejection(g.check('http://[::1]:9001/'))).toBeInstanceOf(SsrfBlockedError);
    expect(g.isExempt('satellite', 8003)).toBe(true);
    expect(g.isExempt('SATELLITE', 8003)).toBe(true);
    expect(g.isExempt('satellite', 8004)).toBe(false);
    g.close();
  });

  it('skips the range check entirely when private networks are allowed', async () => {
    const g = createSsrfGuard({ allowPrivateNetworks: true });
    const target = await g.check('http://169.254.169.254/');
    expect(target.exempt).toBe(true);
    g.close();
  });
});

describe('guardedFetch', () => {
  let main: Awaited<ReturnType<typeof startServer>>;
  let other: Awaited<ReturnType<typeof startServer>>;
  beforeAll(async () => {
    main = await startServer('127.0.0.1', 0, (req, res) => {
      if (req.url === '/redirect') {
        res.writeHead(302, { location: `http://127.0.0.1:${other.port}/` }).end();
      } else if (req.url === '/drip') {
        // The head and a first piece, then nothing more until the client hangs up.
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('first');
        req.socket.on('close', () => {
          main.seen.push({ method: 'CLOSED', url: '/drip', host: undefined, body: '' });
        });
      } else if (req.url === '/hang') {
        req.socket.on('close', () => {
          main.seen.push({ method: 'CLOSED', url: '/hang', host: undefined, body: '' });
        });
      } else {
        res.writeHead(201, { 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'] });
        res.end(JSON.stringify({ ok: true }));
      }
    });
    other = await startServer('127.0.0.1', 0, (_req, res) => res.end('other'));
    closers.push(
      () => main.server.close(),
      () => other.server.close(),
    );
  });

  it('refuses a private target before sending anything', async () => {
    const g = createSsrfGuard();
    const before = main.seen.length;
    const err = await rejection(g.guardedFetch(`http://127.0.0.1:${main.port}/`));
    expect(err).toBeInstanceOf(SsrfBlockedError);
    expect(main.seen.length).toBe(before);
    g.close();
  });

  it('sends method, headers and body to an allow-listed host and returns a web Response', async () => {
    const g = createSsrfGuard({ allowedHosts: [`localhost:${main.port}`] });
    const res = await g.guardedFetch(`http://localhost:${main.port}/api?x=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-correlation-id': 'abc' },
      body: JSON.stringify({ hello: 'wörld' }),
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(await res.json()).toEqual({ ok: true });
    const seen = main.seen.at(-1)!;
    expect(seen).toEqual({
      method: 'POST',
      url: '/api?x=1',
      host: `localhost:${main.port}`,
      body: '{"hello":"wörld"}',
    });
    g.close();
  });

  it('offers the same guarded call at the node:http level', async () => {
    const g = createSsrfGuard({ allowedHosts: [`127.0.0.1:${main.port}`] });
    const res = await g.guardedRequest(`http://127.0.0.1:${main.port}/plain`, {
      method: 'post',
      headers: { 'X-Test': '1' },
      body: 'hi',
    });
    expect(res.statusCode).toBe(201);
    let text = '';
    for await (const chunk of res) text += String(chunk);
    expect(JSON.parse(text)).toEqual({ ok: true });
    expect(main.seen.at(-1)).toMatchObject({ method: 'POST', url: '/plain', body: 'hi' });
    const strict = createSsrfGuard();
    expect(await rejection(strict.guardedRequest(`http://127.0.0.1:${main.port}/`))).toBeInstanceOf(
      SsrfBlockedError,
    );
    g.close();
    strict.close();
  });

  it('returns redirects instead of following them', async () => {
    const g = createSsrfGuard({ allowedHosts: [`127.0.0.1:${main.port}`] });
    const before = other.seen.length;
    const res = await g.guardedFetch(`http://127.0.0.1:${main.port}/redirect`);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(`http://127.0.0.1:${other.port}/`);
    await res.arrayBuffer();
    expect(other.seen.length).toBe(before);
    g.close();
  });

  it('aborts the outbound request when the signal fires', async () => {
    const g = createSsrfGuard({ allowPrivateNetworks: true });
    const controller = new AbortController();
    const pending = g.guardedFetch(`http://127.0.0.1:${main.port}/hang`, { signal: controller.signal });
    setTimeout(() => controller.abort(new DOMException('stop', 'AbortError')), 50);
    const err = await rejection(pending);
    expect((err as DOMException).name).toBe('AbortError');
    await expect.poll(() => main.seen.some((s) => s.method === 'CLOSED')).toBe(true);
    g.close();
  });

  it('aborts a response body still arriving, and lets go of the signal once a response is over', async () => {
    const g = createSsrfGuard({ allowPrivateNetworks: true });
    const controller = new AbortController();
    const res = await g.guardedRequest(`http://127.0.0.1:${main.port}/drip`, { signal: controller.signal });
    expect(res.statusCode).toBe(200);
    const ended = new Promise<string>((resolve) => {
      res.on('error', (err) => resolve(`error ${(err as NodeJS.ErrnoException).code}`));
      res.on('close', () => resolve('close'));
    });
    res.resume();
    controller.abort(new Error('stop'));
    expect(await ended).toMatch(/^(error|close)/);
    await expect.poll(() => main.seen.some((s) => s.method === 'CLOSED' && s.url === '/drip')).toBe(true);

    const kept = new AbortController();
    for (let i = 0; i < 3; i++) {
      const done = await g.guardedRequest(`http://127.0.0.1:${main.port}/plain`, {
        method: 'POST',
        body: 'x',
        signal: kept.signal,
      });
      for await (const _ of done) {
        // Read to the end, so the request is over and its socket back in the pool.
      }
    }
    // Each finished request removed its abort listener: aborting now reaches none of them.
    await expect.poll(() => getEventListeners(kept.signal, 'abort').length).toBe(0);
    g.close();
  });

  it('reports connection failures as fetch TypeErrors with the cause', async () => {
    const g = createSsrfGuard({ allowPrivateNetworks: true });
    const closed = await startServer('127.0.0.1', 0, () => {});
    await new Promise((r) => closed.server.close(r));
    const err = await rejection(g.guardedFetch(`http://127.0.0.1:${closed.port}/`));
    expect(err).toBeInstanceOf(TypeError);
    expect(((err as TypeError).cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
    g.close();
  });

  it('connects to the checked address even when DNS answers differently afterwards', async () => {
    const a = await startServer('127.0.0.1', 0, (_req, res) => res.end('A'));
    const b = await startServer('127.0.0.2', a.port, (_req, res) => res.end('B'));
    closers.push(
      () => a.server.close(),
      () => b.server.close(),
    );
    const answers = ['127.0.0.1', '127.0.0.2'];
    let lookups = 0;
    const resolver: Resolver = async () => {
      const address = answers[Math.min(lookups, answers.length - 1)]!;
      lookups += 1;
      return [{ address, family: 4 }];
    };
    const g = createSsrfGuard({ resolver, allowedHosts: ['rebind.test'] });
    const first = await g.guardedFetch(`http://rebind.test:${a.port}/`);
    expect(await first.text()).toBe('A');
    expect(lookups).toBe(1);
    expect(a.seen.at(-1)?.host).toBe(`rebind.test:${a.port}`);
    // The first connection is still pooled; the new check's address must win over keep-alive reuse.
    const second = await g.guardedFetch(`http://rebind.test:${a.port}/`);
    expect(await second.text()).toBe('B');
    expect(lookups).toBe(2);
    g.close();
  });

  it('rejects a rebinding answer at check time even after an earlier public answer', async () => {
    const answers = ['93.184.216.34', '127.0.0.1'];
    let lookups = 0;
    const resolver: Resolver = async () => [{ address: answers[lookups++] ?? '127.0.0.1', family: 4 }];
    const g = createSsrfGuard({ resolver });
    expect((await g.check('http://rebind.example/')).address).toBe('93.184.216.34');
    expect(await rejection(g.guardedFetch('http://rebind.example/'))).toBeInstanceOf(SsrfBlockedError);
    g.close();
  });

  it('reuses a successful check for reuseChecksForMs, never a refusal, and checks again after it', async () => {
    const a = await startServer('127.0.0.1', 0, (_req, res) => res.end('A'));
    const b = await startServer('127.0.0.2', a.port, (_req, res) => res.end('B'));
    closers.push(
      () => a.server.close(),
      () => b.server.close(),
    );
    let answer = '127.0.0.1';
    let lookups = 0;
    const resolver: Resolver = async () => {
      lookups += 1;
      return [{ address: answer, family: 4 }];
    };
    let clock = 1_000;
    const g = createSsrfGuard({
      resolver,
      allowedHosts: ['reuse.test'],
      reuseChecksForMs: 10_000,
      now: () => clock,
    });
    const text = async (url: string) => {
      const res = await g.guardedRequest(url, { method: 'POST', body: 'héllo' });
      let out = '';
      for await (const chunk of res) out += chunk;
      return out;
    };
    const url = `http://reuse.test:${a.port}/`;
    expect(await text(url)).toBe('A');
    answer = '127.0.0.2';
    clock += 9_999;
    // Within the window: the first check's address, no second lookup.
    expect(await text(url)).toBe('A');
    expect(lookups).toBe(1);
    clock += 2;
    expect(await text(url)).toBe('B');
    expect(lookups).toBe(2);
    expect(a.seen.at(-1)?.host).toBe(`reuse.test:${a.port}`);
    g.close();

    // A refusal is checked again on every request.
    let blockedLookups = 0;
    const strict = createSsrfGuard({
      resolver: async () => {
        blockedLookups += 1;
        return [{ address: '127.0.0.1', family: 4 }];
      },
      reuseChecksForMs: 10_000,
      now: () => clock,
    });
    for (let i = 0; i < 2; i++) {
      expect(await rejection(strict.guardedRequest(`http://blocked.test:${a.port}/`))).toBeInstanceOf(
        SsrfBlockedError,
      );
    }
    expect(blockedLookups).toBe(2);
    strict.close();
  });

  it('keeps the original host name as TLS SNI while connecting to the pinned address', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ssrf-tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-subj',
        '/CN=sni.test',
        '-days',
        '1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    const context = tls.createSecureContext({
      key: readFileSync(join(dir, 'key.pem')),
      cert: readFileSync(join(dir, 'cert.pem')),
    });
    rmSync(dir, { recursive: true, force: true });
    const names: string[] = [];
    const server = https.createServer(
      {
        SNICallback: (name, cb) => {
          names.push(name);
          cb(null, context);
        },
      },
      (_req, res) => res.end('tls'),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => server.close());
    const port = (server.address() as AddressInfo).port;
    const g = createSsrfGuard({
      resolver: async () => [{ address: '127.0.0.1', family: 4 }],
      allowedHosts: ['sni.test'],
    });
    // The certificate is self-signed, so the handshake fails on our side after the server has seen the SNI.
    const err = await rejection(g.guardedFetch(`https://sni.test:${port}/`));
    expect(err).toBeInstanceOf(TypeError);
    expect(names).toEqual(['sni.test']);
    g.close();
  });
});
