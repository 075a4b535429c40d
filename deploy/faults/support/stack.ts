// The built services (backend, aggregator, mcp) as separate processes against a private PostgreSQL and Redis,
// started with the same environment as `pnpm stack:up` (deploy/local-stack/services.mjs).
import { type ChildProcess, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../local-stack/nginx.mjs';
import { serviceEnvs, startService, waitFor } from '../../local-stack/services.mjs';
import {
  type PrivatePostgres,
  type PrivateRedis,
  startPrivatePostgres,
  startPrivateRedis,
} from './dependencies';

export type ServiceName = 'backend' | 'aggregator' | 'mcp';
export const SERVICES: ServiceName[] = ['backend', 'aggregator', 'mcp'];

/** Ports derived from FAULTS_PORT_BASE (default 15540): PostgreSQL, Redis, then the services. */
export function faultPorts(base = Number(process.env.FAULTS_PORT_BASE ?? 15540)) {
  return {
    postgres: base,
    redis: base + 1,
    backend: base + 2,
    aggregator: base + 3,
    mcp: base + 4,
    satellite: base + 5,
  };
}

export interface FaultStack {
  pg: PrivatePostgres;
  redis: PrivateRedis;
  urls: Record<ServiceName, string>;
  pids: Record<ServiceName, number>;
  /** Whether each service process is still the one started (none restarted or exited). */
  alive(): Record<ServiceName, boolean>;
  log(name: ServiceName): string;
  stop(): Promise<void>;
}

function assertBuilt(): void {
  try {
    execFileSync('test', ['-f', join(REPO_ROOT, 'apps/backend/dist/main.js')]);
  } catch {
    throw new Error(
      'the apps are not built: run `pnpm build` (or `pnpm test:faults`, which builds them) first',
    );
  }
}

export async function startFaultStack(extraEnv: Partial<Record<ServiceName, Record<string, string>>> = {}) {
  assertBuilt();
  const ports = faultPorts();
  const dir = mkdtempSync(join(tmpdir(), 'syfthub-faults-'));
  const pg = await startPrivatePostgres(ports.postgres);
  const redis = await startPrivateRedis(ports.redis);
  pg.createDatabase('syfthub');
  const databaseUrl = pg.url('syfthub');
  execFileSync(process.execPath, ['apps/backend/dist/migrate.js'], {
    cwd: REPO_ROOT,
    env: { ...process.env, DATABASE_URL: databaseUrl },
    stdio: 'ignore',
  });
  const publicUrl = `http://127.0.0.1:${ports.backend}`;
  const envs = serviceEnvs({
    dir,
    publicUrl,
    databaseUrl,
    redisUrl: redis.url(),
    ports,
    rateLimits: 'false',
  });
  const children = {} as Record<ServiceName, ChildProcess>;
  const urls = {} as Record<ServiceName, string>;
  const logDir = join(dir, 'logs');
  for (const name of SERVICES) {
    children[name] = startService(name, { ...envs[name], LOG_LEVEL: 'info', ...extraEnv[name] }, { logDir });
    urls[name] = `http://127.0.0.1:${ports[name]}`;
  }
  const stack: FaultStack = {
    pg,
    redis,
    urls,
    pids: Object.fromEntries(SERVICES.map((n) => [n, children[n].pid ?? 0])) as Record<ServiceName, number>,
    alive: () =>
      Object.fromEntries(
        SERVICES.map((n) => [n, children[n].exitCode === null && children[n].signalCode === null]),
      ) as Record<ServiceName, boolean>,
    log: (name) => readFileSync(join(logDir, `${name}.log`), 'utf8'),
    async stop() {
      await Promise.all(
        SERVICES.map(async (name) => {
          const child = children[name];
          if (child.exitCode !== null || child.signalCode !== null) return;
          const exited = new Promise((r) => child.once('exit', r));
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
          await exited;
          clearTimeout(timer);
        }),
      );
      await redis.destroy();
      pg.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    for (const name of SERVICES) await waitFor(name, `${urls[name]}/ready`, 60_000);
  } catch (err) {
    const logs = SERVICES.map((n) => `--- ${n}\n${stack.log(n).slice(-3000)}`).join('\n');
    await stack.stop();
    throw new Error(`${err instanceof Error ? err.message : String(err)}\n${logs}`);
  }
  return stack;
}
