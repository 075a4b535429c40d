import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join, resolve } from 'node:path';
import { serve } from '@hono/node-server';
import { createApp as createAggregatorApp, loadConfig as loadAggregatorConfig } from '@syfthub/aggregator';
import {
  buildDeps,
  createApp as createBackendApp,
  ensureBootstrapAdmin,
  parseBackendEnv,
  startJobs,
} from '@syfthub/backend';
import { createDb } from '@syfthub/db';
import { buildDeps as buildMcpDeps, createApp as createMcpApp, parseMcpEnv } from '@syfthub/mcp';
import { createSatellite, parseSatelliteEnv } from '@syfthub/satellite';
import {
  createKv,
  createLifecycle,
  createLogger,
  type Logger,
  startServer,
  upgradeHandlerOf,
} from '@syfthub/service';
import { seedDemoCollective } from './demo-collective';
import { createEdge } from './edge';
import { edgeUpgrades } from './edge-upgrades';
import { localNatsSettings, natsUpgradeProxy } from './nats-proxy';

/** Where the local hub keeps its state, and what it listens on. */
export interface LocalHubOptions {
  repoRoot: string;
  dataDir: string;
  port: number;
  satellitePort: number;
  /** Wipe the data directory first. */
  reset: boolean;
  /** The built SPA; omitted in dev mode, where Vite serves it. */
  webRoot?: string;
  /** The process environment (DATABASE_URL / REDIS_URL switch to real servers). */
  env: Record<string, string | undefined>;
  logger?: Logger;
}

export interface LocalHub {
  url: string;
  demoUser: { username: string; password: string };
  stop(): Promise<void>;
}

export const DEMO_USER = {
  username: 'demo',
  email: 'demo@syfthub.local',
  password: 'syfthub-demo-1',
  full_name: 'Demo User',
};
const SATELLITE_OWNER = { username: 'syfthub', email: 'satellite@syfthub.local' };

// Secrets that must survive restarts (sessions, the satellite owner's password) live in the data directory.
function persistentSecret(
  dataDir: string,
  name: string,
  encoding: 'base64url' | 'base64' = 'base64url',
): string {
  const path = join(dataDir, name);
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  const value = randomBytes(32).toString(encoding);
  writeFileSync(path, value, { mode: 0o600 });
  return value;
}

