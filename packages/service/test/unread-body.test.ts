import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServiceApp } from '../src/app';
import { createSilentLogger } from '../src/logger';
import { type RunningServer, startServer } from '../src/server';
import { UNREAD_BODY_DRAIN_BYTES } from '../src/unread-body';

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** One HTTP/1.1 connection read by hand, so a test controls exactly what is sent and when. */
class Connection {
  private buffered = Buffer.alloc(0);
  private wake: (() => void) | undefined;
  closed = false;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      this.wake?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
  }

  static open(port: number): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(new Connection(socket)));
      socket.once('error', reject);
    });
  }

  get answerStarted(): boolean {
    return this.buffered.length > 0;
  }

  private async more(): Promise<void> {
    if (this.closed) throw new Error('connection closed before a full answer');
    await new Promise<void>((resolve) => {
      this.wake = resolve;
    });
  }

  /** The next answer on the connection (Content-Length framed, as the services answer). */
  async answer(): Promise<RawAnswer> {
    let end = this.buffered.indexOf('\r\n\r\n');
    while (end < 0) {
      await this.more();
      end = this.buffered.indexOf('\r\n\r\n');
    }
    const [statusLine = '', ...lines] = this.buffered.subarray(0, end).toString('latin1').split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = Number(headers['content-length'] ?? 0);
    while (this.buffered.length < end + 4 + length) await this.more();
    const body = this.buffered.subarray(end + 4, end + 4 + length).toString('utf8');
    this.buffered = this.buffered.subarray(end + 4 + length);
    return { status: Number(statusLine.split(' ')[1]), headers, body };
  }

  /**
   * Sends a request the way nginx forwards one to an upstream: the body in pieces, and no more of it once an
   * answer has started.
   */
  async send(head: string, bodyLength: number): Promise<{ bodyBytesSent: number }> {
    this.socket.write(head);
    const piece = Buffer.alloc(16 * 1024, 'x');
    let sent = 0;
    while (sent < bodyLength && !this.answerStarted && !this.closed) {
      const size = Math.min(piece.length, bodyLength - sent);
      const flushed = this.socket.write(piece.subarray(0, size));
      sent += size;
      if (!flushed) await new Promise((resolve) => this.socket.once('drain', resolve));
      await new Promise((resolve) => setImmediate(resolve));
    }
    return { bodyBytesSent: sent };
  }
}

// `path` may start with a method (default POST).
function post(path: string, length: number): string {
  const [method, target] = path.includes(' ') ? path.split(' ') : ['POST', path];
  return `${method} ${target} HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`;
}

describe('a request answered before its body was read', () => {
  const logger = createSilentLogger();
  let server: RunningServer;
  const opened: Connection[] = [];

  beforeAll(async () => {
    const app = createServiceApp({ name: 'test', version: '1', logger, corsOrigins: [] });
    app.post('/refuse', (c) => c.json({ detail: 'Not authenticated' }, 401));
    app.get('/refuse', (c) => c.json({ detail: 'Not authenticated' }, 401));
    app.post('/echo', async (c) => c.json({ size: (await c.req.text()).length }));
    server = await startServer(app, { port: 0, host: '127.0.0.1', logger, handleSignals: false });
  });

  afterAll(async () => {
    for (const connection of opened) connection.socket.destroy();
    await server.stop();
  });

  async function open(): Promise<Connection> {
    const connection = await Connection.open(server.port);
    opened.push(connection);
    return connection;
  }

  it.each([
    ['refused by the route (401)', '/refuse', 900 * 1024],
    ['a GET with a body, which no route reads (401)', 'GET /refuse', 900 * 1024],
    ['sent to no route (404)', '/nowhere', 900 * 1024],
    ['refused by the body limit on Content-Length (413)', '/echo', 2 * 1024 * 1024],
  ])(
    '%s: the body is read first, so the next request on the connection is answered',
    async (_, path, size) => {
      const connection = await open();
      const { bodyBytesSent } = await connection.send(post(path, size), size);
      // An answer before the whole body would make a proxy stop sending it, leaving the rest on the connection.
      expect(bodyBytesSent).toBe(size);
      const first = await connection.answer();
      expect(first.status).toBeGreaterThanOrEqual(400);
      expect(first.headers.connection).toBe('keep-alive');

      await connection.send(post('/echo', 2), 2);
      const second = await connection.answer();
      expect(second.status).toBe(200);
      expect(JSON.parse(second.body)).toEqual({ size: 2 });
    },
  );

  it('answers Connection: close instead when the body is too large to be worth reading', async () => {
    const connection = await open();
    const size = UNREAD_BODY_DRAIN_BYTES + 1;
    connection.socket.write(post('/echo', size));
    const first = await connection.answer();
    expect(first.status).toBe(413);
    expect(first.headers.connection).toBe('close');
    await new Promise<void>((resolve) =>
      connection.closed ? resolve() : connection.socket.once('close', resolve),
    );
  });
});
