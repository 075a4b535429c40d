import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApp as createAggregatorApp, loadConfig as loadAggregatorConfig } from '@syfthub/aggregator';
import {
  buildDeps as buildBackendDeps,
  createApp as createBackendApp,
  parseBackendEnv,
} from '@syfthub/backend';
import { createTestDatabase, type TestDatabase } from '@syfthub/db/testing';
import { createSatellite, parseSatelliteEnv, type Satellite } from '@syfthub/satellite';
import { createKv, createSilentLogger, type Kv } from '@syfthub/service';
import { listenBeforeApp } from '@syfthub/service/testing';
import { createApp } from '../../src/app';
import { buildDeps, type McpDeps } from '../../src/deps';
import { parseMcpEnv } from '../../src/env';
import { generateEncryptionKeySetting } from '../../src/grants/encryption';
import type { CimdFetch } from '../../src/oauth/cimd';

const here = dirname(fileURLToPath(import.meta.url));
const SATELLITE_CATALOGUE = join(here, '../../../satellite/endpoints.example.json');
// Against an already running hub (the nginx stack), its satellite's owner; in-process, our own.
export const SATELLITE_OWNER = process.env.MCP_E2E_SATELLITE_OWNER ?? 'satowner';
export const PASSWORD = 'correct-horse-1';

export interface StackOptions {
  /** Extra MCP settings (e.g. rate limits). */
  mcpEnv?: Record<string, string>;
  cimdFetch?: CimdFetch;
  /** Run the reference satellite, published to the hub (default true). */
  satellite?: boolean;
}

export interface Stack {
  hubUrl: string;
  aggregatorUrl: string;
  mcpUrl: string;
  /** `R`, the MCP endpoint and issuer. */
  resource: string;
  database: TestDatabase;
  mcp: McpDeps;
  kv: Kv;
  registerUser(prefix?: string): Promise<{ id: number; username: string; email: string; password: string }>;
  close(): Promise<void>;
}

/** Registers a hub user through the public API of `hubUrl`. */
async function registerHubUser(hubUrl: string, username: string) {
  const response = await fetch(`${hubUrl}/api/v1/auth/register`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      username,
      email: `${username}@example.com`,
      full_name: `Test ${username}`,
      password: PASSWORD,
    }),
  });
  if (response.status !== 201)
    throw new Error(`register failed: ${response.status} ${await response.text()}`);
  const body = (await response.json()) as { user: { id: number; username: string; email: string } };
  return { ...body.user, password: PASSWORD };
}

/**
 * A hub that is already running behind nginx (`pnpm stack:up`): the same end-to-end test then exercises the real
 * edge, TLS and the separately deployed processes. Only `resource` and `registerUser` are available.
 */
