// nginx keeps connections to the services open and reuses them. A service that answers before reading a request
// body (a 401 on the token, a 404, a 413 on Content-Length) must not leave that body on the kept connection: nginx
// stops sending it once the answer arrives, and the next client's request would be read as the rest of it, then
// dropped (a 502). Here the real nginx config fronts the real service setup (@syfthub/service) for every upstream.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  bodyLimit,
  createServiceApp,
  createSilentLogger,
  type RunningServer,
  startServer,
} from '@syfthub/service';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureSelfSignedCert } from '../local-stack/certs.mjs';
import { nginxArgs, renderNginx } from '../local-stack/nginx.mjs';
import { edgeRequest } from './support/edge-request';
import { freePort, NGINX, runsWithNginx, waitForNginx } from './support/nginx-harness';

const KiB = 1024;
const logger = createSilentLogger();

/** A service on the real service setup, with routes that refuse before reading, read, and limit bodies. */
async function service(prefix: string): Promise<RunningServer> {
  const app = createServiceApp({ name: 'upstream', version: '1', logger, corsOrigins: [] });
  app.post(`${prefix}/refuse`, (c) => c.json({ detail: 'Not authenticated' }, 401));
  app.post(`${prefix}/small`, bodyLimit(64 * KiB), async (c) =>
    c.json({ size: (await c.req.text()).length }),
  );
  app.post(`${prefix}/echo`, async (c) => c.json({ size: (await c.req.text()).length }));
  return startServer(app, { port: 0, host: '127.0.0.1', logger, handleSignals: false });
}

describe.runIf(runsWithNginx())('nginx in front of the services, reusing upstream connections', () => {
  const prefix = mkdtempSync(join(tmpdir(), 'syfthub-nginx-upstream-'));
  const webRoot = mkdtempSync(join(tmpdir(), 'syfthub-web-'));
  const servers: RunningServer[] = [];
  let nginx: ReturnType<typeof spawn> | undefined;
  let port = 0;
  // One client connection at a time: what the client sends next lands on the upstream connection just freed.
  const agent = new Agent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false });
  const post = (path: string, size: number) =>
    edgeRequest({ port, path, method: 'POST', body: 'x'.repeat(size), agent });

  beforeAll(async () => {
    const [backend, aggregator, mcp] = await Promise.all([
      service('/api/v1'),
      service('/api/v1'),
      service('/mcp/test'),
    ]);
    servers.push(backend, aggregator, mcp);
    const httpPort = await freePort();
    port = await freePort();
    renderNginx({
      variant: 'prod',
      prefix,
      httpPort,
      httpsPort: port,
      upstreams: {
        backend: `127.0.0.1:${backend.port}`,
        aggregator: `127.0.0.1:${aggregator.port}`,
        mcp: `127.0.0.1:${mcp.port}`,
      },
      webRoot,
      certDir: ensureSelfSignedCert(join(prefix, 'ssl')),
    });
    nginx = spawn(NGINX, nginxArgs(prefix, '-g', 'daemon off;'), { stdio: 'ignore' });
    await waitForNginx(httpPort);
  });

  afterAll(async () => {
    agent.destroy();
    nginx?.kill('SIGTERM');
    await Promise.all(servers.map((s) => s.stop()));
  });

  describe.each([
    ['backend', '/api/v1'],
    ['aggregator', '/aggregator/api/v1'],
    ['mcp', '/mcp/test'],
  ])('%s', (_, base) => {
    it.each([
      ['a ~900 KB body refused on its headers (401)', 'refuse', 900 * KiB, 401],
      ['a ~900 KB body to no route (404)', 'nowhere', 900 * KiB, 404],
      ['a ~900 KB body over the route’s own 64 KiB limit (413 from the service)', 'small', 900 * KiB, 413],
      ['a body over the edge limit (413 from nginx)', 'echo', 2 * 1024 * KiB + 1, 413],
    ])('%s, then a normal request on the same connection succeeds', async (_, route, size, status) => {
      for (let round = 0; round < 3; round++) {
        const refused = await post(`${base}/${route}`, size);
        expect(refused.status).toBe(status);
        const next = await post(`${base}/echo`, 2);
        expect(next.status, `round ${round}: ${next.body}`).toBe(200);
        expect(JSON.parse(next.body)).toEqual({ size: 2 });
      }
    });
  });
});
