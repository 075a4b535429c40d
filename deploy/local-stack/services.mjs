// The pieces that start the apps as separate processes against real PostgreSQL and Redis: their environments,
// persistent secrets, spawning and readiness waits. Used by `pnpm stack:up` and by the fault test, which runs
// the same services against servers of its own.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './nginx.mjs';

/** Entry points of the built apps, relative to the repository root. */
export const SERVICE_SCRIPTS = {
  backend: 'apps/backend/dist/main.js',
  aggregator: 'apps/aggregator/dist/main.js',
  mcp: 'apps/mcp/dist/main.js',
  satellite: 'apps/satellite/dist/main.js',
};

/** 32 random bytes stored in `dir/name`, kept across restarts (sessions, passwords, token keys). */
export function persistentSecret(dir, name, encoding = 'base64url') {
  const path = join(dir, name);
  if (!existsSync(path)) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(path, randomBytes(32).toString(encoding), { mode: 0o600 });
  }
  return readFileSync(path, 'utf8').trim();
}

/**
 * The environment of each service, as the production-like stack runs them.
 * @param {{ dir: string, publicUrl: string, databaseUrl: string, redisUrl: string,
 *   ports: { backend: number, aggregator: number, mcp: number, satellite: number },
 *   extraSsrfHosts?: string, testRoutes?: boolean, rateLimits?: string,
 *   nats?: { url: string, token: string, monitorUrl: string } }} options
 * @returns {{ backend: Record<string, string>, aggregator: Record<string, string>, mcp: Record<string, string>,
 *   satellite: Record<string, string> }}
 */
export function serviceEnvs(options) {
  const { dir, publicUrl, ports } = options;
  // extraSsrfHosts lets test satellites on other loopback ports through (e2e's slow model).
  const satelliteHosts = [
    `localhost:${ports.satellite}`,
    `127.0.0.1:${ports.satellite}`,
    options.extraSsrfHosts,
  ]
    .filter(Boolean)
    .join(',');
  const shared = {
    DATABASE_URL: options.databaseUrl,
    REDIS_URL: options.redisUrl,
    INTERNAL_SERVICE_TOKEN: persistentSecret(dir, 'internal-service-token'),
  };
  return {
    backend: {
      ...shared,
      PORT: String(ports.backend),
      HOST: '127.0.0.1',
      ISSUER_URL: publicUrl,
      CORS_ORIGINS: publicUrl,
      FRONTEND_URL: publicUrl,
      SECRET_KEY: persistentSecret(dir, 'secret-key'),
      RSA_KEYS_DIRECTORY: join(dir, 'keys', 'hub'),
      SSRF_ALLOWED_HOSTS: satelliteHosts,
      EMAIL_SENDER: 'none',
      ENABLE_TEST_ROUTES: options.testRoutes ? 'true' : 'false',
      RATE_LIMIT_ENABLED: options.rateLimits ?? 'true',
      ...(options.nats
        ? {
            NATS_URL: options.nats.url,
            NATS_AUTH_TOKEN: options.nats.token,
            NATS_MONITOR_URL: options.nats.monitorUrl,
          }
        : {}),
    },
    aggregator: {
      ...shared,
      AGGREGATOR_PORT: String(ports.aggregator),
      AGGREGATOR_HOST: '127.0.0.1',
      AGGREGATOR_CORS_ORIGINS: publicUrl,
      AGGREGATOR_SYFTHUB_URL: `http://127.0.0.1:${ports.backend}`,
      AGGREGATOR_SSRF_ALLOWED_HOSTS: satelliteHosts,
      ...(options.nats
        ? { AGGREGATOR_NATS_URL: options.nats.url, AGGREGATOR_NATS_AUTH_TOKEN: options.nats.token }
        : {}),
    },
    mcp: {
      ...shared,
      MCP_PORT: String(ports.mcp),
      HOST: '127.0.0.1',
      OAUTH_ISSUER: `${publicUrl}/mcp`,
      SYFTHUB_URL: `http://127.0.0.1:${ports.backend}`,
      SYFTHUB_PUBLIC_URL: publicUrl,
      AGGREGATOR_URL: `http://127.0.0.1:${ports.aggregator}`,
      MCP_RSA_KEYS_DIRECTORY: join(dir, 'keys', 'mcp'),
      MCP_TOKEN_ENCRYPTION_KEYS: `k1:${persistentSecret(dir, 'mcp-token-key', 'base64')}`,
    },
    satellite: {
      SATELLITE_PORT: String(ports.satellite),
      SATELLITE_HOST: '127.0.0.1',
      SATELLITE_PUBLIC_URL: `http://localhost:${ports.satellite}`,
      SYFTHUB_URL: `http://127.0.0.1:${ports.backend}`,
      SYFTHUB_ISSUER: publicUrl,
      SATELLITE_HUB_USERNAME: 'syfthub',
      SATELLITE_HUB_EMAIL: 'satellite@syfthub.local',
      SATELLITE_HUB_PASSWORD: persistentSecret(dir, 'satellite-owner-password'),
      SATELLITE_DATA_DIR: join(dir, 'satellite'),
      SATELLITE_ENDPOINTS_FILE: join(REPO_ROOT, 'apps', 'satellite', 'endpoints.example.json'),
    },
  };
}

