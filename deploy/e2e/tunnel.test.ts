import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { edgeRequest } from '../test/support/edge-request';
import { REPO_ROOT } from '../test/support/repo';

// Issue 18 through the production-like stack: the reference satellite runs in tunnel mode as its own process with
// no reachable port, dials wss://localhost:<https>/nats through nginx with the token from the hub, and a chat
// through https://localhost:<https>/aggregator reaches its data source and model over NATS.
const HTTPS_PORT = Number(process.env.STACK_HTTPS_PORT ?? 8443);
const HUB = `https://localhost:${HTTPS_PORT}`;
const OWNER = `tunnel-e2e-${randomBytes(3).toString('hex')}`;
const PASSWORD = `tunnel e2e ${randomBytes(8).toString('hex')}`;

async function api(
  path: string,
  init: { method?: string; token?: string; json?: unknown; form?: string } = {},
) {
  const headers: Record<string, string> = {};
  if (init.token) headers.Authorization = `Bearer ${init.token}`;
  let body: string | undefined;
  if (init.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(init.json);
  } else if (init.form !== undefined) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
    body = init.form;
  }
  const res = await edgeRequest({ port: HTTPS_PORT, path, method: init.method ?? 'GET', headers, body });
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(res.body);
  } catch {
    parsed = res.body;
  }
  return { status: res.status, body: parsed as Record<string, unknown> };
}

async function until<T>(what: string, check: () => Promise<T | null>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe.skipIf(!process.env.STACK_E2E)('a satellite behind NAT, through the stack', () => {
  let satellite: ChildProcess;
  let dataDir: string;
  let output = '';

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'syfthub-tunnel-e2e-'));
    satellite = spawn(process.execPath, [join(REPO_ROOT, 'apps/satellite/dist/main.js')], {
      env: {
        PATH: process.env.PATH ?? '',
        SYFTHUB_URL: HUB,
        SYFTHUB_ISSUER: HUB,
        SATELLITE_TUNNEL: 'true',
        // Port 0: nothing needs to reach the satellite; it listens on an ephemeral loopback port for /health only.
        SATELLITE_PORT: '0',
        SATELLITE_HOST: '127.0.0.1',
        SATELLITE_HUB_USERNAME: OWNER,
        SATELLITE_HUB_EMAIL: `${OWNER}@example.com`,
        SATELLITE_HUB_PASSWORD: PASSWORD,
        SATELLITE_DATA_DIR: dataDir,
        SATELLITE_ENDPOINTS_FILE: join(REPO_ROOT, 'apps/satellite/endpoints.example.json'),
        // The local stack's certificate is self-signed.
        NODE_TLS_REJECT_UNAUTHORIZED: '0',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk: Buffer) => {
      if (output.length < 50_000) output += chunk.toString();
    };
    satellite.stdout?.on('data', keep);
    satellite.stderr?.on('data', keep);
  }, 30_000);

  afterAll(async () => {
    if (satellite && satellite.exitCode === null) {
      const exited = new Promise((r) => satellite.once('exit', r));
      satellite.kill('SIGTERM');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('registers the node key and publishes its endpoints as tunneling:<owner>', async () => {
    const key = await until('the node key', async () => {
      const res = await api(`/api/v1/nats/encryption-key/${OWNER}`);
      return typeof res.body.encryption_public_key === 'string' ? res.body.encryption_public_key : null;
    }).catch((error: Error) => {
      throw new Error(`${error.message}\nsatellite output:\n${output.slice(-4000)}`);
    });
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const endpoints = await until('the published endpoints', async () => {
      const res = await api(`/api/v1/endpoints/public?limit=100`);
      const items = Array.isArray(res.body) ? (res.body as Array<Record<string, unknown>>) : [];
      const mine = items.filter((e) => e.owner_username === OWNER);
      return mine.length >= 2 ? mine : null;
    });
    expect(endpoints.map((e) => e.slug)).toEqual(expect.arrayContaining(['syfthub-guide', 'assistant']));
  }, 120_000);

  it('answers a chat through nginx, the aggregator and NATS', async () => {
    const user = `chat-${randomBytes(3).toString('hex')}`;
    const registered = await api('/api/v1/auth/register', {
      method: 'POST',
      json: { username: user, email: `${user}@example.com`, password: PASSWORD, full_name: user },
    });
    expect(registered.status).toBe(201);
    const login = await api('/api/v1/auth/login', {
      method: 'POST',
      form: new URLSearchParams({ username: user, password: PASSWORD }).toString(),
    });
    const access = login.body.access_token as string;
    const satelliteToken = (await api(`/api/v1/token?aud=${OWNER}`, { token: access })).body
      .target_token as string;
    expect(typeof satelliteToken).toBe('string');
    const peer = await api('/api/v1/peer-token', {
      method: 'POST',
      token: access,
      json: { target_usernames: [OWNER] },
    });
    expect(peer.status).toBe(200);
    const ref = (slug: string) => ({
      url: `tunneling:${OWNER}`,
      slug,
      name: slug,
      tenant_name: null,
      owner_username: OWNER,
    });
    const chat = await until(
      'a tunnelled chat',
      async () => {
        const res = await api('/aggregator/api/v1/chat', {
          method: 'POST',
          json: {
            prompt: 'How do satellites reach the hub?',
            model: ref('assistant'),
            data_sources: [ref('syfthub-guide')],
            endpoint_tokens: { [OWNER]: satelliteToken },
            peer_token: peer.body.peer_token,
            peer_channel: peer.body.peer_channel,
          },
        });
        return res.status === 200 ? res.body : null;
      },
      30_000,
    );
    expect(chat.retrieval_info).toEqual([
      expect.objectContaining({ path: `${OWNER}/syfthub-guide`, status: 'success' }),
    ]);
    expect(typeof chat.response).toBe('string');
    expect((chat.response as string).length).toBeGreaterThan(0);
  }, 60_000);
});
