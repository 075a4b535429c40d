import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createServiceApp } from '../src/app';
import { readJsonBody } from '../src/body';
import { ApiError } from '../src/errors';
import { REDACTED, redactString } from '../src/redact';
import { type RunningServer, startServer } from '../src/server';
import { captureLogger } from './helpers';

// Issue 19 defects 12 and 13: SQL parameters never reach a log, the designed 501 is info, a client abort is info.

const captured = captureLogger('info');
let server: RunningServer;

beforeAll(async () => {
  const app = createServiceApp({ name: 't', version: '1', logger: captured.logger, corsOrigins: [] });
  app.post('/upload', async (c) => c.json(await readJsonBody(c, z.unknown())));
  app.get('/not-built', () => {
    throw new ApiError(501, { code: 'NOT_IMPLEMENTED', message: 'Wallets is not supported by this hub.' });
  });
  app.get('/broken', () => {
    throw new Error('boom');
  });
  app.get('/socket-reset', () => {
    throw Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
  });
  server = await startServer(app, { port: 0, logger: captured.logger, handleSignals: false });
});

afterAll(async () => {
  await server?.stop();
});

async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('request outcomes in the log', () => {
  it('a client that closes the connection mid-body is request.aborted at info, not an unhandled error', async () => {
    captured.lines.length = 0;
    const socket = connect(server.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(
      'POST /upload HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"a":"',
    );
    await until(() => captured.lines.some((line) => line.event === 'request.started'));
    socket.destroy();
    await until(() => captured.lines.some((line) => line.event === 'request.aborted'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const aborted = captured.lines.filter((line) => line.event === 'request.aborted');
    expect(aborted).toHaveLength(1);
    expect(aborted[0]).toMatchObject({ level: 'info', method: 'POST', path: '/upload', route: '/upload' });
    expect(captured.lines.filter((line) => line.level !== 'info')).toEqual([]);
  });

  it('a reset socket of a dependency is not mistaken for a departed client', async () => {
    captured.lines.length = 0;
    const res = await fetch(`http://127.0.0.1:${server.port}/socket-reset`);
    expect(res.status).not.toBe(499);
    expect(res.status).toBeGreaterThanOrEqual(500);
    expect(captured.lines.some((line) => line.event === 'request.aborted')).toBe(false);
  });

  it('the designed 501 is request.completed at info; another 5xx is still request.failed at error', async () => {
    captured.lines.length = 0;
    expect((await fetch(`http://127.0.0.1:${server.port}/not-built`)).status).toBe(501);
    expect((await fetch(`http://127.0.0.1:${server.port}/broken`)).status).toBe(500);
    const outcomes = captured.lines
      .filter((line) => line.event !== 'request.started')
      .map((line) => [line.event, line.level, line.path]);
    expect(outcomes).toEqual([
      ['request.completed', 'info', '/not-built'],
      ['request.failed', 'error', '/broken'],
    ]);
  });
});

describe('statement parameters', () => {
  // The text drizzle's DrizzleQueryError carries, as message and at the top of its stack.
  const failed =
    'Failed query: insert into "oauth_clients" ("client_id", "client_secret_hash") values ($1, $2)';
  const params = 'params: abc,$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$aGFzaA\nwith a newline';

  it('are masked in messages and stacks, up to the first stack frame', () => {
    expect(redactString(`${failed}\n${params}`)).toBe(`${failed}\nparams: ${REDACTED}`);
    expect(redactString(`Error: ${failed}\n${params}\n    at PreparedQuery.run (file:///x.js:1:1)`)).toBe(
      `Error: ${failed}\nparams: ${REDACTED}\n    at PreparedQuery.run (file:///x.js:1:1)`,
    );
  });

  it('are masked in an error logged at any level', () => {
    captured.lines.length = 0;
    const error = new Error(`${failed}\n${params}`);
    captured.logger.error({ event: 'x', error }, 'failed');
    captured.logger.warn({ event: 'y', note: error.message }, 'failed');
    const text = JSON.stringify(captured.lines);
    expect(text).not.toContain('argon2');
    expect(text).toContain('Failed query: insert into');
  });
});
