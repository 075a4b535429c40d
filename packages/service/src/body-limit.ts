import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit as honoBodyLimit } from 'hono/body-limit';
import { matchedRoutes } from 'hono/route';
import { errorResponse } from './error-handler';

/** The default request body limit of every service: 1 MiB. */
export const DEFAULT_BODY_LIMIT_BYTES = 1024 * 1024;

const ROUTE_LIMIT = Symbol('syfthub.bodyLimit');

type LimitMiddleware = MiddlewareHandler & { [ROUTE_LIMIT]?: number };

function tooLarge(c: Context): Response {
  return errorResponse(c, 413, 'Request body too large');
}

/**
 * Rejects bodies over `maxBytes` with 413 `{"detail":"Request body too large"}`, by Content-Length or, for chunked
 * bodies, while reading. Put on a route (`app.post('/upload', bodyLimit(10 << 20), handler)`) it replaces the
 * app-wide limit for that route, larger or smaller.
 */
export function bodyLimit(maxBytes: number): MiddlewareHandler {
  const limit: LimitMiddleware = honoBodyLimit({ maxSize: maxBytes, onError: tooLarge });
  limit[ROUTE_LIMIT] = maxBytes;
  return limit;
}

/**
 * Whether a GET or HEAD can carry no body: `Request` objects refuse one, and on the wire HTTP/1.1 announces a body
 * with Content-Length or Transfer-Encoding. Other methods are always checked (in-process requests built with a
 * body need not announce it).
 */
function bodilessRead(c: Context): boolean {
  const method = c.req.method;
  return (
    (method === 'GET' || method === 'HEAD') &&
    c.req.header('Content-Length') === undefined &&
    c.req.header('Transfer-Encoding') === undefined
  );
}

/**
 * The declared length of a body Hono's limit would judge by its Content-Length alone (no Transfer-Encoding), for
 * methods that may carry one; null when the body has to be counted while it is read.
 */
function declaredLength(c: Context): number | null {
  const method = c.req.method;
  if (method === 'GET' || method === 'HEAD') return null;
  const length = c.req.header('Content-Length');
  if (length === undefined || c.req.header('Transfer-Encoding') !== undefined) return null;
  return Number.parseInt(length, 10);
}

/**
 * The app-wide limit: steps aside when the matched route carries its own {@link bodyLimit}, and for bodiless reads
 * (touching the body would make the Node adapter build a full `Request` for every GET). A body announced by
 * Content-Length is judged by that header here, as Hono's limit would, without touching the body: the Node adapter
 * then reads it straight from the socket instead of through a web stream.
 */
export function defaultBodyLimit(maxBytes: number = DEFAULT_BODY_LIMIT_BYTES): MiddlewareHandler {
  const limit = honoBodyLimit({ maxSize: maxBytes, onError: tooLarge });
  return (c, next) => {
    if (bodilessRead(c)) return next();
    const routeHasOwnLimit = matchedRoutes(c).some(
      (route) => (route.handler as LimitMiddleware)[ROUTE_LIMIT] !== undefined,
    );
    if (routeHasOwnLimit) return next();
    const declared = declaredLength(c);
    if (declared === null) return limit(c, next);
    return declared > maxBytes ? Promise.resolve(tooLarge(c)) : next();
  };
}
