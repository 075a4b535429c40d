import {
  baseProductionRules as base,
  type EnvCheck,
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
  type LOG_LEVELS,
  type ProductionRule,
  parseServiceEnv,
} from '@syfthub/service';
import { z } from 'zod';
import { version } from './version';

export type RerankerKind = 'bm25' | 'embedding' | 'none';

/** Durations are configured in seconds, as upstream did (fractions allowed, for tests), and used in ms. */
function envSeconds() {
  return z.string().transform((value, ctx) => {
    const n = Number(value.trim());
    if (!Number.isFinite(n) || n <= 0) {
      ctx.addIssue({ code: 'custom', message: 'must be a positive number of seconds' });
      return z.NEVER;
    }
    return Math.round(n * 1000);
  });
}

/** A number in [0, 1]. */
function envFraction() {
  return z.string().transform((value, ctx) => {
    const n = Number(value.trim());
    if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) {
      ctx.addIssue({ code: 'custom', message: 'must be a number from 0 to 1' });
      return z.NEVER;
    }
    return n;
  });
}

/** aggregator.md §13. Durations come out in milliseconds. */
export const envSchema = z.object({
  ENVIRONMENT: envEnvironment(),
  AGGREGATOR_SERVICE_NAME: z.string().trim().min(1).default('syfthub-aggregator'),
  AGGREGATOR_HOST: envHost(),
  AGGREGATOR_PORT: envPort(8001),
  AGGREGATOR_LOG_LEVEL: envLogLevel(),
  AGGREGATOR_LOG_FORMAT: envLogFormat(),
  AGGREGATOR_DEBUG: envBool().default(false),
  AGGREGATOR_CORS_ORIGINS: envCsv().default(['http://localhost:3000', 'http://localhost:8080']),
  AGGREGATOR_SYFTHUB_URL: envUrl(['http:', 'https:']).default('http://localhost:8000'),
  AGGREGATOR_RETRIEVAL_TIMEOUT: envSeconds().default(30_000),
  AGGREGATOR_RETRIEVAL_PHASE_TIMEOUT: envSeconds().default(45_000),
  AGGREGATOR_GENERATION_TIMEOUT: envSeconds().default(120_000),
  AGGREGATOR_STREAM_IDLE_TIMEOUT: envSeconds().default(60_000),
  AGGREGATOR_TOTAL_TIMEOUT: envSeconds().default(180_000),
  AGGREGATOR_DEFAULT_TOP_K: envInt(1).default(5),
  AGGREGATOR_MAX_TOP_K: envInt(1).default(20),
  // Raised from 10 so collectives of up to 50 visible members fit one chat (collectives.md §14 D1b).
  AGGREGATOR_MAX_DATA_SOURCES: envInt(0).default(50),
  AGGREGATOR_MAX_PROMPT_CHARS: envInt(1).default(32_000),
  // Automatic source selection (README "Automatic source selection"): how many, how relevant, how long to wait.
  AGGREGATOR_AUTO_SOURCES_MAX: envInt(1, 50).default(3),
  AGGREGATOR_AUTO_SOURCES_MIN_SCORE: envFraction().default(0.4),
  AGGREGATOR_AUTO_SOURCES_TIMEOUT: envSeconds().default(3000),
  AGGREGATOR_MAX_RESPONSE_BYTES: envInt(1024).default(8 * 1024 * 1024),
  AGGREGATOR_RETRY_MAX: envInt(0, 10).default(2),
  AGGREGATOR_RETRY_BASE_DELAY_MS: envInt(0).default(1000),
  AGGREGATOR_HEARTBEAT_INTERVAL_MS: envInt(10).default(3000),
  AGGREGATOR_DONE_SOURCE_MAX_CHARS: envInt(1).default(4000),
  AGGREGATOR_MODEL_STREAMING_ENABLED: envBool().default(true),
  AGGREGATOR_RERANKER: envEnum(['bm25', 'embedding', 'none']).default('bm25'),
  AGGREGATOR_EMBEDDINGS_BASE_URL: envUrl(['http:', 'https:']).optional(),
  AGGREGATOR_EMBEDDINGS_API_KEY: z.string().optional(),
  AGGREGATOR_EMBEDDINGS_MODEL: z.string().trim().optional(),
  AGGREGATOR_EMBEDDINGS_TIMEOUT: envSeconds().default(15_000),
  AGGREGATOR_SSRF_ALLOW_PRIVATE_NETWORKS: envBool().default(false),
  AGGREGATOR_SSRF_ALLOWED_HOSTS: envCsv().default([]),
  AGGREGATOR_SSRF_ALLOW_IN_PRODUCTION: envBool().default(false),
  AGGREGATOR_RATE_LIMIT_PER_MINUTE: envInt(0).default(30),
  // agent-sessions.md §3 and §8 (ours): session caps and the inactivity limit of the agent WebSocket.
  AGGREGATOR_AGENT_MAX_SESSIONS: envInt(0).default(200),
  AGGREGATOR_AGENT_SESSIONS_PER_IP: envInt(0).default(5),
  AGGREGATOR_AGENT_INACTIVITY_SECONDS: envSeconds().default(1_800_000),
  AGGREGATOR_METRICS_ENABLED: envBool().default(true),
  // tunnelling.md §8.4: the internal NATS listener. Tunnelling is on when the URL or the token is set (mode A′
  // has no token on the internal listener, so the URL alone switches it on there).
  AGGREGATOR_NATS_URL: envUrl(['nats:', 'tls:']).optional(),
  AGGREGATOR_NATS_AUTH_TOKEN: z.string().default(''),
  AGGREGATOR_NATS_USER: z.string().default(''),
  AGGREGATOR_NATS_PASSWORD: z.string().default(''),
  AGGREGATOR_NATS_TUNNEL_TIMEOUT: envSeconds().default(30_000),
  REDIS_URL: envUrl().optional(),
  INTERNAL_SERVICE_TOKEN: z.string().default(''),
  AGGREGATOR_DEFAULT_QUERY_MODEL: z.string().trim().optional(),
  AGGREGATOR_URL_FETCHER_SLUG: z.string().trim().optional(),
  TRUSTED_PROXIES: z.string().trim().optional(),
});

