import { createServiceApp, type Env, QUIET_PATHS, type ServiceLifecycle } from '@syfthub/service';
import type { Hono } from 'hono';
import type { McpDeps } from './deps';
import { registerMcpRoutes } from './mcp/transport';
import { registerStaticRoutes } from './oauth/static-assets';
import { registerAuthorizeRoutes } from './routes/oauth/authorize';
import { registerDiscoveryRoutes } from './routes/oauth/discovery';
import { registerRegistrationRoutes } from './routes/oauth/registration';
import { registerRevocationRoutes } from './routes/oauth/revocation';
import { registerTokenRoutes } from './routes/oauth/token';
import { registerUserinfoRoutes } from './routes/oauth/userinfo';
import { VERSION } from './version';

/** Request headers MCP clients send cross-origin (mcp.md §5.2). */
const ALLOW_HEADERS = [
  'Authorization',
  'Content-Type',
  'Accept',
  'Mcp-Session-Id',
  'MCP-Protocol-Version',
  'Mcp-Method',
  'Mcp-Name',
  'Last-Event-ID',
  'X-Correlation-ID',
];

export interface CreateAppOptions {
  /** Shared shutdown state when several apps run in one process. */
  lifecycle?: ServiceLifecycle;
}

/** The MCP service: OAuth 2.1 authorization server and Streamable HTTP MCP endpoint. No side effects. */
export function createApp(deps: McpDeps, options: CreateAppOptions = {}): Hono<Env> {
  const health = () => ({
    status: 'healthy',
    service: 'mcp',
    version: VERSION,
    timestamp: new Date().toISOString(),
  });
  const app = createServiceApp<Env>({
    name: 'mcp',
    version: VERSION,
    logger: deps.logger,
    metrics: deps.metrics,
    corsOrigins: deps.config.MCP_CORS_ORIGINS,
    cors: {
      exposeHeaders: ['Mcp-Session-Id', 'MCP-Protocol-Version'],
      allowHeaders: ALLOW_HEADERS,
      allowMethods: ['GET', 'POST', 'DELETE', 'OPTIONS'],
      maxAge: 86_400,
    },
    trustedProxies: deps.trustedProxies,
    quietPaths: [...QUIET_PATHS, '/mcp/health'],
    health,
    readiness: {
      database: { run: () => deps.dbHandle.ping() },
      redis: {
        run: async () => {
          await deps.kv.ping();
          return { mode: deps.kv.mode };
        },
      },
      signing_key: {
        run: async () => ({ key_ids: [...deps.keyRing.publicKeys.keys()], current: deps.keyRing.currentKid }),
      },
      backend: { run: () => deps.hub.health(), blocking: false },
    },
    ...(options.lifecycle ? { lifecycle: options.lifecycle } : {}),
  });
  app.get('/mcp/health', (c) => c.json(health()));

  registerDiscoveryRoutes(app, deps);
  registerRegistrationRoutes(app, deps);
  registerAuthorizeRoutes(app, deps);
  registerTokenRoutes(app, deps);
  registerRevocationRoutes(app, deps);
  registerUserinfoRoutes(app, deps);
  registerStaticRoutes(app);
  registerMcpRoutes(app, deps);
  return app;
}
