import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The hub's key route as the aggregator sees it (`GET /api/v1/nats/encryption-key/{username}`, tunnelling.md §3.5):
 * 404 for an unknown user, `null` until a node registered a key. Counts lookups per user.
 */
export async function startKeyHub() {
  const keys = new Map<string, string | null>();
  const counts = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const match = /^\/api\/v1\/nats\/encryption-key\/([^/?]+)$/.exec(req.url ?? '');
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'GET' || !match) return send(404, { detail: 'Not Found' });
    const username = decodeURIComponent(match[1]!);
    counts.set(username, (counts.get(username) ?? 0) + 1);
    if (!keys.has(username)) return send(404, { detail: `User '${username}' not found.` });
    return send(200, { encryption_public_key: keys.get(username) ?? null });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    keys,
    lookups: (username: string) => counts.get(username) ?? 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type KeyHub = Awaited<ReturnType<typeof startKeyHub>>;