type Env = z.output<typeof envSchema>;

/** The development shortcuts refused when `ENVIRONMENT=production` (aggregator.md §13). */
export const aggregatorProductionRules: ProductionRule<Env>[] = [
  base.consoleLogs('AGGREGATOR_LOG_FORMAT'),
  base.memoryStore('REDIS_URL'),
  base.privateNetworks(
    'AGGREGATOR_SSRF_ALLOW_PRIVATE_NETWORKS',
    'AGGREGATOR_SSRF_ALLOW_IN_PRODUCTION',
    'AGGREGATOR_SSRF_ALLOWED_HOSTS',
  ),
  { name: 'AGGREGATOR_DEBUG', refused: (e) => e.AGGREGATOR_DEBUG, reason: 'refused in production' },
];

const consistency: EnvCheck<Env> = (e) => {
  const problems = [];
  if (e.AGGREGATOR_DEFAULT_TOP_K > e.AGGREGATOR_MAX_TOP_K) {
    problems.push({ name: 'AGGREGATOR_DEFAULT_TOP_K', problem: 'must not exceed AGGREGATOR_MAX_TOP_K' });
  }
  if ((e.AGGREGATOR_NATS_USER === '') !== (e.AGGREGATOR_NATS_PASSWORD === '')) {
    problems.push({
      name: e.AGGREGATOR_NATS_USER === '' ? 'AGGREGATOR_NATS_USER' : 'AGGREGATOR_NATS_PASSWORD',
      problem: 'AGGREGATOR_NATS_USER and AGGREGATOR_NATS_PASSWORD must be set together',
    });
  }
  if (e.AGGREGATOR_NATS_AUTH_TOKEN !== '' && e.AGGREGATOR_NATS_USER !== '') {
    problems.push({
      name: 'AGGREGATOR_NATS_AUTH_TOKEN',
      problem: 'set either the token (mode A) or a user and password (mode B), not both',
    });
  }
  if (e.AGGREGATOR_RERANKER === 'embedding') {
    if (!e.AGGREGATOR_EMBEDDINGS_BASE_URL) {
      problems.push({
        name: 'AGGREGATOR_EMBEDDINGS_BASE_URL',
        problem: 'required when AGGREGATOR_RERANKER=embedding',
      });
    }
    if (!e.AGGREGATOR_EMBEDDINGS_MODEL) {
      problems.push({
        name: 'AGGREGATOR_EMBEDDINGS_MODEL',
        problem: 'required when AGGREGATOR_RERANKER=embedding',
      });
    }
  }
  return problems;
};

