import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDeps, createApp as createBackendApp, parseBackendEnv } from '@syfthub/backend';
import { createTestDatabase, type TestDatabase } from '@syfthub/db/testing';
import { createKv, createSilentLogger, type Kv } from '@syfthub/service';
import { listenBeforeApp } from '@syfthub/service/testing';

// A real hub (the backend on PostgreSQL when DATABASE_URL is set, else PGlite) with the reference satellite
// publishing the demo catalogue, for the aggregator's tests that need the hub's search and tokens. The satellite
// runs as its own process, started from its sources as `pnpm start` would.

const here = dirname(fileURLToPath(import.meta.url));
const SATELLITE_DIR = join(here, '../../../satellite');
const CATALOGUE = join(SATELLITE_DIR, 'endpoints.example.json');
export const SATELLITE_OWNER = 'satowner';
const PASSWORD = 'correct-horse-1';

export interface HubUser {
  username: string;
  accessToken: string;
}

export interface TestHub {
  url: string;
  registerUser(prefix: string): Promise<HubUser>;
  /** `POST` or `GET` on the hub as `token`'s holder. */
  api<T = unknown>(
    method: string,
    path: string,
    token?: string,
    json?: unknown,
  ): Promise<{ status: number; body: T }>;
  close(): Promise<void>;
}

/** A port nothing listens on right now (the satellite binds it a moment later). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function startHub(): Promise<TestHub> {
  const logger = createSilentLogger();
  const database: TestDatabase = await createTestDatabase({ poolSize: 4 });
  const kv: Kv = createKv(process.env.REDIS_URL ?? 'memory://', { keyPrefix: `test:${randomUUID()}:hub:` });
  const hub = await listenBeforeApp();
  const config = parseBackendEnv({
    ENVIRONMENT: 'test',
    LOG_LEVEL: 'silent',
    RATE_LIMIT_ENABLED: 'false',
    ARGON2_MEMORY_KIB: '1024',
    ARGON2_ITERATIONS: '1',
    ARGON2_PARALLELISM: '1',
    RSA_KEYS_DIRECTORY: join(tmpdir(), 'syfthub-aggregator-test-hub-keys'),
    REDIS_URL: process.env.REDIS_URL ?? 'memory://',
    HEALTH_CHECK_ENABLED: 'false',
    ISSUER_URL: hub.url,
    ...(database.url ? { DATABASE_URL: database.url } : {}),
  });
  const deps = await buildDeps(config, { dbHandle: database.handle, kv, logger, email: null });
  hub.use(createBackendApp(deps));

  const satellitePort = await freePort();
  const satellite: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: SATELLITE_DIR,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      PATH: process.env.PATH ?? '',
      SYFTHUB_URL: hub.url,
      SYFTHUB_ISSUER: hub.url,
      SATELLITE_HOST: '127.0.0.1',
      SATELLITE_PORT: String(satellitePort),
      SATELLITE_PUBLIC_URL: `http://127.0.0.1:${satellitePort}`,
      SATELLITE_HUB_USERNAME: SATELLITE_OWNER,
      SATELLITE_HUB_EMAIL: `${SATELLITE_OWNER}@example.com`,
      SATELLITE_HUB_PASSWORD: PASSWORD,
      SATELLITE_DATA_DIR: join(tmpdir(), `syfthub-aggregator-test-satellite-${randomUUID()}`),
      SATELLITE_ENDPOINTS_FILE: CATALOGUE,
      SATELLITE_RESCAN_SECONDS: '3600',
      LOG_LEVEL: 'silent',
    },
  });
  const exited = new Promise<void>((resolve) => satellite.once('exit', () => resolve()));

  const api = async <T>(method: string, path: string, token?: string, json?: unknown) => {
    const res = await fetch(`${hub.url}${path}`, {
      method,
      headers: {
        accept: 'application/json',
        ...(json === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      ...(json === undefined ? {} : { body: JSON.stringify(json) }),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
  };

  await waitFor(
    'the satellite to publish its endpoints',
    async () => {
      const res = await api<Array<{ owner_username: string; connect: Array<{ config: { url?: string } }> }>>(
        'GET',
        '/api/v1/endpoints/public?limit=100',
      );
      const published = res.body.filter((e) => e.owner_username === SATELLITE_OWNER);
      return published.length >= 3 && published.every((e) => e.connect[0]?.config.url?.startsWith('http'));
    },
    90_000,
  );

  let counter = 0;
  return {
    url: hub.url,
    api,
    async registerUser(prefix) {
      counter += 1;
      const username = `${prefix}${counter}${randomUUID().slice(0, 6)}`;
      const res = await api<{ access_token: string }>('POST', '/api/v1/auth/register', undefined, {
        username,
        email: `${username}@example.com`,
        full_name: `Test ${username}`,
        password: PASSWORD,
      });
      if (res.status !== 201) throw new Error(`register failed: ${res.status}`);
      return { username, accessToken: res.body.access_token };
    },
    async close() {
      satellite.kill('SIGTERM');
      await exited;
      await hub.close();
      await kv.deleteByPrefix('').catch(() => 0);
      await kv.close();
      await database.close();
    },
  };
}
