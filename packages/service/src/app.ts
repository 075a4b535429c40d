import type { Context, MiddlewareHandler, Next } from 'hono';
import { Hono } from 'hono';
import type { Logger } from 'pino';
import { DEFAULT_BODY_LIMIT_BYTES, defaultBodyLimit } from './body-limit';
import { DEFAULT_TRUSTED_PROXIES, parseCidrList, type TrustedProxies } from './client-ip';
import { correlationId, setResponseHeader } from './correlation';
import { type CorsOptions, serviceCors } from './cors';
import { createErrorHandler, errorResponse } from './error-handler';
import { attachLifecycle, createLifecycle, type ServiceLifecycle } from './lifecycle';
import type { Metrics } from './metrics';
import { unsentNodeResponse } from './node-response';
import { checkReadiness, type ReadyCheck } from './readiness';
import { bindTrustedProxies } from './request-info';
import { QUIET_PATHS, requestObserver } from './request-log';
import { securityHeaders, setSecurityHeaders } from './security-headers';
import type { Env } from './types';

/** A service-specific `/ready`, for services whose body differs from the standard one (the aggregator). */
export type ReadinessHandler = (state: {
  draining: boolean;
  version: string;
}) => Promise<{ status: 200 | 503; body: unknown }>;

/** Options of {@link createServiceApp}. */
export interface ServiceAppOptions {
  /** Service name (`backend`, `aggregator`, `mcp`, `satellite`). */
  name: string;
  version: string;
  logger: Logger;
  /** Without metrics (or with disabled ones) nothing is recorded and `/metrics` is not served. */
  metrics?: Metrics;
  /** Browser origins allowed by CORS; `*` allows any origin without credentials. */
  corsOrigins: readonly string[];
  /** Further CORS settings, e.g. extra exposed headers. */
  cors?: Omit<CorsOptions, 'origins'>;
  /** App-wide request body limit (default 1 MiB); routes override it with `bodyLimit(n)`. */
  bodyLimitBytes?: number;
  /** Dependency checks of `/ready`, or a handler for a service-specific body. */
  readiness?: Record<string, ReadyCheck> | ReadinessHandler;
  /** The `/health` body (default `{"status":"healthy","version"}`); never touches dependencies. */
  health?: () => unknown;
  /** nosniff, X-Frame-Options, Referrer-Policy and CSP on every response (default true). */
  securityHeaders?: boolean;
  /** Peers whose `X-Real-IP` is believed for `client_ip` (default: loopback and private ranges). */
  trustedProxies?: TrustedProxies;
  /** Paths not request-logged (default: health, ready, metrics and docs paths). */
  quietPaths?: readonly string[];
  /** Shutdown state shared with `startServer`; pass one to apps composed into one process. */
  lifecycle?: ServiceLifecycle;
  /**
   * Whether `currentCorrelationId`, `currentLogger` and `fetchWithContext` see the request (default true); see
   * `CorrelationOptions.scope`.
   */
  correlationScope?: boolean;
}

/** Sets `c.res` from a Response a middleware returned, as Hono's chain does between two of its layers. */
function settle(c: Context, result: unknown): Promise<void> {
  return Promise.resolve(result).then((response) => {
    if (response instanceof Response && !c.finalized) c.res = response;
  });
}

/**
 * Security headers, CORS and the default body limit (in that order) as one layer of Hono's chain. A request served
 * by Node without an `Origin` header (servers, SDKs, probes: nearly all) gets the headers on the response head and
 * goes on to the body limit, with no layer of its own for either; any other request runs the three middlewares
 * nested, each one's returned Response settled as Hono would between layers.
 */
function edgeLayer(parts: {
  securityHeaders: boolean;
  cors: MiddlewareHandler;
  bodyLimit: MiddlewareHandler;
}) {
  const headers = parts.securityHeaders ? securityHeaders() : undefined;
  const { cors, bodyLimit } = parts;
  const corsThenLimit = (c: Context, next: Next) =>
    settle(
      c,
      cors(c, () => settle(c, bodyLimit(c, next))),
    );
  return (c: Context, next: Next) => {
    const node = unsentNodeResponse(c);
    if (node !== undefined && c.req.header('Origin') === undefined) {
      if (headers !== undefined) setSecurityHeaders(node);
      node.setHeader('Vary', 'Origin');
      return bodyLimit(c, next);
    }
    return headers === undefined ? corsThenLimit(c, next) : headers(c, () => corsThenLimit(c, next));
  };
}

