import { type KeyRing, loadKeyRing } from '@syfthub/auth';
import { createDb, type Db, type DbHandle } from '@syfthub/db';
import {
  createKv,
  createLogger,
  createMetrics,
  createSsrfGuard,
  type Kv,
  type Logger,
  type Metrics,
  parseCidrList,
  type TrustedProxies,
} from '@syfthub/service';
import type { McpConfig } from './env';
import { createEncryptionKeys, type EncryptionKeys } from './grants/encryption';
import { createGrantService, type GrantService } from './grants/grants';
import { createHubGateway, type HubGateway } from './hub/gateway';
import { createMcpMetrics, type McpMetrics } from './metrics';
import { type CimdFetch, createCimdResolver } from './oauth/cimd';
import { type ClientRegistry, createClientRegistry } from './oauth/clients';
import { createTokenSigner, type TokenSigner } from './oauth/jwt';
import { createPendingStore, type PendingStore } from './oauth/pending';
import { buildPublicUrls, type PublicUrls } from './urls';
import { VERSION } from './version';

/** Everything the routes, tools and jobs need; built once by main (or by tests with their own parts). */
export interface McpDeps {
  config: McpConfig;
  urls: PublicUrls;
  db: Db;
  dbHandle: DbHandle;
  kv: Kv;
  logger: Logger;
  metrics: Metrics;
  mcpMetrics: McpMetrics;
  keyRing: KeyRing;
  encryption: EncryptionKeys;
  hub: HubGateway;
  signer: TokenSigner;
  grants: GrantService;
  clients: ClientRegistry;
  pending: PendingStore;
  trustedProxies: TrustedProxies;
  /** Releases what buildDeps opened (connections, pools); parts passed in as overrides are left alone. */
  close(): Promise<void>;
}

export interface DepsOverrides {
  dbHandle?: DbHandle;
  kv?: Kv;
  logger?: Logger;
  /** Used for every backend and aggregator call (tests route them in-process). */
  fetch?: typeof fetch;
  /** Fetches client metadata documents; defaults to the SSRF guard's pinned fetch. */
  cimdFetch?: CimdFetch;
}

export class SigningKeyMissingError extends Error {
  constructor() {
    super(
      'No MCP signing key: set MCP_RSA_PRIVATE_KEY_PEM, or MCP_AUTO_GENERATE_RSA_KEYS=true outside production',
    );
    this.name = 'SigningKeyMissingError';
  }
}

export async function buildDeps(config: McpConfig, overrides: DepsOverrides = {}): Promise<McpDeps> {
  const logger =
    overrides.logger ??
    createLogger({
      service: 'mcp',
      version: VERSION,
      environment: config.ENVIRONMENT,
      level: config.LOG_LEVEL,
      format: config.LOG_FORMAT,
    });
  const keyRing = await loadKeyRing({
    privateKeyPemB64: config.MCP_RSA_PRIVATE_KEY_PEM,
    keyId: config.MCP_RSA_KEY_ID,
    previousPublicKeyPemB64: config.MCP_RSA_PREVIOUS_PUBLIC_KEY_PEM,
    previousKeyId: config.MCP_RSA_PREVIOUS_KEY_ID,
    autoGenerate: config.MCP_AUTO_GENERATE_RSA_KEYS,
    keysDirectory: config.MCP_RSA_KEYS_DIRECTORY,
    production: config.ENVIRONMENT === 'production',
    envPrefix: 'MCP_',
  });
  if (!keyRing) throw new SigningKeyMissingError();
  const encryption = createEncryptionKeys(config.MCP_TOKEN_ENCRYPTION_KEYS);
  if (encryption.ephemeral) {
    logger.warn(
      { event: 'mcp.encryption_key.ephemeral' },
      'MCP_TOKEN_ENCRYPTION_KEYS is not set: using a throwaway key; grants will not survive a restart',
    );
  }

  const dbHandle =
    overrides.dbHandle ?? (await createDb({ url: config.DATABASE_URL, poolSize: config.DB_POOL_SIZE }));
  const kv = overrides.kv ?? createKv(config.REDIS_URL, {});
  const ssrf = createSsrfGuard();
  const metrics = createMetrics({ service: 'mcp', enabled: config.METRICS_ENABLED });
  const urls = buildPublicUrls(config);
  const hub = createHubGateway({
    hubUrl: config.SYFTHUB_URL,
    aggregatorUrl: config.AGGREGATOR_URL,
    version: VERSION,
    ...(overrides.fetch ? { fetch: overrides.fetch } : {}),
  });
  const db = dbHandle.db;
  const cimd = createCimdResolver({ db, kv, fetch: overrides.cimdFetch ?? ssrf.guardedFetch });

  return {
    config,
    urls,
    db,
    dbHandle,
    kv,
    logger,
    metrics,
    mcpMetrics: createMcpMetrics(metrics),
    keyRing,
    encryption,
    hub,
    signer: createTokenSigner({
      keyRing,
      issuer: urls.issuer,
      resource: urls.resource,
      accessTokenTtlSeconds: config.MCP_ACCESS_TOKEN_TTL_SECONDS,
      idTokenTtlSeconds: config.MCP_ID_TOKEN_TTL_SECONDS,
    }),
    grants: createGrantService({
      db,
      serialise: dbHandle.kind === 'pglite' ? 'in-process' : 'row-lock',
      kv,
      logger,
      hub,
      encryption,
      accessTokenTtlSeconds: config.MCP_ACCESS_TOKEN_TTL_SECONDS,
    }),
    clients: createClientRegistry({ db, cimd, cimdEnabled: config.MCP_CIMD_ENABLED }),
    pending: createPendingStore(kv),
    trustedProxies: parseCidrList(config.TRUSTED_PROXIES),
    async close() {
      ssrf.close();
      if (!overrides.kv) await kv.close();
      if (!overrides.dbHandle) await dbHandle.close();
    },
  };
}