export interface NatsSettings {
  url: string;
  token: string | null;
  user: string | null;
  password: string | null;
  /** `AGGREGATOR_NATS_TUNNEL_TIMEOUT`: the longest wait for one tunnelled reply, sent to nodes as `timeout_ms`. */
  tunnelTimeoutMs: number;
}

/** Everything the aggregator reads from its environment, in the units the code uses (milliseconds, bytes). */
export interface AggregatorConfig {
  environment: string;
  serviceName: string;
  version: string;
  host: string;
  port: number;
  logLevel: (typeof LOG_LEVELS)[number];
  logFormat: 'json' | 'console';
  debug: boolean;
  corsOrigins: string[];
  syfthubUrl: string;
  retrievalTimeoutMs: number;
  retrievalPhaseTimeoutMs: number;
  generationTimeoutMs: number;
  streamIdleTimeoutMs: number;
  totalTimeoutMs: number;
  defaultTopK: number;
  maxTopK: number;
  maxDataSources: number;
  maxPromptChars: number;
  maxResponseBytes: number;
  /** Automatic source selection: at most `max` sources (and never more than `maxDataSources`). */
  autoSources: { max: number; minScore: number; timeoutMs: number };
  retryMax: number;
  retryBaseDelayMs: number;
  heartbeatIntervalMs: number;
  doneSourceMaxChars: number;
  modelStreamingEnabled: boolean;
  reranker: RerankerKind;
  embeddings: { baseUrl: string | null; apiKey: string | null; model: string | null; timeoutMs: number };
  ssrf: { allowPrivateNetworks: boolean; allowedHosts: string[] };
  rateLimitPerMinute: number;
  /** Agent sessions (agent-sessions.md §3, §8): caps and inactivity limit. */
  agent: { maxSessions: number; sessionsPerIp: number; inactivityMs: number };
  /** NATS tunnelling (tunnelling.md §8.4); null when off. */
  nats: NatsSettings | null;
  redisUrl: string | null;
  internalServiceToken: string;
  defaultQueryModel: string | null;
  urlFetcherSlug: string | null;
  trustedProxies: string | null;
  metricsEnabled: boolean;
}

