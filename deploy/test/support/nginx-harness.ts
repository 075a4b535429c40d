// What the tests that run the real nginx share: where it is, free ports, a stand-in upstream, waiting for start-up.
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { edgeRequest } from './edge-request';

export const NGINX = '/usr/sbin/nginx';

/**
 * Whether a suite that needs nginx runs: always under CI (which installs nginx, so a missing one fails loudly),
 * elsewhere only where nginx is installed.
 */
export const runsWithNginx = (): boolean => Boolean(process.env.CI) || existsSync(NGINX);

export const portOf = (server: Server): number => (server.address() as AddressInfo).port;

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = portOf(server);
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * A stand-in upstream that names itself and echoes what nginx forwarded, body size included. It reads each body
 * before answering, as the services do; `handler` may answer a request itself (returning true).
 */
export function echoUpstream(
  name: string,
  handler?: (req: IncomingMessage, res: ServerResponse) => boolean,
): Promise<Server> {
  const server = createServer((req, res) => {
    if (handler?.(req, res)) return;
    let bodyBytes = 0;
    req.on('data', (chunk: Buffer) => {
      bodyBytes += chunk.length;
    });
    req.on('end', () => {
      res.setHeader('Content-Type', 'application/json');
      res.end(
        JSON.stringify({
          upstream: name,
          method: req.method,
          url: req.url,
          bodyBytes,
          realIp: req.headers['x-real-ip'],
          correlationId: req.headers['x-correlation-id'],
          proto: req.headers['x-forwarded-proto'],
        }),
      );
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** Resolves once nginx answers its plain-HTTP health path on `port`. */
export async function waitForNginx(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      if ((await edgeRequest({ port, path: '/nginx-health', tls: false })).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`nginx did not start on port ${port}`);
}