/** HTTP methods a path answers to, from the app's registered routes (middleware entries excluded). */
export function allowedMethods(app: Hono<never> | Hono<Env>, path: string): string[] {
  const candidates = new Set<string>();
  for (const route of app.routes) if (route.method !== 'ALL') candidates.add(route.method);
  const allowed = new Set<string>();
  for (const method of candidates) {
    const [matches] = app.router.match(method, path);
    if (matches.some(([[, route]]) => route.method === method)) allowed.add(method);
  }
  if (allowed.has('GET')) allowed.add('HEAD');
  return [...allowed].sort();
}

function notFoundOrNotAllowed(app: Hono<Env>) {
  return (c: Context) => {
    const methods = allowedMethods(app, c.req.path);
    const method = c.req.method === 'HEAD' ? 'GET' : c.req.method;
    if (methods.length > 0 && !methods.includes(method)) {
      return errorResponse(c, 405, 'Method Not Allowed', { Allow: methods.join(', ') });
    }
    return errorResponse(c, 404, 'Not Found');
  };
}

/**
 * The Hono app every service starts from: correlation id, metrics, request log, security headers, CORS and body
 * limit (in that order), `/health`, `/ready`, `/metrics`, the error envelope, 404 and 405.
 */
export function createServiceApp<E extends Env = Env>(options: ServiceAppOptions): Hono<E> {
  const app = new Hono<Env>();
  const lifecycle = options.lifecycle ?? createLifecycle();
  const trusted = options.trustedProxies ?? parseCidrList(DEFAULT_TRUSTED_PROXIES);
  const onError = createErrorHandler({ logger: options.logger });
  const metrics = options.metrics?.enabled ? options.metrics : undefined;

  const correlate = correlationId(options.logger, { scope: options.correlationScope ?? true });
  async function guarded(c: Context, next: () => Promise<unknown>): Promise<void> {
    try {
      await next();
    } catch (thrown) {
      // Hono hands only Error instances to onError; anything else thrown would otherwise escape as a bare 500. An
      // Error gets here only from this layer's own work (the request observer) or a failing error handler.
      const error = thrown instanceof Error ? thrown : new Error(`Non-error thrown: ${String(thrown)}`);
      c.res = await onError(error, c);
    }
    if (lifecycle.draining) setResponseHeader(c, 'Connection', 'close');
  }
  const observe = requestObserver({
    logger: options.logger,
    quietPaths: options.quietPaths ?? QUIET_PATHS,
    metrics,
  });
  // Trusted proxies, correlation, the guard above, and metrics with the request log, in one layer of Hono's chain:
  // every layer costs promises, and each promise a call of the correlation scope's async hooks.
  app.use((c, next) => {
    bindTrustedProxies(c, trusted);
    return correlate(c, () => guarded(c, () => observe(c, next)));
  });
  app.use(
    edgeLayer({
      securityHeaders: options.securityHeaders ?? true,
      cors: serviceCors({ ...options.cors, origins: options.corsOrigins }),
      bodyLimit: defaultBodyLimit(options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES),
    }),
  );

  app.get('/health', (c) =>
    c.json(options.health ? options.health() : { status: 'healthy', version: options.version }),
  );

  const readiness = options.readiness ?? {};
  app.get('/ready', async (c) => {
    if (typeof readiness === 'function') {
      const { status, body } = await readiness({ draining: lifecycle.draining, version: options.version });
      return c.json(body, status);
    }
    const report = await checkReadiness(readiness, {
      version: options.version,
      draining: lifecycle.draining,
    });
    return c.json(report, report.status === 'ready' ? 200 : 503);
  });

  if (metrics) {
    app.get('/metrics', async (c) =>
      c.body(await metrics.render(), 200, { 'Content-Type': metrics.contentType }),
    );
  }

  app.onError(onError);
  app.notFound(notFoundOrNotAllowed(app));
  attachLifecycle(app, lifecycle);
  return app as unknown as Hono<E>;
}
