import {
  baseProductionRules as base,
  DEFAULT_TRUSTED_PROXIES,
  type EnvCheck,
  envBool,
  envCsv,
  envEnvironment,
  envHost,
  envInt,
  envLogFormat,
  envLogLevel,
  envPort,
  envUrl,
  type ProductionRule,
  parseCidrList,
  parseServiceEnv,
} from '@syfthub/service';
import { z } from 'zod';

/**
 * A public identifier URL (issuer or resource). Unlike `envUrl` it keeps the value byte for byte, so a trailing
 * slash is reported instead of silently removed: the issuer must be identical in every document and token.
 */
function envIdentifierUrl() {
  return z.string().transform((value, ctx) => {
    const trimmed = value.trim();
    let url: URL;
    try {
      url = new URL(trimmed);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be an absolute URL' });
      return z.NEVER;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      ctx.addIssue({ code: 'custom', message: 'must use http: or https:' });
      return z.NEVER;
    }
    if (trimmed.endsWith('/')) {
      ctx.addIssue({ code: 'custom', message: 'must not end with "/"' });
      return z.NEVER;
    }
    if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
      ctx.addIssue({ code: 'custom', message: 'must not carry credentials, a query or a fragment' });
      return z.NEVER;
    }
    return trimmed;
  });
}

/** Every setting of mcp.md §10, parsed once at start-up. */
export const mcpEnvSchema = z.object({
  ENVIRONMENT: envEnvironment(),
  HOST: envHost(),
  MCP_PORT: envPort(8002),
  OAUTH_ISSUER: envIdentifierUrl().default('http://localhost:8080/mcp'),
  API_BASE_URL: envIdentifierUrl().optional(),
  SYFTHUB_URL: envUrl(['http:', 'https:']).default('http://localhost:8000'),
  SYFTHUB_PUBLIC_URL: envUrl(['http:', 'https:']).default('http://localhost:8080'),
  AGGREGATOR_URL: envUrl(['http:', 'https:']).default('http://localhost:8001'),
  /** The aggregator's data-source limit, checked after collectives are expanded (collectives.md §9). */
  AGGREGATOR_MAX_DATA_SOURCES: envInt(1, 1000).default(50),
  DATABASE_URL: z.string().optional(),
  DB_POOL_SIZE: envInt(1, 500).default(10),
  REDIS_URL: z.string().default('redis://localhost:6379/0'),

  MCP_RSA_PRIVATE_KEY_PEM: z.string().optional(),
  MCP_RSA_KEY_ID: z.string().min(1).max(64).default('mcp-key-1'),
  MCP_RSA_PREVIOUS_PUBLIC_KEY_PEM: z.string().optional(),
  MCP_RSA_PREVIOUS_KEY_ID: z.string().min(1).max(64).optional(),
  MCP_AUTO_GENERATE_RSA_KEYS: envBool().default(true),
  MCP_RSA_KEYS_DIRECTORY: z.string().default('./data/mcp_keys'),
  MCP_TOKEN_ENCRYPTION_KEYS: z.string().optional(),

  MCP_ACCESS_TOKEN_TTL_SECONDS: envInt(60, 86_400).default(3600),
  MCP_ID_TOKEN_TTL_SECONDS: envInt(60, 86_400).default(3600),
  MCP_REFRESH_TOKEN_TTL_DAYS: envInt(1, 365).default(30),
  MCP_REFRESH_REUSE_GRACE_SECONDS: envInt(0, 300).default(10),
  MCP_AUTH_CODE_TTL_SECONDS: envInt(10, 600).default(300),
  MCP_AUTH_REQUEST_TTL_SECONDS: envInt(60, 3600).default(600),
  MCP_DCR_ENABLED: envBool().default(true),
  MCP_CIMD_ENABLED: envBool().default(true),

  MCP_ALLOWED_HOSTS: envCsv().optional(),
  MCP_ALLOWED_ORIGINS: envCsv().default([]),
  MCP_CORS_ORIGINS: envCsv().default(['*']),
  MCP_LOGIN_RATE_LIMIT_PER_MINUTE: envInt(1).default(10),
  MCP_REGISTER_RATE_LIMIT_PER_HOUR: envInt(1).default(20),
  MCP_TOKEN_RATE_LIMIT_PER_MINUTE: envInt(1).default(60),
  MCP_TOOL_TIMEOUT_SECONDS: envInt(1, 3600).default(150),

  TRUSTED_PROXIES: z.string().default(DEFAULT_TRUSTED_PROXIES),
  LOG_LEVEL: envLogLevel(),
  LOG_FORMAT: envLogFormat(),
  METRICS_ENABLED: envBool().default(true),
});