/** Starts backend, aggregator, the SPA edge and the reference satellite in this process. */
export async function startLocalHub(options: LocalHubOptions): Promise<LocalHub> {
  const { dataDir, port, satellitePort, env } = options;
  if (options.reset) rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const publicUrl = `http://localhost:${port}`;
  const satelliteHosts = `localhost:${satellitePort},127.0.0.1:${satellitePort}`;
  const logLevel = env.LOG_LEVEL ?? 'warn';
  const logger =
    options.logger ??
    createLogger({
      service: 'local-hub',
      version: '1.0.0',
      environment: 'development',
      level: 'info',
      format: 'console',
    });
  const lifecycle = createLifecycle();

  const dbHandle = await createDb({
    url: env.DATABASE_URL,
    dataDir: env.DATABASE_URL ? undefined : join(dataDir, 'pglite'),
    migrate: true,
  });
  const kv = createKv(env.REDIS_URL ?? 'memory://');

  // Without NATS_URL tunnelling is off everywhere (the hub's /ready and the web app say so).
  const nats = localNatsSettings(env);
  const backendConfig = parseBackendEnv({
    ...env,
    NATS_URL: nats?.url,
    NATS_AUTH_TOKEN: nats?.token,
    ENVIRONMENT: 'development',
    LOG_LEVEL: logLevel,
    LOG_FORMAT: 'console',
    ISSUER_URL: publicUrl,
    CORS_ORIGINS: `${publicUrl},http://localhost:3000`,
    FRONTEND_URL: publicUrl,
    SECRET_KEY: env.SECRET_KEY ?? persistentSecret(dataDir, 'secret-key'),
    RSA_KEYS_DIRECTORY: join(dataDir, 'keys', 'hub'),
    SSRF_ALLOWED_HOSTS: satelliteHosts,
    EMAIL_SENDER: env.EMAIL_SENDER ?? 'none',
  });
  const backendDeps = await buildDeps(backendConfig, { dbHandle, kv });
  // BOOTSTRAP_ADMIN_* work here as they do for the backend on its own.
  await ensureBootstrapAdmin(backendDeps);
  const backend = createBackendApp(backendDeps);
  const jobs = startJobs(backendDeps);

  const aggregatorConfig = loadAggregatorConfig({
    ...env,
    AGGREGATOR_NATS_URL: nats?.url,
    AGGREGATOR_NATS_AUTH_TOKEN: nats?.token,
    AGGREGATOR_LOG_LEVEL: logLevel,
    AGGREGATOR_LOG_FORMAT: 'console',
    AGGREGATOR_CORS_ORIGINS: `${publicUrl},http://localhost:3000`,
    AGGREGATOR_SSRF_ALLOWED_HOSTS: satelliteHosts,
    // The query page (/q) resolves endpoints through the hub and answers with the reference satellite's model.
    AGGREGATOR_SYFTHUB_URL: env.AGGREGATOR_SYFTHUB_URL ?? `http://127.0.0.1:${port}`,
    AGGREGATOR_DEFAULT_QUERY_MODEL:
      env.AGGREGATOR_DEFAULT_QUERY_MODEL ?? `${SATELLITE_OWNER.username}/assistant`,
  });
  const aggregatorLogger = createLogger({
    service: 'aggregator',
    version: aggregatorConfig.version,
    environment: 'development',
    level: aggregatorConfig.logLevel,
    format: 'console',
  });
  // Failure reports go to the backend's internal route, which the edge does not expose; locally they are logs.
  const aggregator = createAggregatorApp({
    config: aggregatorConfig,
    logger: aggregatorLogger,
    kv,
    reportFailure: null,
    lifecycle,
  });

  // The MCP service reaches the backend and aggregator through this process's own edge, as it would through
  // the internal network in production.
  const mcpConfig = parseMcpEnv({
    ...env,
    ENVIRONMENT: 'development',
    LOG_LEVEL: logLevel,
    LOG_FORMAT: 'console',
    OAUTH_ISSUER: `${publicUrl}/mcp`,
    SYFTHUB_URL: `http://127.0.0.1:${port}`,
    SYFTHUB_PUBLIC_URL: publicUrl,
    AGGREGATOR_URL: `http://127.0.0.1:${port}/aggregator`,
    MCP_RSA_KEYS_DIRECTORY: join(dataDir, 'keys', 'mcp'),
    MCP_TOKEN_ENCRYPTION_KEYS: `local:${persistentSecret(dataDir, 'mcp-token-key', 'base64')}`,
  });
  const mcpDeps = await buildMcpDeps(mcpConfig, { dbHandle, kv });
  const mcp = createMcpApp(mcpDeps, { lifecycle });

  const edge = createEdge({ backend, aggregator, mcp, webRoot: options.webRoot });
  const server = await startServer(edge, {
    port,
    host: '0.0.0.0',
    logger,
    handleSignals: false,
    lifecycle,
    upgrade: edgeUpgrades({
      nats: nats ? natsUpgradeProxy(nats.websocket) : undefined,
      aggregator: upgradeHandlerOf(aggregator),
    }),
  });

  const demo = await backend.request('/api/v1/auth/register', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(DEMO_USER),
  });
  if (demo.status !== 201 && demo.status !== 409) {
    logger.warn({ event: 'local.demo_user.failed', status: demo.status }, await demo.text());
  }

  const satelliteOwner = {
    username: SATELLITE_OWNER.username,
    password: persistentSecret(dataDir, 'satellite-owner-password'),
  };
  const satelliteEnv = parseSatelliteEnv({
    ENVIRONMENT: 'development',
    LOG_LEVEL: logLevel,
    LOG_FORMAT: 'console',
    SATELLITE_PORT: String(satellitePort),
    SATELLITE_HOST: '127.0.0.1',
    SATELLITE_PUBLIC_URL: `http://localhost:${satellitePort}`,
    SYFTHUB_URL: `http://127.0.0.1:${port}`,
    SYFTHUB_ISSUER: publicUrl,
    SATELLITE_HUB_USERNAME: SATELLITE_OWNER.username,
    SATELLITE_HUB_EMAIL: SATELLITE_OWNER.email,
    SATELLITE_HUB_PASSWORD: satelliteOwner.password,
    SATELLITE_DATA_DIR: join(dataDir, 'satellite'),
    SATELLITE_ENDPOINTS_FILE: resolve(options.repoRoot, 'apps/satellite/endpoints.example.json'),
    SATELLITE_HEALTH_INTERVAL_SECONDS: '30',
    ...(env.OPENAI_BASE_URL ? { OPENAI_BASE_URL: env.OPENAI_BASE_URL } : {}),
    ...(env.OPENAI_API_KEY ? { OPENAI_API_KEY: env.OPENAI_API_KEY } : {}),
    ...(env.OPENAI_MODEL ? { OPENAI_MODEL: env.OPENAI_MODEL } : {}),
  });
  const satelliteLogger = createLogger({
    service: 'satellite',
    version: '1.0.0',
    environment: 'development',
    level: satelliteEnv.LOG_LEVEL,
    format: 'console',
  });
  const satellite = await createSatellite(satelliteEnv, satelliteLogger, { lifecycle });
  await satellite.start();
  const satelliteServer = serve({
    fetch: satellite.app.fetch,
    port: satellitePort,
    hostname: '127.0.0.1',
  }) as Server;
  // In the background: the satellite publishes its endpoints shortly after start.
  void seedDemoCollective(backend, DEMO_USER, satelliteOwner, logger).catch((err) =>
    logger.warn({ event: 'local.demo_collective.failed', err }),
  );

  return {
    url: publicUrl,
    demoUser: { username: DEMO_USER.username, password: DEMO_USER.password },
    async stop() {
      lifecycle.startDraining();
      await satellite.stop();
      await new Promise<void>((r) => satelliteServer.close(() => r()));
      await server.stop();
      await jobs.stop();
      await mcpDeps.close();
      await kv.close();
      await dbHandle.close();
    },
  };
}