/** Parses the environment; throws the service EnvError naming every invalid or refused variable. */
export function loadConfig(source: Record<string, string | undefined> = process.env): AggregatorConfig {
  const e = parseServiceEnv(envSchema, source, {
    production: aggregatorProductionRules,
    checks: [consistency],
  });
  return {
    environment: e.ENVIRONMENT,
    serviceName: e.AGGREGATOR_SERVICE_NAME,
    version,
    host: e.AGGREGATOR_HOST,
    port: e.AGGREGATOR_PORT,
    logLevel: e.AGGREGATOR_LOG_LEVEL,
    logFormat: e.AGGREGATOR_DEBUG ? 'console' : e.AGGREGATOR_LOG_FORMAT,
    debug: e.AGGREGATOR_DEBUG,
    corsOrigins: e.AGGREGATOR_CORS_ORIGINS,
    syfthubUrl: e.AGGREGATOR_SYFTHUB_URL,
    retrievalTimeoutMs: e.AGGREGATOR_RETRIEVAL_TIMEOUT,
    retrievalPhaseTimeoutMs: e.AGGREGATOR_RETRIEVAL_PHASE_TIMEOUT,
    generationTimeoutMs: e.AGGREGATOR_GENERATION_TIMEOUT,
    streamIdleTimeoutMs: e.AGGREGATOR_STREAM_IDLE_TIMEOUT,
    totalTimeoutMs: e.AGGREGATOR_TOTAL_TIMEOUT,
    defaultTopK: e.AGGREGATOR_DEFAULT_TOP_K,
    maxTopK: e.AGGREGATOR_MAX_TOP_K,
    maxDataSources: e.AGGREGATOR_MAX_DATA_SOURCES,
    maxPromptChars: e.AGGREGATOR_MAX_PROMPT_CHARS,
    maxResponseBytes: e.AGGREGATOR_MAX_RESPONSE_BYTES,
    autoSources: {
      max: Math.min(e.AGGREGATOR_AUTO_SOURCES_MAX, e.AGGREGATOR_MAX_DATA_SOURCES),
      minScore: e.AGGREGATOR_AUTO_SOURCES_MIN_SCORE,
      timeoutMs: e.AGGREGATOR_AUTO_SOURCES_TIMEOUT,
    },
    retryMax: e.AGGREGATOR_RETRY_MAX,
    retryBaseDelayMs: e.AGGREGATOR_RETRY_BASE_DELAY_MS,
    heartbeatIntervalMs: e.AGGREGATOR_HEARTBEAT_INTERVAL_MS,
    doneSourceMaxChars: e.AGGREGATOR_DONE_SOURCE_MAX_CHARS,
    modelStreamingEnabled: e.AGGREGATOR_MODEL_STREAMING_ENABLED,
    reranker: e.AGGREGATOR_RERANKER,
    embeddings: {
      baseUrl: e.AGGREGATOR_EMBEDDINGS_BASE_URL ?? null,
      apiKey: e.AGGREGATOR_EMBEDDINGS_API_KEY ?? null,
      model: e.AGGREGATOR_EMBEDDINGS_MODEL ?? null,
      timeoutMs: e.AGGREGATOR_EMBEDDINGS_TIMEOUT,
    },
    ssrf: {
      allowPrivateNetworks: e.AGGREGATOR_SSRF_ALLOW_PRIVATE_NETWORKS,
      allowedHosts: e.AGGREGATOR_SSRF_ALLOWED_HOSTS,
    },
    rateLimitPerMinute: e.AGGREGATOR_RATE_LIMIT_PER_MINUTE,
    agent: {
      maxSessions: e.AGGREGATOR_AGENT_MAX_SESSIONS,
      sessionsPerIp: e.AGGREGATOR_AGENT_SESSIONS_PER_IP,
      inactivityMs: e.AGGREGATOR_AGENT_INACTIVITY_SECONDS,
    },
    nats:
      e.AGGREGATOR_NATS_URL !== undefined ||
      e.AGGREGATOR_NATS_AUTH_TOKEN !== '' ||
      e.AGGREGATOR_NATS_USER !== ''
        ? {
            url: e.AGGREGATOR_NATS_URL ?? 'nats://nats:4222',
            token: e.AGGREGATOR_NATS_AUTH_TOKEN === '' ? null : e.AGGREGATOR_NATS_AUTH_TOKEN,
            user: e.AGGREGATOR_NATS_USER === '' ? null : e.AGGREGATOR_NATS_USER,
            password: e.AGGREGATOR_NATS_PASSWORD === '' ? null : e.AGGREGATOR_NATS_PASSWORD,
            tunnelTimeoutMs: e.AGGREGATOR_NATS_TUNNEL_TIMEOUT,
          }
        : null,
    redisUrl: e.REDIS_URL ?? null,
    internalServiceToken: e.INTERNAL_SERVICE_TOKEN,
    defaultQueryModel: e.AGGREGATOR_DEFAULT_QUERY_MODEL ?? null,
    urlFetcherSlug: e.AGGREGATOR_URL_FETCHER_SLUG ?? null,
    trustedProxies: e.TRUSTED_PROXIES ?? null,
    metricsEnabled: e.AGGREGATOR_METRICS_ENABLED,
  };
}
