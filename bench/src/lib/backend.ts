/** What every benchmark of the built backend shares: a fresh database, the service secrets and the backend process. */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDb } from '@syfthub/db';
import postgres from 'postgres';
import { freePort, type Service, startService } from './proc';

/** The password of every seeded user. */
/** The PostgreSQL server every bench creates its databases on, and the Redis database index the benches use. */
export const SERVER_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/13';

export const PASSWORD = 'bench-password-1';
/** The backend's defaults (env.ts), passed explicitly so the seeded hashes match what it verifies with. */
export const ARGON2 = { memoryCost: 65_536, timeCost: 3, parallelism: 4, maxConcurrent: 4 };

/** A database of its own on `serverUrl`, dropped by `drop()` unless `keep`. */
export async function createDatabase(
  serverUrl: string,
  keep: boolean,
  log: (message: string) => void,
): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `syfthub_perf_${Date.now()}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      if (keep) log(`kept database ${name}`);
      else await admin.unsafe(`drop database if exists "${name}" with (force)`);
      await admin.end();
    },
  };
}

export async function migrateDatabase(url: string): Promise<void> {
  const migrated = await createDb({ url, migrate: true, poolSize: 1 });
  await migrated.close();
}

/** Settings every service of a run shares: database, Redis, session secret and a fresh RSA key pair. */
export function serviceEnv(databaseUrl: string, redisUrl: string): Record<string, string> {
  const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privatePem = keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const publicPem = keys.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  return {
    NODE_ENV: 'production',
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    DB_POOL_SIZE: '10',
    DB_STATEMENT_TIMEOUT_MS: '15000',
    SECRET_KEY: randomBytes(32).toString('hex'),
    RSA_PRIVATE_KEY_PEM: Buffer.from(privatePem).toString('base64'),
    RSA_PUBLIC_KEY_PEM: Buffer.from(publicPem).toString('base64'),
    RSA_KEY_ID: 'bench-key-1',
    SATELLITE_TOKEN_EXPIRE_SECONDS: '60',
  };
}

/**
 * The Node options of the backend's production start command (`node <options> dist/main.js` in its package.json
 * `start` script, the same as its image's CMD), so the bench measures the process as it is deployed.
 */
export function backendNodeOptions(cwd: string): string[] {
  const start = (
    JSON.parse(readFileSync(join(cwd, 'package.json'), 'utf8')) as { scripts: { start: string } }
  ).scripts.start;
  const words = start.trim().split(/\s+/);
  if (words[0] !== 'node' || words.at(-1) !== 'dist/main.js') {
    throw new Error(`the backend's start script is not "node [options] dist/main.js": ${start}`);
  }
  return words.slice(1, -1);
}

/**
 * The built backend (apps/backend/dist) as its own process in production mode, rate limits and monitor off, with
 * the Node options of its start command unless `nodeArgs` replaces them.
 */
export async function startBackend(
  shared: Record<string, string>,
  cwd: string,
  logDir: string,
  nodeArgs: string[] = backendNodeOptions(cwd),
  name = 'backend',
): Promise<Service> {
  const port = await freePort();
  return startService({
    name,
    entry: 'dist/main.js',
    cwd,
    port,
    readyPath: '/ready',
    logDir,
    nodeArgs,
    env: {
      ...shared,
      ENVIRONMENT: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      ISSUER_URL: `http://127.0.0.1:${port}`,
      // `BENCH_LOG_LEVEL=warn` turns the request lines off: what logging costs a scenario (A/B, not for reports).
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
      LOG_FORMAT: 'json',
      RATE_LIMIT_ENABLED: 'false',
      // The monitor would probe 20,000 made-up satellite URLs during the measurements.
      HEALTH_CHECK_ENABLED: 'false',
      EMAIL_SENDER: 'none',
      INTERNAL_SERVICE_TOKEN: randomBytes(16).toString('hex'),
      ARGON2_MEMORY_KIB: String(ARGON2.memoryCost),
      ARGON2_ITERATIONS: String(ARGON2.timeCost),
      ARGON2_PARALLELISM: String(ARGON2.parallelism),
      ARGON2_MAX_CONCURRENT: String(ARGON2.maxConcurrent),
    },
  });
}

/** Each user's bearer header, logged in a few at a time (each login is an argon2 verification). */
export async function loginMany(base: string, usernames: string[]): Promise<Array<Record<string, string>>> {
  const headers: Array<Record<string, string>> = [];
  for (let i = 0; i < usernames.length; i += 4) {
    const tokens = await Promise.all(usernames.slice(i, i + 4).map((username) => login(base, username)));
    headers.push(...tokens.map((token) => ({ Authorization: `Bearer ${token}` })));
  }
  return headers;
}

export async function login(base: string, username: string): Promise<string> {
  const res = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username, password: PASSWORD }),
  });
  if (!res.ok) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}
