import type { MiddlewareHandler } from 'hono';
import type { Logger } from 'pino';
import { isFailureLogged } from './error-handler';
import { clientIpOf, userIdOf } from './request-info';
import { matchedRoutePattern } from './route';
import type { Env } from './types';

/** Paths that are never request-logged (probes, scrapes and docs). */
export const QUIET_PATHS: readonly string[] = [
  '/health',
  '/ready',
  '/metrics',
  '/docs',
  '/redoc',
  '/openapi.json',
];

/** Options of {@link requestLog}. */
export interface RequestLogOptions {
  /** Used when the request has no correlation-bound logger (`c.get('log')`). */
  logger: Logger;
  /** Paths not logged, replacing {@link QUIET_PATHS} (services add their prefixed probes, e.g. `/mcp/health`). */
  quietPaths?: readonly string[];
}

/**
 * Logs `request.started` (info), then `request.completed` (info below 400 and for the designed 501, warn for 4xx)
 * or `request.failed` (error, other 5xx), with method, path, matched route, client IP, user agent, status, duration and user id.
 */
export function requestLog(options: RequestLogOptions): MiddlewareHandler<Env> {
  const quiet = new Set(options.quietPaths ?? QUIET_PATHS);
  const base = options.logger;
  return async (c, next) => {
    if (!base.isLevelEnabled('warn') || quiet.has(c.req.path)) return next();
    const log = c.get('log') ?? base;
    const start = performance.now();
    const infoEnabled = log.isLevelEnabled('info');
    if (infoEnabled) {
      log.info(
        {
          event: 'request.started',
          method: c.req.method,
          path: c.req.path,
          route: matchedRoutePattern(c),
          client_ip: clientIpOf(c),
          user_agent: c.req.header('user-agent') ?? null,
        },
        'Request started',
      );
    }
    await next();
    const status = c.res.status;
    if (status < 400 && !infoEnabled) return;
    if (isFailureLogged(c)) return;
    // 501 is the designed answer of the routes this hub does not build (backend-api.md §14), not a failure.
    const failed = status >= 500 && status !== 501;
    const fields = {
      event: failed ? 'request.failed' : 'request.completed',
      method: c.req.method,
      path: c.req.path,
      route: matchedRoutePattern(c),
      status_code: status,
      duration_ms: Math.round((performance.now() - start) * 100) / 100,
      client_ip: clientIpOf(c),
      user_agent: c.req.header('user-agent') ?? null,
      user_id: userIdOf(c) ?? null,
    };
    if (failed) log.error(fields, 'Request failed');
    else if (status >= 400 && status !== 501) log.warn(fields, 'Request completed');
    else log.info(fields, 'Request completed');
  };
}
