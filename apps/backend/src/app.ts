import { createAuthMiddleware } from '@syfthub/auth';
import type { User } from '@syfthub/db';
import { createServiceApp } from '@syfthub/service';
import type { Hono } from 'hono';
import { createAuthenticator } from './auth/credentials';
import { createOtpService } from './auth/otp';
import { createSessionService } from './auth/sessions';
import { type BackendDeps, VERSION } from './deps';
import type { BackendContext, BackendEnv } from './http/context';
import { mountDocs } from './http/docs';
import { buildOpenApiDocument } from './http/openapi';
import { createRateLimits } from './http/rate-limits';
import { createRouteRegistry } from './http/route-kit';
import { registerAdminRoutes } from './routes/admin';
import { registerAggregatorRoutes } from './routes/aggregators';
import { registerAuthRoutes } from './routes/auth';
import { registerCollectiveRoutes } from './routes/collectives';
import { registerEndpointRoutes } from './routes/endpoints';
import { registerErrorReportRoutes } from './routes/error-reports';
import { registerIdentityRoutes } from './routes/identity';
import { registerOutOfScopeRoutes } from './routes/out-of-scope';
import { registerOwnerRoutes } from './routes/owner';
import { registerRootRoutes } from './routes/root';
import { registerTestRoutes } from './routes/test-routes';
import { registerTunnelRoutes } from './routes/tunnel';
import { registerUserRoutes } from './routes/users';
import { tunnellingReadiness } from './tunnel/readiness';

/** Builds the backend's Hono app from its dependencies; no side effects (tests call `app.request`). */
export function createApp(deps: BackendDeps): Hono<BackendEnv> {
  const { config } = deps;
  const app = createServiceApp<BackendEnv>({
    name: 'backend',
    version: VERSION,
    logger: deps.logger,
    metrics: deps.metrics,
    corsOrigins: config.CORS_ORIGINS,
    trustedProxies: deps.trustedProxies,
    readiness: {
      database: { run: () => deps.dbHandle.ping() },
      redis: {
        run: async () => {
          if (deps.kv.mode === 'memory') return { status: 'disabled', mode: 'in-memory' };
          await deps.kv.ping();
        },
      },
      tunnelling: {
        blocking: false,
        run: () => tunnellingReadiness(deps.tunnel),
      },
      identity_provider: {
        blocking: false,
        run: async () =>
          deps.keyRing ? { key_ids: [...deps.keyRing.publicKeys.keys()] } : { status: 'disabled' },
      },
    },
  });

  const sessions = createSessionService(deps);
  const auth = createAuthMiddleware<User>({ authenticate: createAuthenticator(deps, sessions) });
  const ctx: BackendContext = {
    deps,
    routes: createRouteRegistry(app, auth, { checkResponses: config.ENVIRONMENT !== 'production' }),
    sessions,
    auth,
    limits: createRateLimits(deps),
    otp: deps.email ? createOtpService(deps, deps.email) : null,
  };

  registerRootRoutes(ctx);
  registerAuthRoutes(ctx);
  registerUserRoutes(ctx);
  registerAggregatorRoutes(ctx);
  registerAdminRoutes(ctx);
  registerIdentityRoutes(ctx);
  registerEndpointRoutes(ctx);
  registerCollectiveRoutes(ctx);
  registerErrorReportRoutes(ctx);
  registerTunnelRoutes(ctx, deps.tunnel);
  registerOutOfScopeRoutes(ctx);
  if (config.ENABLE_TEST_ROUTES) registerTestRoutes(ctx);
  if (config.DOCS_ENABLED) {
    const info = { title: config.APP_NAME, version: VERSION };
    mountDocs(app, () => buildOpenApiDocument(ctx.routes.defs, info), config.APP_NAME);
  }
  // `/{owner}` and `/{owner}/{slug}` come last so every literal root path above wins.
  registerOwnerRoutes(ctx);
  return app;
}
