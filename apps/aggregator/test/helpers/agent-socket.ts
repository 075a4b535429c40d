// The agent-session WebSocket client of the tests, shared with the satellite's suite as @syfthub/aggregator/testing.
import WebSocket from 'ws';

export type Frame = { type: string; [key: string]: unknown };

/** A test client of `/api/v1/agent/session`: frames queue up until read; the close code is kept. */
export interface AgentSocketClient {
  ws: WebSocket;
  /** Every frame received so far. */
  frames: Frame[];
  send(frame: unknown): void;
  sendRaw(data: string | Buffer): void;
  /** The next unread frame; rejects after `timeoutMs` or when the socket closed with nothing left to read. */
  next(timeoutMs?: number): Promise<Frame>;
  /** Reads frames until one of `type` arrives (skipping others) and returns it. */
  until(type: string, timeoutMs?: number): Promise<Frame>;
  /** Resolves with the close code. */
  closed: Promise<number>;
}

export function agentSessionUrl(base: string): string {
  return `${base.replace(/^http/, 'ws')}/api/v1/agent/session`;
}

/** Opens a socket; resolves once open, rejects with the HTTP status when the upgrade is refused. */
export function openAgentSocket(
  url: string,
  headers: Record<string, string> = {},
): Promise<AgentSocketClient> {
  const ws = new WebSocket(url, { headers });
  const frames: Frame[] = [];
  const unread: Frame[] = [];
  const waiters: Array<(frame: Frame | null) => void> = [];
  let isClosed = false;
  const closed = new Promise<number>((resolve) => {
    ws.on('close', (code) => {
      isClosed = true;
      for (const wake of waiters.splice(0)) wake(null);
      resolve(code);
    });
  });
  ws.on('message', (data) => {
    const frame = JSON.parse(data.toString()) as Frame;
    frames.push(frame);
    const wake = waiters.shift();
    if (wake) wake(frame);
    else unread.push(frame);
  });

  const next = (timeoutMs = 5000) =>
    new Promise<Frame>((resolve, reject) => {
      const ready = unread.shift();
      if (ready) return resolve(ready);
      if (isClosed) return reject(new Error('socket closed'));
      const timer = setTimeout(() => {
        const index = waiters.indexOf(wake);
        if (index >= 0) waiters.splice(index, 1);
        reject(
          new Error(`no frame within ${timeoutMs} ms (got ${JSON.stringify(frames.map((f) => f.type))})`),
        );
      }, timeoutMs);
      const wake = (frame: Frame | null) => {
        clearTimeout(timer);
        if (frame) resolve(frame);
        else reject(new Error('socket closed'));
      };
      waiters.push(wake);
    });

  const client: AgentSocketClient = {
    ws,
    frames,
    send: (frame) => ws.send(JSON.stringify(frame)),
    sendRaw: (data) => ws.send(data),
    next,
    async until(type, timeoutMs = 5000) {
      for (;;) {
        const frame = await next(timeoutMs);
        if (frame.type === type) return frame;
      }
    },
    closed,
  };
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(client));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}
