import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createPasswordHasher,
  createSatelliteTokenIssuer,
  createSessionTokens,
  type KeyRing,
  loadKeyRing,
  type PasswordHasher,
  type SatelliteTokenIssuer,
  type SessionTokens,
} from '@syfthub/auth';
import type { Db, DbHandle } from '@syfthub/db';
import { createDb } from '@syfthub/db';
import {
  createKv,
  createLogger,
  createMetrics,
  type Kv,
  type Logger,
  type Metrics,
  parseCidrList,
  type TrustedProxies,
} from '@syfthub/service';
import { createEmailSender, type EmailSender } from './email/sender';
import type { BackendConfig } from './env';
import { type BackendMetrics, createBackendMetrics } from './metrics';
import { type TunnelSettings, tunnelSettings } from './tunnel/settings';

export const VERSION = '1.0.0';

/** The migrations copied next to a bundled build (dist/drizzle); undefined when running from source. */
export function bundledMigrationsFolder(): string | undefined {
  const folder = join(dirname(fileURLToPath(import.meta.url)), 'drizzle');
  return existsSync(join(folder, 'meta', '_journal.json')) ? folder : undefined;
}

/** Everything the backend's routes and jobs need, built once by main (or by tests with their own parts). */
export interface BackendDeps {
  config: BackendConfig;
  db: Db;
  dbHandle: DbHandle;
  kv: Kv;
  logger: Logger;
  metrics: Metrics;
  backendMetrics: BackendMetrics;
  keyRing: KeyRing | null;
  /** Signs satellite tokens with `keyRing`, reusing one per (caller, audience) for half its lifetime. */
  satelliteTokens: SatelliteTokenIssuer | null;
  passwords: PasswordHasher;
  sessionTokens: SessionTokens;
  email: EmailSender | null;
  trustedProxies: TrustedProxies;
  /** NATS tunnelling (tunnelling.md §3.8); `enabled` is false without a token. */
  tunnel: TunnelSettings;
}

/** Builds the dependencies from configuration: opens the database and KV, loads keys. */
export async function buildDeps(
  config: BackendConfig,
  overrides: Partial<Pick<BackendDeps, 'dbHandle' | 'kv' | 'logger' | 'email'>> = {},
): Promise<BackendDeps> {
  const logger =
    overrides.logger ??
    createLogger({
      service: 'backend',
      version: VERSION,
      environment: config.ENVIRONMENT,
      level: config.LOG_LEVEL,
      format: config.LOG_FORMAT,
    });
  const dbHandle =
    overrides.dbHandle ??
    (await createDb({
      url: config.DATABASE_URL,
      dataDir: config.DATABASE_URL ? undefined : `${config.DATA_DIR}/pglite`,
      poolSize: config.DB_POOL_SIZE,
      statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS,
      connectTimeoutSeconds: config.DB_POOL_TIMEOUT_SECONDS,
      migrate: config.MIGRATE_ON_START || !config.DATABASE_URL,
      migrationsFolder: bundledMigrationsFolder(),
    }));
  const kv = overrides.kv ?? createKv(config.REDIS_URL, {});
  const keyRing = await loadKeyRing({
    privateKeyPemB64: config.RSA_PRIVATE_KEY_PEM,
    publicKeyPemB64: config.RSA_PUBLIC_KEY_PEM,
    privateKeyPath: config.RSA_PRIVATE_KEY_PATH,
    publicKeyPath: config.RSA_PUBLIC_KEY_PATH,
    keyId: config.RSA_KEY_ID,
    keySize: config.RSA_KEY_SIZE,
    previousPublicKeyPemB64: config.RSA_PREVIOUS_PUBLIC_KEY_PEM,
    previousKeyId: config.RSA_PREVIOUS_KEY_ID,
    autoGenerate: config.AUTO_GENERATE_RSA_KEYS,
    keysDirectory: config.RSA_KEYS_DIRECTORY,
    production: config.ENVIRONMENT === 'production',
  });
  const metrics = createMetrics({ service: 'backend', enabled: config.METRICS_ENABLED });
  return {
    config,
    db: dbHandle.db,
    dbHandle,
    kv,
    logger,
    metrics,
    backendMetrics: createBackendMetrics(metrics),
    keyRing,
    satelliteTokens: keyRing ? createSatelliteTokenIssuer(keyRing) : null,
    passwords: createPasswordHasher({
      memoryKiB: config.ARGON2_MEMORY_KIB,
      iterations: config.ARGON2_ITERATIONS,
      parallelism: config.ARGON2_PARALLELISM,
      maxConcurrent: config.ARGON2_MAX_CONCURRENT,
      maxQueued: config.ARGON2_MAX_QUEUED,
    }),
    sessionTokens: createSessionTokens({
      secret: config.SECRET_KEY,
      accessTtlSeconds: config.ACCESS_TOKEN_EXPIRE_MINUTES * 60,
      refreshTtlSeconds: config.REFRESH_TOKEN_EXPIRE_DAYS * 86400,
    }),
    email: overrides.email !== undefined ? overrides.email : createEmailSender(config, logger),
    trustedProxies: parseCidrList(config.TRUSTED_PROXIES),
    tunnel: tunnelSettings(config),
  };
}
