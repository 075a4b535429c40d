#!/usr/bin/env node
// `pnpm stack:up`: the production topology on this machine without containers. Builds every app, starts each as
// its own process on its own port against real PostgreSQL and Redis, runs the real nginx with nginx.prod.conf
// (https://localhost:8443, http://localhost:8080 → https), waits until everything answers, and returns with
// everything running in the background. `pnpm stack:down` stops exactly what this started.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureSelfSignedCert } from './certs.mjs';
import { nginxArgs, REPO_ROOT, renderNginx } from './nginx.mjs';
import { readState, STACK_DIR, stopStack, writeState } from './state.mjs';

const env = process.env;
const HTTP_PORT = Number(env.STACK_HTTP_PORT ?? 8080);
const HTTPS_PORT = Number(env.STACK_HTTPS_PORT ?? 8443);
const PORTS = {
  backend: Number(env.STACK_BACKEND_PORT ?? 8000),
  aggregator: Number(env.STACK_AGGREGATOR_PORT ?? 8001),
  mcp: Number(env.STACK_MCP_PORT ?? 8002),
  satellite: Number(env.STACK_SATELLITE_PORT ?? 8003),
};
const PUBLIC_URL = `https://localhost:${HTTPS_PORT}`;
const DATABASE_URL = env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/syfthub_stack';
const REDIS_URL = env.REDIS_URL ?? 'redis://127.0.0.1:6379/1';
const NGINX = env.NGINX_BIN ?? (existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx');
const log = (message) => process.stdout.write(`stack: ${message}\n`);

// 32 random bytes kept across restarts (sessions, the satellite owner's password, the MCP token key).
function secret(name, encoding = 'base64url') {
  const path = join(STACK_DIR, name);
  if (!existsSync(path)) writeFileSync(path, randomBytes(32).toString(encoding), { mode: 0o600 });
  return readFileSync(path, 'utf8').trim();
}

// The stack's database is created if missing; a DATABASE_URL given by the caller must already exist.
function ensureDatabase() {
  if (env.DATABASE_URL) return;
  const url = new URL(DATABASE_URL);
  const name = url.pathname.slice(1);
  const args = [
    '-h',
    url.hostname,
    '-p',
    url.port || '5432',
    '-U',
    url.username || 'postgres',
    '-d',
    'postgres',
    '-tAc',
  ];
  const exists = execFileSync('psql', [...args, `SELECT 1 FROM pg_database WHERE datname = '${name}'`], {
    encoding: 'utf8',
  });
  if (exists.trim() !== '1')
    execFileSync('psql', [...args, `CREATE DATABASE "${name}"`], { stdio: 'ignore' });
}

function start(name, script, extraEnv) {
  mkdirSync(join(STACK_DIR, 'logs'), { recursive: true });
  const out = openSync(join(STACK_DIR, 'logs', `${name}.log`), 'a');
  const child = spawn(process.execPath, [script], {
    cwd: REPO_ROOT,
    env: { ...env, ENVIRONMENT: 'development', LOG_FORMAT: 'json', ...extraEnv },
    stdio: ['ignore', out, out],
    detached: true,
  });
  child.unref();
  return child.pid;
}

async function waitFor(name, url, timeoutMs = 60_000) {
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
  throw new Error(`${name} did not become ready at ${url} (${last}); see .stack/logs/${name}.log`);
}

async function main() {
  if (readState()) {
    log('a stack is already running; stopping it first');
    await stopStack(log);
  }
  mkdirSync(STACK_DIR, { recursive: true });
  if (env.STACK_SKIP_BUILD !== '1') {
    log('building apps (turbo, cached)…');
    execFileSync(
      'pnpm',
      [
        'exec',
        'turbo',
        'run',
        'build',
        '--output-logs=errors-only',
        '--filter=@syfthub/backend',
        '--filter=@syfthub/aggregator',
        '--filter=@syfthub/mcp',
        '--filter=@syfthub/satellite',
        '--filter=@syfthub/web',
      ],
      { cwd: REPO_ROOT, stdio: 'inherit' },
    );
  }
  ensureDatabase();
  log('migrating the database…');
  execFileSync(process.execPath, ['apps/backend/dist/migrate.js'], {
    cwd: REPO_ROOT,
    env: { ...env, DATABASE_URL },
    stdio: 'inherit',
  });

  const internalToken = secret('internal-service-token');
  // STACK_EXTRA_SSRF_HOSTS lets test satellites on other loopback ports through (e2e's slow model).
  const satelliteHosts = [
    `localhost:${PORTS.satellite}`,
    `127.0.0.1:${PORTS.satellite}`,
    env.STACK_EXTRA_SSRF_HOSTS,
  ]
    .filter(Boolean)
    .join(',');
  const state = { pids: {}, nginxPrefix: join(STACK_DIR, 'nginx'), url: PUBLIC_URL };
  const shared = { DATABASE_URL, REDIS_URL, INTERNAL_SERVICE_TOKEN: internalToken };
  state.pids.backend = start('backend', 'apps/backend/dist/main.js', {
    ...shared,
    PORT: String(PORTS.backend),
    HOST: '127.0.0.1',
    ISSUER_URL: PUBLIC_URL,
    CORS_ORIGINS: PUBLIC_URL,
    FRONTEND_URL: PUBLIC_URL,
    SECRET_KEY: secret('secret-key'),
    RSA_KEYS_DIRECTORY: join(STACK_DIR, 'keys', 'hub'),
    SSRF_ALLOWED_HOSTS: satelliteHosts,
    EMAIL_SENDER: 'none',
    ENABLE_TEST_ROUTES: env.STACK_TEST_ROUTES === '1' ? 'true' : 'false',
    RATE_LIMIT_ENABLED: env.STACK_RATE_LIMITS ?? 'true',
  });
  state.pids.aggregator = start('aggregator', 'apps/aggregator/dist/main.js', {
    ...shared,
    AGGREGATOR_PORT: String(PORTS.aggregator),
    AGGREGATOR_HOST: '127.0.0.1',
    AGGREGATOR_CORS_ORIGINS: PUBLIC_URL,
    AGGREGATOR_SYFTHUB_URL: `http://127.0.0.1:${PORTS.backend}`,
    AGGREGATOR_SSRF_ALLOWED_HOSTS: satelliteHosts,
  });
  state.pids.mcp = start('mcp', 'apps/mcp/dist/main.js', {
    ...shared,
    MCP_PORT: String(PORTS.mcp),
    HOST: '127.0.0.1',
    OAUTH_ISSUER: `${PUBLIC_URL}/mcp`,
    SYFTHUB_URL: `http://127.0.0.1:${PORTS.backend}`,
    SYFTHUB_PUBLIC_URL: PUBLIC_URL,
    AGGREGATOR_URL: `http://127.0.0.1:${PORTS.aggregator}`,
    MCP_RSA_KEYS_DIRECTORY: join(STACK_DIR, 'keys', 'mcp'),
    MCP_TOKEN_ENCRYPTION_KEYS: `k1:${secret('mcp-token-key', 'base64')}`,
  });
  writeState(state);
  await waitFor('backend', `http://127.0.0.1:${PORTS.backend}/ready`);
  state.pids.satellite = start('satellite', 'apps/satellite/dist/main.js', {
    SATELLITE_PORT: String(PORTS.satellite),
    SATELLITE_HOST: '127.0.0.1',
    SATELLITE_PUBLIC_URL: `http://localhost:${PORTS.satellite}`,
    SYFTHUB_URL: `http://127.0.0.1:${PORTS.backend}`,
    SYFTHUB_ISSUER: PUBLIC_URL,
    SATELLITE_HUB_USERNAME: 'syfthub',
    SATELLITE_HUB_EMAIL: 'satellite@syfthub.local',
    SATELLITE_HUB_PASSWORD: secret('satellite-owner-password'),
    SATELLITE_DATA_DIR: join(STACK_DIR, 'satellite'),
    SATELLITE_ENDPOINTS_FILE: join(REPO_ROOT, 'apps', 'satellite', 'endpoints.example.json'),
  });
  writeState(state);

  renderNginx({
    variant: 'prod',
    prefix: state.nginxPrefix,
    httpPort: HTTP_PORT,
    httpsPort: HTTPS_PORT,
    upstreams: {
      backend: `127.0.0.1:${PORTS.backend}`,
      aggregator: `127.0.0.1:${PORTS.aggregator}`,
      mcp: `127.0.0.1:${PORTS.mcp}`,
    },
    webRoot: join(REPO_ROOT, 'apps', 'web', 'dist'),
    certDir: ensureSelfSignedCert(join(STACK_DIR, 'ssl')),
  });
  execFileSync(NGINX, nginxArgs(state.nginxPrefix), { stdio: 'inherit' });
  state.nginx = true;
  writeState(state);

  await waitFor('aggregator', `http://127.0.0.1:${PORTS.aggregator}/ready`);
  await waitFor('mcp', `http://127.0.0.1:${PORTS.mcp}/ready`);
  await waitFor('satellite', `http://127.0.0.1:${PORTS.satellite}/health`);
  await waitFor('nginx', `http://127.0.0.1:${HTTP_PORT}/nginx-health`);
  log(
    `up: ${PUBLIC_URL} (http://localhost:${HTTP_PORT} redirects there); logs in .stack/logs; stop with pnpm stack:down`,
  );
}

main().catch(async (err) => {
  process.stderr.write(`stack: ${err instanceof Error ? err.message : String(err)}\n`);
  await stopStack(log);
  process.exit(1);
});
