import type { Context, MiddlewareHandler, Next } from 'hono';
import type { Logger } from 'pino';
import { isFailureLogged } from './error-handler';
import { writePrebuiltLine } from './logger';
import type { Metrics } from './metrics';
import { redactString } from './redact';
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

/** Options of {@link requestObserver}'s request log. */
export interface RequestLogOptions {
  /** Used when the request has no correlation-bound logger (`c.get('log')`). */
  logger: Logger;
  /** Paths not logged, replacing {@link QUIET_PATHS} (services add their prefixed probes, e.g. `/mcp/health`). */
  quietPaths?: readonly string[];
}

/** Options of {@link requestObserver}: the request log's, and the metrics to record each request in. */
export interface RequestObserverOptions extends RequestLogOptions {
  /** `http_requests_total` and `http_request_duration_seconds` are recorded here, quiet paths included. */
  metrics?: Metrics;
}

/** A string field's JSON value, masked as the logger masks every string it writes. */
function text(value: string): string {
  return JSON.stringify(redactString(value));
}

/**
 * The request log and the HTTP metrics in one middleware (one layer of Hono's chain and one promise per request,
 * and the matched route worked out once). Requests that are neither logged nor measured pass straight through.
 * Logs `request.started` (info), then `request.completed` (info below 400 and for the designed 501, warn for 4xx)
 * or `request.failed` (error, other 5xx), with method, path, matched route, client IP, user agent, status, duration
 * and user id; records `http_requests_total` and `http_request_duration_seconds` (`Metrics.recordRequest`).
 *
 * Every logged request writes two lines, so they are written as prebuilt JSON text when the logger allows it (see
 * `writePrebuiltLine`): the same line as `log.info(fields, message)` would write, none of these field names being a
 * secret key and every string value masked like the logger masks strings.
 */
export function requestObserver(options: RequestObserverOptions): MiddlewareHandler<Env> {
  const quiet = new Set(options.quietPaths ?? QUIET_PATHS);
  const base = options.logger;
  const metrics = options.metrics?.enabled ? options.metrics : undefined;

  async function observe(c: Context<Env>, next: Next, logged: boolean): Promise<void> {
    const start = performance.now();
    const log: Logger = logged ? (c.get('log') ?? base) : base;
    const infoEnabled = logged && log.isLevelEnabled('info');
    const method = c.req.method;
    const path = c.req.path;
    const userAgent = logged ? (c.req.header('user-agent') ?? null) : null;
    if (infoEnabled) {
      const route = matchedRoutePattern(c);
      const clientIp = clientIpOf(c);
      const fields = `,"event":"request.started","method":${text(method)},"path":${text(path)},"route":${text(route)},"client_ip":${text(clientIp)},"user_agent":${userAgent === null ? 'null' : text(userAgent)}`;
      if (!writePrebuiltLine(log, 'info', fields, 'Request started')) {
        log.info(
          {
            event: 'request.started',
            method,
            path,
            route,
            client_ip: clientIp,
            user_agent: userAgent,
          },
          'Request started',
        );
      }
    }
    let route: string | undefined;
    try {
      await next();
    } finally {
      if (metrics) {
        route = matchedRoutePattern(c);
        metrics.recordRequest(method, route, c.res.status, (performance.now() - start) / 1000);
      }
    }
    if (!logged) return;
    const status = c.res.status;
    if (status < 400 && !infoEnabled) return;
    if (isFailureLogged(c)) return;
    // 501 is the designed answer of the routes this hub does not build (backend-api.md §14), not a failure.
    const failed = status >= 500 && status !== 501;
    const level = failed ? 'error' : status >= 400 && status !== 501 ? 'warn' : 'info';
    const event = failed ? 'request.failed' : 'request.completed';
    const message = failed ? 'Request failed' : 'Request completed';
    route ??= matchedRoutePattern(c);
    const durationMs = Math.round((performance.now() - start) * 100) / 100;
    const clientIp = clientIpOf(c);
    const userId = userIdOf(c) ?? null;
    const userIdJson =
      userId === null ? 'null' : typeof userId === 'number' ? JSON.stringify(userId) : text(userId);
    const fields = `,"event":"${event}","method":${text(method)},"path":${text(path)},"route":${text(route)},"status_code":${status},"duration_ms":${durationMs},"client_ip":${text(clientIp)},"user_agent":${userAgent === null ? 'null' : text(userAgent)},"user_id":${userIdJson}`;
    if (writePrebuiltLine(log, level, fields, message)) return;
    log[level](
      {
        event,
        method,
        path,
        route,
        status_code: status,
        duration_ms: durationMs,
        client_ip: clientIp,
        user_agent: userAgent,
        user_id: userId,
      },
      message,
    );
  }

  return (c, next) => {
    const logged = base.isLevelEnabled('warn') && !quiet.has(c.req.path);
    if (!logged && metrics === undefined) return next();
    return observe(c, next, logged);
  };
}