/**
 * Starts one built app as its own process, logging JSON to `<logDir>/<name>.log`. Detached processes outlive
 * the caller (the stack); attached ones end with it (tests).
 * @param {string} name
 * @param {Record<string, string>} serviceEnv
 * @param {{ logDir: string, detached?: boolean, script?: string }} options
 */
export function startService(name, serviceEnv, options) {
  mkdirSync(options.logDir, { recursive: true });
  const out = openSync(join(options.logDir, `${name}.log`), 'a');
  const child = spawn(process.execPath, [options.script ?? SERVICE_SCRIPTS[name]], {
    cwd: REPO_ROOT,
    env: { ...process.env, ENVIRONMENT: 'development', LOG_FORMAT: 'json', ...serviceEnv },
    stdio: ['ignore', out, out],
    detached: options.detached ?? false,
  });
  if (options.detached) child.unref();
  return child;
}

/** Resolves once `url` answers 2xx; rejects with the last answer after the timeout. */
export async function waitFor(name, url, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${name} did not become ready at ${url} (${last})`);
}

/**
 * Starts nats-server from the project's own config (nats/nats.conf, mode A) on loopback ports, its JetStream
 * store in `dir`. nats-server reads the token as a config value, so it must start with a letter.
 * @param {{ dir: string, logDir: string, token: string, detached?: boolean,
 *   ports: { client: number, websocket: number, monitor: number } }} options
 */
export function startNats(options) {
  mkdirSync(options.logDir, { recursive: true });
  const out = openSync(join(options.logDir, 'nats.log'), 'a');
  const binary =
    process.env.NATS_SERVER_BIN ??
    (existsSync('/usr/sbin/nats-server') ? '/usr/sbin/nats-server' : 'nats-server');
  const child = spawn(binary, ['-c', join(REPO_ROOT, 'nats', 'nats.conf')], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      NATS_HOST: '127.0.0.1',
      NATS_PORT: String(options.ports.client),
      NATS_MONITOR_PORT: String(options.ports.monitor),
      NATS_WS_HOST: '127.0.0.1',
      NATS_WS_PORT: String(options.ports.websocket),
      NATS_AUTH_TOKEN: options.token,
      NATS_STORE_DIR: join(options.dir, 'nats'),
    },
    stdio: ['ignore', out, out],
    detached: options.detached ?? false,
  });
  if (options.detached) child.unref();
  return child;
}

/**
 * A second reference satellite in tunnel mode (owner `tunnelnode`, deploy/local-stack/tunnel-endpoints.json): it
 * reaches the hub only through the public origin, nginx's /nats included, trusting the stack's certificate.
 * @param {{ dir: string, publicUrl: string, port: number }} options
 */
export function tunnelSatelliteEnv(options) {
  return {
    SATELLITE_PORT: String(options.port),
    SATELLITE_HOST: '127.0.0.1',
    SATELLITE_TUNNEL: 'true',
    SYFTHUB_URL: options.publicUrl,
    SYFTHUB_ISSUER: options.publicUrl,
    SATELLITE_HUB_USERNAME: 'tunnelnode',
    SATELLITE_HUB_EMAIL: 'tunnelnode@syfthub.local',
    SATELLITE_HUB_PASSWORD: persistentSecret(options.dir, 'tunnel-satellite-owner-password'),
    SATELLITE_DATA_DIR: join(options.dir, 'tunnel-satellite'),
    SATELLITE_ENDPOINTS_FILE: join(REPO_ROOT, 'deploy', 'local-stack', 'tunnel-endpoints.json'),
    NODE_EXTRA_CA_CERTS: join(options.dir, 'ssl', 'cert.pem'),
  };
}
