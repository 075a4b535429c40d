import {
  baseProductionRules as base,
  DEFAULT_TRUSTED_PROXIES,
  envBool,
  envCsv,
  envEnum,
  envEnvironment,
  envHost,
  envInt,
  envLogFormat,
  envLogLevel,
  envPort,
  envUrl,
  type ProductionRule,
  parseServiceEnv,
} from '@syfthub/service';
import { z } from 'zod';

const DEFAULT_SECRET_KEY = 'your-secret-key-here-change-in-production';

/** Every setting of backend-api.md §18 (plus the bootstrap admin), parsed once at start-up. */
export const backendEnvSchema = z.object({
  ENVIRONMENT: envEnvironment(),
  APP_NAME: z.string().default('Syfthub API'),
  HOST: envHost(),
  PORT: envPort(8000),
  LOG_LEVEL: envLogLevel(),
  LOG_FORMAT: envLogFormat(),
  CORS_ORIGINS: envCsv().default(['http://localhost:3000', 'http://localhost:8080']),
  FRONTEND_URL: envUrl(['http:', 'https:']).default('http://localhost:3000'),
  DOCS_ENABLED: envBool().default(true),

  DATABASE_URL: z.string().optional(),
  DATA_DIR: z.string().default('./.data'),
  DB_POOL_SIZE: envInt(1, 500).default(10),
  DB_POOL_TIMEOUT_SECONDS: envInt(1, 600).default(10),
  DB_STATEMENT_TIMEOUT_MS: envInt(0).default(15000),
  MIGRATE_ON_START: envBool().default(false),
  REDIS_URL: z.string().default('redis://localhost:6379/0'),

  SECRET_KEY: z.string().min(1).default(DEFAULT_SECRET_KEY),
  ACCESS_TOKEN_EXPIRE_MINUTES: envInt(1).default(30),
  REFRESH_TOKEN_EXPIRE_DAYS: envInt(1).default(7),
  REFRESH_TOKEN_FAMILY_MAX_DAYS: envInt(1).default(30),
  REFRESH_TOKEN_REUSE_GRACE_SECONDS: envInt(0).default(10),
  PASSWORD_MIN_LENGTH: envInt(8, 256).default(8),
  ARGON2_MEMORY_KIB: envInt(1024).default(65536),
  ARGON2_ITERATIONS: envInt(1).default(3),
  ARGON2_PARALLELISM: envInt(1, 64).default(4),
  ARGON2_MAX_CONCURRENT: envInt(1, 64).default(4),
  ARGON2_MAX_QUEUED: envInt(1, 10_000).default(64),
  TRUSTED_PROXIES: z.string().default(DEFAULT_TRUSTED_PROXIES),

  ISSUER_URL: envUrl(['http:', 'https:']).default('http://localhost:8080'),
  RSA_PRIVATE_KEY_PEM: z.string().optional(),
  RSA_PUBLIC_KEY_PEM: z.string().optional(),
  RSA_PRIVATE_KEY_PATH: z.string().optional(),
  RSA_PUBLIC_KEY_PATH: z.string().optional(),
  RSA_KEY_ID: z.string().min(1).max(64).default('hub-key-1'),
  RSA_KEY_SIZE: envInt(2048, 8192).default(2048),
  RSA_PREVIOUS_PUBLIC_KEY_PEM: z.string().optional(),
  RSA_PREVIOUS_KEY_ID: z.string().min(1).max(64).optional(),
  AUTO_GENERATE_RSA_KEYS: envBool().default(true),
  RSA_KEYS_DIRECTORY: z.string().default('./data/rsa_keys'),
  SATELLITE_TOKEN_EXPIRE_SECONDS: envInt(10, 3600).default(60),
  JWKS_CACHE_MAX_AGE_SECONDS: envInt(0).default(300),

  EMAIL_SENDER: envEnum(['auto', 'none', 'resend', 'smtp', 'log']).default('auto'),
  RESEND_API_KEY: z.string().optional(),
  SMTP_HOST: z.string().optional(),
  SMTP_PORT: envInt(1, 65535).default(587),
  SMTP_USER: z.string().optional(),
  SMTP_PASSWORD: z.string().optional(),
  SMTP_SECURE: envBool().default(false),
  SMTP_FROM_EMAIL: z.string().default('noreply@localhost'),
  SMTP_FROM_NAME: z.string().default('SyftHub'),
  OTP_EXPIRY_MINUTES: envInt(1).default(10),
  OTP_MAX_ATTEMPTS: envInt(1).default(5),
  OTP_RATE_LIMIT_MAX_REQUESTS: envInt(1).default(3),
  OTP_RATE_LIMIT_WINDOW_MINUTES: envInt(1).default(10),
  OTP_IP_RATE_LIMIT_MAX_REQUESTS: envInt(1).default(10),
  OTP_IP_RATE_LIMIT_WINDOW_MINUTES: envInt(1).default(10),
  OTP_EMAIL_MAX_RETRIES: envInt(0).default(3),
  OTP_EMAIL_RETRY_DELAY_SECONDS: envInt(0).default(2),
  OTP_CLEANUP_INTERVAL_MINUTES: envInt(1).default(60),
  OTP_CLEANUP_RETENTION_HOURS: envInt(0).default(24),

  HEALTH_CHECK_ENABLED: envBool().default(true),
  HEALTH_CHECK_INTERVAL_SECONDS: envInt(1).default(30),
  HEALTH_CHECK_FAILURE_THRESHOLD: envInt(1).default(3),
  HEALTH_MAX_TTL_SECONDS: envInt(1).default(1800),
  HEALTH_DEFAULT_TTL_SECONDS: envInt(1).default(300),
  UPTIME_BUCKET_SECONDS: envInt(60).default(1800),
  UPTIME_RETENTION_DAYS: envInt(0).default(90),

  RATE_LIMIT_ENABLED: envBool().default(true),
  RATE_LIMIT_FAIL_OPEN: envBool().default(true),
  AUTH_RATE_LIMIT_MAX: envInt(1).default(10),
  AUTH_RATE_LIMIT_WINDOW_SECONDS: envInt(1).default(60),
  LOGIN_ACCOUNT_FAILURE_MAX: envInt(1).default(10),
  LOGIN_ACCOUNT_FAILURE_WINDOW_SECONDS: envInt(1).default(900),
  REFRESH_RATE_LIMIT_MAX: envInt(1).default(60),
  REFRESH_RATE_LIMIT_WINDOW_SECONDS: envInt(1).default(60),
  GUEST_TOKEN_RATE_LIMIT_MAX: envInt(1).default(60),
  GUEST_TOKEN_RATE_LIMIT_WINDOW_SECONDS: envInt(1).default(60),
  LOOKUP_RATE_LIMIT_MAX: envInt(1).default(60),
  PROXY_RATE_LIMIT_MAX: envInt(1).default(60),
  ERROR_REPORT_RATE_LIMIT_MAX: envInt(1).default(30),

  SSRF_ALLOW_PRIVATE_NETWORKS: envBool().default(false),
  SSRF_ALLOWED_HOSTS: envCsv().default([]),
  SSRF_ALLOW_IN_PRODUCTION: envBool().default(false),
  PROXY_TIMEOUT_DATA_SOURCE_SECONDS: envInt(1).default(30),
  PROXY_TIMEOUT_DEFAULT_SECONDS: envInt(1).default(120),
  SEARCH_MIN_SCORE: z.coerce.number().min(0).max(1).default(0.05),
  ERROR_RETENTION_DAYS: envInt(0).default(30),
  INTERNAL_SERVICE_TOKEN: z.string().default(''),
  METRICS_ENABLED: envBool().default(true),
  ENABLE_TEST_ROUTES: envBool().default(false),

  // tunnelling.md §3.8. An empty token turns tunnelling off: the NATS routes answer 503.
  NATS_URL: z.string().default('nats://nats:4222'),
  // nats-server reads the token from its environment as a config value, where one starting with a digit or `-`
  // does not parse (or becomes a number): refused here too, so the hub and its NATS agree at start-up.
  NATS_AUTH_TOKEN: z
    .string()
    .regex(
      /^([A-Za-z][A-Za-z0-9_-]*)?$/,
      'must start with a letter and use only letters, digits, "_" and "-"',
    )
    .default(''),
  /** Where nodes dial in; default: the ISSUER_URL origin with ws(s):// and `/nats` (tunnelling.md §2.3). */
  NATS_WS_PUBLIC_URL: envUrl(['ws:', 'wss:']).optional(),
  /** NATS monitoring (`/connz`) for the tunnel health rule of tunnelling.md §10(b); empty: the rule is off. */
  NATS_MONITOR_URL: z.union([envUrl(['http:', 'https:']), z.literal('')]).default(''),
  PEER_TOKEN_EXPIRE_SECONDS: envInt(10, 3600).default(120),
  GUEST_PEER_TOKEN_EXPIRE_SECONDS: envInt(10, 3600).default(90),
  GUEST_PEER_TOKEN_RATE_LIMIT_MAX: envInt(1).default(10),
  GUEST_PEER_TOKEN_RATE_LIMIT_WINDOW_SECONDS: envInt(1).default(60),

  BOOTSTRAP_ADMIN_USERNAME: z.string().optional(),
  BOOTSTRAP_ADMIN_EMAIL: z.string().optional(),
  BOOTSTRAP_ADMIN_PASSWORD: z.string().optional(),
});

