#!/usr/bin/env node
// `pnpm test:e2e`: brings up the production-like stack on a fresh database (real nginx + TLS, every app its own
// process, real PostgreSQL and Redis), runs the edge checks, the MCP end-to-end test with the official SDK client,
// the Playwright suite in Chromium and the bad-input test through it, and always takes the stack down again.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './nginx.mjs';
import { startService, tunnelSatelliteEnv, waitFor } from './services.mjs';
import { STACK_DIR } from './state.mjs';

const log = (message) => process.stdout.write(`\ne2e: ${message}\n`);
// The PostgreSQL server to create the e2e database on (credentials included where the server needs them).
const SERVER_URL = new URL(process.env.E2E_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
const DATABASE = 'syfthub_e2e';
const databaseUrl = (name) => Object.assign(new URL(SERVER_URL), { pathname: `/${name}` }).toString();
const HTTPS_PORT = process.env.STACK_HTTPS_PORT ?? '8443';
const SLOW_MODEL_PORT = process.env.STACK_SLOW_MODEL_PORT ?? '18093';

function psql(sql) {
  execFileSync('psql', [databaseUrl('postgres'), '-qc', sql], { stdio: 'ignore' });
}

const env = {
  ...process.env,
  DATABASE_URL: databaseUrl(DATABASE),
  REDIS_URL: process.env.E2E_REDIS_URL ?? 'redis://127.0.0.1:6379/4',
  // Suites register many users and clients from one IP within a minute; the limits themselves are covered by
  // unit tests.
  STACK_RATE_LIMITS: 'false',
  MCP_LOGIN_RATE_LIMIT_PER_MINUTE: '100000',
  MCP_REGISTER_RATE_LIMIT_PER_HOUR: '100000',
  MCP_TOKEN_RATE_LIMIT_PER_MINUTE: '100000',
  // The MCP suite checks refresh-token reuse immediately after rotation.
  MCP_REFRESH_REUSE_GRACE_SECONDS: '0',
  STACK_EXTRA_SSRF_HOSTS: `127.0.0.1:${SLOW_MODEL_PORT}`,
  STACK_SLOW_MODEL_PORT: SLOW_MODEL_PORT,
};

function run(name, command, args, extraEnv = {}) {
  log(name);
  const result = spawnSync(command, args, { cwd: REPO_ROOT, env: { ...env, ...extraEnv }, stdio: 'inherit' });
  return result.status === 0;
}

log(`fresh database ${DATABASE} and Redis db ${env.REDIS_URL}`);
psql(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
psql(`CREATE DATABASE ${DATABASE}`);
execFileSync('redis-cli', ['-u', env.REDIS_URL, 'FLUSHDB'], { stdio: 'ignore' });

const results = {};
let tunnelSatellite = null;
try {
  if (!run('stack up', process.execPath, [join(REPO_ROOT, 'deploy/local-stack/up.mjs')]))
    throw new Error('stack:up failed');
  const base = `https://localhost:${HTTPS_PORT}`;
  await waitFor(
    'the reference satellite publishing',
    `http://127.0.0.1:${process.env.STACK_BACKEND_PORT ?? 8000}/api/v1/endpoints/by-path/syfthub/larchmere-library`,
  );
  // The MCP suite counts the published endpoints and searches the demo corpus, so it runs first, before the browser
  // suite and the edge checks publish more.
  results.mcp = run(
    'MCP end to end (official SDK client)',
    'pnpm',
    ['--filter', '@syfthub/mcp', 'exec', 'vitest', 'run', 'test/sdk-e2e.test.ts'],
    {
      MCP_E2E_RESOURCE: `${base}/mcp`,
      MCP_E2E_SATELLITE_OWNER: 'syfthub',
      NODE_EXTRA_CA_CERTS: join(STACK_DIR, 'ssl', 'cert.pem'),
    },
  );
  // After the MCP suite (which counts the published endpoints): a satellite in tunnel mode for the browser's
  // tunnelled-chat flow, reaching the hub and NATS only through the edge.
  const tunnelPort = Number(process.env.STACK_TUNNEL_SATELLITE_PORT ?? 8004);
  tunnelSatellite = startService(
    'tunnel-satellite',
    tunnelSatelliteEnv({ dir: STACK_DIR, publicUrl: base, port: tunnelPort }),
    { logDir: join(STACK_DIR, 'logs'), script: 'apps/satellite/dist/main.js' },
  );
  await waitFor('tunnel-satellite', `http://127.0.0.1:${tunnelPort}/health`);
  results.web = run(
    'browser end to end (Playwright, Chromium)',
    'pnpm',
    ['--filter', '@syfthub/web', 'test:e2e'],
    {
      E2E_BASE_URL: base,
      // The reference satellite's demo targets, not the tunnelled copy the flow above publishes.
      E2E_MODEL: 'syfthub/assistant',
      E2E_SOURCES: 'syfthub/syfthub-guide,syfthub/larchmere-library',
      // The collectives flow accepts invitations as the reference satellite's owner.
      E2E_SATELLITE_OWNER: 'syfthub',
      E2E_SATELLITE_OWNER_PASSWORD: readFileSync(join(STACK_DIR, 'satellite-owner-password'), 'utf8').trim(),
    },
  );
  // After the browser suite: the tunnel check leaves a copy of the demo catalogue published by a node that is
  // gone, which the suites above would otherwise pick for their chats.
  results.edge = run(
    'edge checks (deploy/e2e)',
    'pnpm',
    ['--filter', '@syfthub/deploy', 'exec', 'vitest', 'run', '-c', 'vitest.e2e.config.ts'],
    {
      STACK_E2E: '1',
    },
  );
  // Last: it registers many users and sends thousands of hostile requests the other suites should not meet.
  results.badInput = run(
    'bad input (every OpenAPI operation, aggregator, satellite, MCP; part through nginx)',
    'pnpm',
    ['--filter', '@syfthub/deploy', 'exec', 'vitest', 'run', '-c', 'vitest.bad-input.config.ts'],
    { STACK_E2E: '1' },
  );
} catch (err) {
  results.stack = false;
  process.stderr.write(`e2e: ${err instanceof Error ? err.message : String(err)}\n`);
} finally {
  tunnelSatellite?.kill('SIGTERM');
  run('stack down', process.execPath, [join(REPO_ROOT, 'deploy/local-stack/down.mjs')]);
}

const failed = Object.entries(results).filter(([, ok]) => !ok);
log(
  Object.entries(results)
    .map(([name, ok]) => `${name}: ${ok ? 'passed' : 'FAILED'}`)
    .join(', '),
);
process.exit(failed.length === 0 ? 0 : 1);
