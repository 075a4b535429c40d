import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createServiceApp } from '../src/app';
import { createSilentLogger } from '../src/logger';
import { fetchWithContext } from '../src/outbound';
import { type RunningServer, startServer } from '../src/server';

const logger = createSilentLogger();
const running: RunningServer[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.stop()));
});

function connectionRefused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

function deferred() {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

async function serve(
  options: {
    shutdownTimeoutMs?: number;
    onShutdown?: Array<() => Promise<void>>;
    corsOrigins?: string[];
  } = {},
) {
  const app = createServiceApp({
    name: 'test',
    version: '1',
    logger,
    corsOrigins: options.corsOrigins ?? [],
    bodyLimitBytes: 100,
  });
  const arrived = deferred();
  const release = deferred();
  app.get('/slow', async (c) => {
    arrived.resolve();
    await release.promise;
    return c.text('finished');
  });
  app.post('/echo', async (c) => c.json({ size: (await c.req.text()).length }));
  app.get('/echo-id', (c) => c.json({ received: c.req.header('x-correlation-id') ?? null }));
  app.get('/page', (c) => c.html('<p>hi</p>', 200, { 'Content-Security-Policy': "default-src 'self'" }));
  app.get('/plain', () => new Response('raw', { headers: { 'X-Frame-Options': 'SAMEORIGIN' } }));
  const server = await startServer(app, {
    port: 0,
    host: '127.0.0.1',
    logger,
    handleSignals: false,
    ...options,
  });
  return { app, server, arrived, release, base: `http://127.0.0.1:${server.port}` };
}

describe('startServer', () => {
  it('drains: in-flight requests finish, /ready turns 503, new connections are refused, hooks run', async () => {
    const hooks: string[] = [];
    const { app, server, arrived, release, base } = await serve({
      onShutdown: [async () => void hooks.push('jobs'), async () => void hooks.push('pools')],
    });
    expect(server.port).toBeGreaterThan(0);
    expect((await fetch(`${base}/ready`)).status).toBe(200);

    const inFlight = fetch(`${base}/slow`);
    await arrived.promise;
    const stopped = server.stop();
    await new Promise((resolve) => setTimeout(resolve, 50));

    expect((await app.request('/ready')).status).toBe(503);
    expect(await connectionRefused(server.port)).toBe(true);
    expect(hooks).toEqual([]);

    release.resolve();
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('finished');
    await stopped;
    expect(hooks).toEqual(['jobs', 'pools']);
  });

  it('closes requests that outlive the shutdown timeout', async () => {
    const { server, arrived, base } = await serve({ shutdownTimeoutMs: 100 });
    const inFlight = fetch(`${base}/slow`).then(
      () => 'answered',
      () => 'aborted',
    );
    await arrived.promise;
    const started = Date.now();
    await server.stop();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await inFlight).toBe('aborted');
  });

  it('answers 413 for oversized bodies with and without Content-Length', async () => {
    const { server, base } = await serve();
    running.push(server);
    const sized = await fetch(`${base}/echo`, { method: 'POST', body: 'x'.repeat(101) });
    expect(sized.status).toBe(413);
    expect(sized.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await sized.json()).toEqual({ detail: 'Request body too large' });

    const chunks = Array.from({ length: 5 }, () => 'y'.repeat(30));
    const stream = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const next = chunks.shift();
        if (next === undefined) controller.close();
        else controller.enqueue(new TextEncoder().encode(next));
      },
    });
    const chunked = await fetch(`${base}/echo`, {
      method: 'POST',
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    expect(await chunked.json()).toEqual({ detail: 'Request body too large' });

    expect(await (await fetch(`${base}/echo`, { method: 'POST', body: 'z'.repeat(100) })).json()).toEqual({
      size: 100,
    });
  });

  it('puts the correlation id, the security headers and Vary on the wire; a header the route set wins', async () => {
    const { base } = await serve();
    for (const path of ['/echo-id', '/page', '/plain', '/missing']) {
      const res = await fetch(`${base}${path}`, { headers: { 'X-Correlation-ID': `wire-${path.slice(1)}` } });
      await res.arrayBuffer();
      expect(res.headers.get('x-correlation-id')).toBe(`wire-${path.slice(1)}`);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('vary')).toBe('Origin');
      expect(res.headers.get('content-security-policy')).toBe(
        path === '/page'
          ? "default-src 'self'"
          : "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
      );
      expect(res.headers.get('x-frame-options')).toBe(path === '/plain' ? 'SAMEORIGIN' : 'DENY');
    }
    const fresh = await fetch(`${base}/echo-id`);
    expect(fresh.headers.get('x-correlation-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers browser CORS on the wire: preflight 204, listed origins echoed, with the security headers', async () => {
    const { base } = await serve({ corsOrigins: ['https://app.example'] });
    const preflight = await fetch(`${base}/echo`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(preflight.headers.get('x-content-type-options')).toBe('nosniff');
    const listed = await fetch(`${base}/plain`, { headers: { Origin: 'https://app.example' } });
    await listed.arrayBuffer();
    expect(listed.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(listed.headers.get('access-control-allow-credentials')).toBe('true');
    expect(listed.headers.get('vary')).toContain('Origin');
    expect(listed.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    const other = await fetch(`${base}/plain`, { headers: { Origin: 'https://evil.example' } });
    await other.arrayBuffer();
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const tooLarge = await fetch(`${base}/echo`, {
      method: 'POST',
      headers: { Origin: 'https://app.example' },
      body: 'z'.repeat(1000),
    });
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.headers.get('access-control-allow-origin')).toBe('https://app.example');
  });

  it('forwards the correlation id on outbound calls made while serving a request', async () => {
    const upstream = await serve();
    running.push(upstream.server);
    const { app, server, base } = await serve();
    running.push(server);
    app.get('/proxy', async (c) => c.json(await (await fetchWithContext(`${upstream.base}/echo-id`)).json()));
    const res = await fetch(`${base}/proxy`, { headers: { 'X-Correlation-ID': 'trace-42' } });
    expect(await res.json()).toEqual({ received: 'trace-42' });
    expect(await (await fetchWithContext(`${upstream.base}/echo-id`)).json()).toEqual({ received: null });
  });
});

describe('signal handling', () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
  });

  it('on SIGTERM finishes the in-flight request, runs hooks and exits 0', async () => {
    const tsx = fileURLToPath(new URL('../node_modules/.bin/tsx', import.meta.url));
    const script = fileURLToPath(new URL('./fixtures/serve.ts', import.meta.url));
    child = spawn(tsx, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const proc = child;
    let output = '';
    const waiters: Array<() => void> = [];
    proc.stdout?.on('data', (data: Buffer) => {
      output += data.toString();
      for (const wake of waiters.splice(0)) wake();
    });
    const waitFor = async (text: string) => {
      while (!output.includes(text)) await new Promise<void>((resolve) => waiters.push(resolve));
    };
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));

    await waitFor('port=');
    const port = Number(/port=(\d+)/.exec(output)?.[1]);
    const inFlight = fetch(`http://127.0.0.1:${port}/slow`);
    await waitFor('request-started');
    proc.kill('SIGTERM');

    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('slow done');
    expect(await exited).toBe(0);
    expect(output).toContain('hook-ran');
  }, 15_000);
});

describe('process guards', () => {
  const tsx = fileURLToPath(new URL('../node_modules/.bin/tsx', import.meta.url));
  const script = fileURLToPath(new URL('./fixtures/guarded.ts', import.meta.url));
  const events = (stdout: string) =>
    stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { event?: string; level?: string });

  it('log a rejection nobody handled and keep the process running', () => {
    const run = spawnSync(tsx, [script], { encoding: 'utf8', timeout: 20_000 });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('still-running');
    expect(events(run.stdout)).toContainEqual(
      expect.objectContaining({ event: 'process.unhandled_rejection', level: 'error' }),
    );
  }, 25_000);

  it('log an uncaught exception as fatal and exit 1', () => {
    const run = spawnSync(tsx, [script, '--throw'], { encoding: 'utf8', timeout: 20_000 });
    expect(run.status).toBe(1);
    expect(run.stdout).not.toContain('survived-the-throw');
    expect(events(run.stdout)).toContainEqual(
      expect.objectContaining({ event: 'process.uncaught_exception', level: 'fatal' }),
    );
  }, 25_000);
});