export type BackendConfig = z.output<typeof backendEnvSchema>;

/** The development shortcuts refused when `ENVIRONMENT=production` (backend-api.md §18). */
export const backendProductionRules: ProductionRule<BackendConfig>[] = [
  base.consoleLogs('LOG_FORMAT'),
  base.memoryStore('REDIS_URL'),
  base.database('DATABASE_URL'),
  base.privateNetworks('SSRF_ALLOW_PRIVATE_NETWORKS', 'SSRF_ALLOW_IN_PRODUCTION', 'SSRF_ALLOWED_HOSTS'),
  {
    name: 'SECRET_KEY',
    refused: (c) => c.SECRET_KEY === DEFAULT_SECRET_KEY || c.SECRET_KEY.length < 32,
    reason: 'must be set to a value of at least 32 characters (not the default) in production',
  },
  {
    name: 'ENABLE_TEST_ROUTES',
    refused: (c) => c.ENABLE_TEST_ROUTES,
    reason: 'test routes are refused in production',
  },
  {
    name: 'EMAIL_SENDER',
    refused: (c) => c.EMAIL_SENDER === 'log',
    reason: 'the log e-mail sender is refused in production',
  },
  {
    name: 'INTERNAL_SERVICE_TOKEN',
    refused: (c) => c.INTERNAL_SERVICE_TOKEN === '',
    reason: 'required in production',
  },
];

/** Parses the backend's environment, naming every invalid variable and every development shortcut refused in production. */
export function parseBackendEnv(source: Record<string, string | undefined> = process.env): BackendConfig {
  return parseServiceEnv(backendEnvSchema, source, { production: backendProductionRules });
}