function externalStack(resource: string): Stack {
  const hubUrl = new URL(resource).origin;
  let counter = 0;
  const unavailable = () => {
    throw new Error('not available against an external stack');
  };
  return {
    hubUrl,
    aggregatorUrl: `${hubUrl}/aggregator`,
    mcpUrl: resource,
    resource,
    get database(): TestDatabase {
      return unavailable();
    },
    get mcp(): McpDeps {
      return unavailable();
    },
    get kv(): Kv {
      return unavailable();
    },
    registerUser(namePrefix = 'user') {
      counter += 1;
      return registerHubUser(hubUrl, `${namePrefix}${counter}${randomUUID().slice(0, 6)}`);
    },
    close: async () => {},
  };
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * The real backend, aggregator, reference satellite and MCP service, each on its own loopback port, sharing one
 * isolated database (PostgreSQL when DATABASE_URL is set, PGlite otherwise) and Redis (or memory).
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  if (process.env.MCP_E2E_RESOURCE) return externalStack(process.env.MCP_E2E_RESOURCE);
  const logger = createSilentLogger();
  const database = await createTestDatabase({ poolSize: 6 });
  const kvUrl = process.env.REDIS_URL ?? 'memory://';
  const prefix = `test:${randomUUID()}:`;
  const backendKv = createKv(kvUrl, { keyPrefix: `${prefix}hub:` });
  const mcpKv = createKv(kvUrl, { keyPrefix: `${prefix}mcp:` });
  const [hub, aggregator, satelliteHttp, mcpHttp] = await Promise.all([
    listenBeforeApp(),
    listenBeforeApp(),
    listenBeforeApp(),
    listenBeforeApp(),
  ]);
  const databaseEnv: Record<string, string> = database.url ? { DATABASE_URL: database.url } : {};

  const backendConfig = parseBackendEnv({
    ENVIRONMENT: 'test',
    LOG_LEVEL: 'silent',
    RATE_LIMIT_ENABLED: 'false',
    ARGON2_MEMORY_KIB: '1024',
    ARGON2_ITERATIONS: '1',
    ARGON2_PARALLELISM: '1',
    RSA_KEYS_DIRECTORY: join(tmpdir(), 'syfthub-mcp-test-hub-keys'),
    REDIS_URL: kvUrl,
    HEALTH_CHECK_ENABLED: 'false',
    ISSUER_URL: hub.url,
    ...databaseEnv,
  });
  const backendDeps = await buildBackendDeps(backendConfig, {
    dbHandle: database.handle,
    kv: backendKv,
    logger,
    email: null,
  });
  hub.use(createBackendApp(backendDeps));

  aggregator.use(
    createAggregatorApp({
      config: loadAggregatorConfig({
        AGGREGATOR_SSRF_ALLOW_PRIVATE_NETWORKS: 'true',
        AGGREGATOR_RATE_LIMIT_PER_MINUTE: '0',
        AGGREGATOR_METRICS_ENABLED: 'false',
        AGGREGATOR_RETRY_BASE_DELAY_MS: '20',
        AGGREGATOR_SYFTHUB_URL: hub.url,
      }),
      logger,
      reportFailure: null,
    }),
  );

  let satellite: Satellite | undefined;
  if (options.satellite ?? true) {
    satellite = await createSatellite(
      parseSatelliteEnv({
        SYFTHUB_URL: hub.url,
        SYFTHUB_ISSUER: hub.url,
        SATELLITE_PUBLIC_URL: satelliteHttp.url,
        SATELLITE_HUB_USERNAME: SATELLITE_OWNER,
        SATELLITE_HUB_EMAIL: `${SATELLITE_OWNER}@example.com`,
        SATELLITE_HUB_PASSWORD: PASSWORD,
        SATELLITE_DATA_DIR: join(tmpdir(), `syfthub-mcp-test-satellite-${randomUUID()}`),
        SATELLITE_ENDPOINTS_FILE: SATELLITE_CATALOGUE,
        SATELLITE_RESCAN_SECONDS: '3600',
        LOG_LEVEL: 'silent',
      }),
      logger,
      { hubTimings: { initialBackoffMs: 50, maxBackoffMs: 500, syncMinIntervalMs: 0 } },
    );
    satelliteHttp.use(satellite.app);
    await satellite.start();
    await waitFor('the satellite to publish its endpoints', async () => {
      const response = await fetch(`${hub.url}/api/v1/endpoints/public?limit=100`);
      const endpoints = (await response.json()) as {
        owner_username: string;
        connect: { config: { url?: string } }[];
      }[];
      const published = endpoints.filter((e) => e.owner_username === SATELLITE_OWNER);
      return published.length >= 3 && published.every((e) => e.connect[0]?.config.url?.startsWith('http'));
    });
  }

  const resource = `${mcpHttp.url}/mcp`;
  const mcpConfig = parseMcpEnv({
    ENVIRONMENT: 'test',
    OAUTH_ISSUER: resource,
    SYFTHUB_URL: hub.url,
    SYFTHUB_PUBLIC_URL: 'https://hub.example.test',
    AGGREGATOR_URL: aggregator.url,
    REDIS_URL: kvUrl,
    LOG_LEVEL: 'silent',
    METRICS_ENABLED: 'true',
    MCP_RSA_KEYS_DIRECTORY: join(tmpdir(), 'syfthub-mcp-test-mcp-keys'),
    MCP_TOKEN_ENCRYPTION_KEYS: generateEncryptionKeySetting('test1'),
    ...databaseEnv,
    ...options.mcpEnv,
  });
  const mcp = await buildDeps(mcpConfig, {
    dbHandle: database.handle,
    kv: mcpKv,
    logger,
    ...(options.cimdFetch ? { cimdFetch: options.cimdFetch } : {}),
  });
  mcpHttp.use(createApp(mcp));

  let counter = 0;
  return {
    hubUrl: hub.url,
    aggregatorUrl: aggregator.url,
    mcpUrl: mcpHttp.url,
    resource,
    database,
    mcp,
    kv: mcpKv,
    registerUser(namePrefix = 'user') {
      counter += 1;
      return registerHubUser(hub.url, `${namePrefix}${counter}${randomUUID().slice(0, 6)}`);
    },
    async close() {
      await satellite?.stop();
      await Promise.all([hub.close(), aggregator.close(), satelliteHttp.close(), mcpHttp.close()]);
      await mcp.close();
      for (const kv of [backendKv, mcpKv]) {
        await kv.deleteByPrefix('').catch(() => 0);
        await kv.close();
      }
      await database.close();
    },
  };
}
