import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The smoke suite's hub: the all-in-one (`pnpm start`) on its own ports and a fresh embedded database. */
export const SMOKE_PORT = Number(process.env.SMOKE_PORT ?? 4173);
export const SMOKE_SATELLITE_PORT = Number(process.env.SMOKE_SATELLITE_PORT ?? SMOKE_PORT + 1);
export const SMOKE_URL = `http://localhost:${SMOKE_PORT}`;
export const SMOKE_DATA_DIR = join(tmpdir(), `syfthub-smoke-${SMOKE_PORT}`);

/** The accounts the suite signs in as: alice is the hub's bootstrap admin, bob an ordinary user. */
export const ALICE = {
  username: 'alice',
  email: 'alice@example.com',
  password: 'Password123',
  full_name: 'Alice Liddell',
};
export const BOB = {
  username: 'bob',
  email: 'bob@example.com',
  password: 'Password123',
  full_name: 'Bob Builder',
};

/** Endpoints the reference satellite publishes as `syfthub` (apps/satellite/endpoints.example.json). */
export const SATELLITE = {
  owner: 'syfthub',
  model: 'Assistant',
  guide: 'SyftHub Guide',
  library: 'Larchmere Public Library Handbook',
};

/**
 * Environment of the hub process: no DATABASE_URL or REDIS_URL (the command unsets them), so it uses embedded
 * PGlite in a data directory wiped at start, and in-memory storage. Sign-in limits are lifted: one browser signs
 * in many times a minute from one address (the limits have their own tests).
 */
export const hubEnv: Record<string, string> = {
  SYFTHUB_DATA_DIR: SMOKE_DATA_DIR,
  SATELLITE_PORT: String(SMOKE_SATELLITE_PORT),
  BOOTSTRAP_ADMIN_USERNAME: ALICE.username,
  BOOTSTRAP_ADMIN_EMAIL: ALICE.email,
  BOOTSTRAP_ADMIN_PASSWORD: ALICE.password,
  AUTH_RATE_LIMIT_MAX: '1000',
  LOG_LEVEL: 'warn',
};
