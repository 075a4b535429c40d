#!/usr/bin/env node
// `pnpm stack:up`: the production topology on this machine without containers. Builds every app, starts each as
// its own process on its own port against real PostgreSQL and Redis, runs the real nginx with nginx.prod.conf
// (https://localhost:8443, http://localhost:8080 → https) with its own nats-server behind /nats (nats/nats.conf on
// ports 14222/19222/18222, not the machine's 4222), waits until everything answers, and returns with
// everything running in the background. `pnpm stack:down` stops exactly what this started.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ensureSelfSignedCert } from './certs.mjs';
import { nginxArgs, REPO_ROOT, renderNginx } from './nginx.mjs';
import { persistentSecret, serviceEnvs, startNats, startService, waitFor } from './services.mjs';
import { readState, STACK_DIR, stopStack, writeState } from './state.mjs';

const env = process.env;
const HTTP_PORT = Number(env.STACK_HTTP_PORT ?? 8080);
const HTTPS_PORT = Number(env.STACK_HTTPS_PORT ?? 8443);
const PORTS = {
  backend: Number(env.STACK_BACKEND_PORT ?? 8000),
  aggregator: Number(env.STACK_AGGREGATOR_PORT ?? 8001),
  mcp: Number(env.STACK_MCP_PORT ?? 8002),
  satellite: Number(env.STACK_SATELLITE_PORT ?? 8003),
  natsClient: Number(env.STACK_NATS_PORT ?? 14222),
  natsWebSocket: Number(env.STACK_NATS_WS_PORT ?? 19222),
  natsMonitor: Number(env.STACK_NATS_MONITOR_PORT ?? 18222),
};
const PUBLIC_URL = `https://localhost:${HTTPS_PORT}`;
const DATABASE_URL = env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/syfthub_stack';
const REDIS_URL = env.REDIS_URL ?? 'redis://127.0.0.1:6379/1';
const NGINX = env.NGINX_BIN ?? (existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx');
const log = (message) => process.stdout.write(`stack: ${message}\n`);

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

function start(name, serviceEnv) {
  return startService(name, serviceEnv, { logDir: join(STACK_DIR, 'logs'), detached: true }).pid;
}

async function waitReady(name, url) {
  try {
    await waitFor(name, url);
  } catch (err) {
    throw new Error(`${err instanceof Error ? err.message : String(err)}; see .stack/logs/${name}.log`);
  }
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

  const nats = {
    url: `nats://127.0.0.1:${PORTS.natsClient}`,
    token: `nt${persistentSecret(STACK_DIR, 'nats-token')}`,
    monitorUrl: `http://127.0.0.1:${PORTS.natsMonitor}`,
  };
  const envs = serviceEnvs({
    nats,
    dir: STACK_DIR,
    publicUrl: PUBLIC_URL,
    databaseUrl: DATABASE_URL,
    redisUrl: REDIS_URL,
    ports: PORTS,
    extraSsrfHosts: env.STACK_EXTRA_SSRF_HOSTS,
    testRoutes: env.STACK_TEST_ROUTES === '1',
    rateLimits: env.STACK_RATE_LIMITS,
  });
  const state = { pids: {}, nginxPrefix: join(STACK_DIR, 'nginx'), url: PUBLIC_URL };
  state.pids.nats = startNats({
    dir: STACK_DIR,
    logDir: join(STACK_DIR, 'logs'),
    token: nats.token,
    detached: true,
    ports: { client: PORTS.natsClient, websocket: PORTS.natsWebSocket, monitor: PORTS.natsMonitor },
  }).pid;
  writeState(state);
  await waitReady('nats', `${nats.monitorUrl}/healthz`);
  state.pids.backend = start('backend', envs.backend);
  state.pids.aggregator = start('aggregator', envs.aggregator);
  state.pids.mcp = start('mcp', envs.mcp);
  writeState(state);
  await waitReady('backend', `http://127.0.0.1:${PORTS.backend}/ready`);
  state.pids.satellite = start('satellite', envs.satellite);
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
      nats: `127.0.0.1:${PORTS.natsWebSocket}`,
    },
    webRoot: join(REPO_ROOT, 'apps', 'web', 'dist'),
    certDir: ensureSelfSignedCert(join(STACK_DIR, 'ssl')),
  });
  execFileSync(NGINX, nginxArgs(state.nginxPrefix), { stdio: 'inherit' });
  state.nginx = true;
  writeState(state);

  await waitReady('aggregator', `http://127.0.0.1:${PORTS.aggregator}/ready`);
  await waitReady('mcp', `http://127.0.0.1:${PORTS.mcp}/ready`);
  await waitReady('satellite', `http://127.0.0.1:${PORTS.satellite}/health`);
  await waitReady('nginx', `http://127.0.0.1:${HTTP_PORT}/nginx-health`);
  log(
    `up: ${PUBLIC_URL} (http://localhost:${HTTP_PORT} redirects there); logs in .stack/logs; stop with pnpm stack:down`,
  );
}

main().catch(async (err) => {
  process.stderr.write(`stack: ${err instanceof Error ? err.message : String(err)}\n`);
  await stopStack(log);
  process.exit(1);
});