type ParsedEnv = z.output<typeof mcpEnvSchema>;

/** The parsed settings with the derived defaults filled in (resource URL, allowed hosts). */
export type McpConfig = Omit<ParsedEnv, 'API_BASE_URL' | 'MCP_ALLOWED_HOSTS'> & {
  API_BASE_URL: string;
  MCP_ALLOWED_HOSTS: string[];
};

/** The development shortcuts refused when `ENVIRONMENT=production` (mcp.md §10). */
export const mcpProductionRules: ProductionRule<McpConfig>[] = [
  base.consoleLogs('LOG_FORMAT'),
  base.memoryStore('REDIS_URL'),
  base.database('DATABASE_URL'),
  {
    name: 'OAUTH_ISSUER',
    refused: (c) => !c.OAUTH_ISSUER.startsWith('https://'),
    reason: 'must be an https URL in production',
  },
  {
    name: 'API_BASE_URL',
    refused: (c) => !c.API_BASE_URL.startsWith('https://'),
    reason: 'must be an https URL in production',
  },
  {
    name: 'MCP_RSA_PRIVATE_KEY_PEM',
    refused: (c) => !c.MCP_RSA_PRIVATE_KEY_PEM,
    reason: 'is required in production, so that every replica signs with the same key',
  },
  {
    name: 'MCP_AUTO_GENERATE_RSA_KEYS',
    refused: (c) => c.MCP_AUTO_GENERATE_RSA_KEYS && !c.MCP_RSA_PRIVATE_KEY_PEM,
    reason: 'auto-generated keys are refused in production',
  },
  {
    name: 'MCP_TOKEN_ENCRYPTION_KEYS',
    refused: (c) => !c.MCP_TOKEN_ENCRYPTION_KEYS,
    reason: 'is required in production (hub refresh tokens are encrypted with it)',
  },
];

const trustedProxiesCheck: EnvCheck<McpConfig> = (c) => {
  try {
    parseCidrList(c.TRUSTED_PROXIES);
    return [];
  } catch (error) {
    return [{ name: 'TRUSTED_PROXIES', problem: error instanceof Error ? error.message : String(error) }];
  }
};

/** `MCP_ALLOWED_HOSTS` default: the resource's host, loopback names and the internal service names. */
function defaultAllowedHosts(resource: string): string[] {
  return [...new Set([new URL(resource).host, 'localhost', '127.0.0.1', 'mcp', 'mcp:8002'])];
}

/** The settings with the derived defaults filled in: the resource URL and the allowed hosts. */
function withDerivedDefaults(parsed: ParsedEnv): McpConfig {
  const resource = parsed.API_BASE_URL ?? parsed.OAUTH_ISSUER;
  return {
    ...parsed,
    API_BASE_URL: resource,
    MCP_ALLOWED_HOSTS: parsed.MCP_ALLOWED_HOSTS ?? defaultAllowedHosts(resource),
  };
}

/** On its own the service needs the hub's database; the one-process embedded mode passes its handle in. */
const standaloneDatabase: EnvCheck<McpConfig> = (c) =>
  c.DATABASE_URL
    ? []
    : [
        {
          name: 'DATABASE_URL',
          problem:
            'required: the MCP service shares the hub database (the one-process embedded mode passes it in)',
        },
      ];

/**
 * Parses and checks the environment; throws an EnvError naming every problem. `standalone` (the service's own
 * process) also requires `DATABASE_URL`.
 */
export function parseMcpEnv(
  source: Record<string, string | undefined> = process.env,
  options: { standalone?: boolean } = {},
): McpConfig {
  return parseServiceEnv(mcpEnvSchema.transform(withDerivedDefaults), source, {
    production: mcpProductionRules,
    checks: [trustedProxiesCheck, ...(options.standalone ? [standaloneDatabase] : [])],
  });
}
