import type { Context, MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import { setResponseHeader } from './correlation';
import { unsentNodeResponse } from './node-response';

/** Response headers browsers may read on every service. */
export const DEFAULT_EXPOSED_HEADERS: readonly string[] = [
  'X-Correlation-ID',
  'WWW-Authenticate',
  'Retry-After',
  'X-RateLimit-Limit',
  'X-RateLimit-Remaining',
  'X-RateLimit-Reset',
  'Content-Disposition',
];

/** Options of {@link serviceCors}. */
export interface CorsOptions {
  /** Allowed origins; `*` allows any origin, then without credentials (a browser refuses `*` with them). */
  origins: readonly string[];
  /** Exposed in addition to {@link DEFAULT_EXPOSED_HEADERS} (e.g. `Mcp-Session-Id`). */
  exposeHeaders?: readonly string[];
  /** Allowed request headers; by default those the preflight asks for. */
  allowHeaders?: readonly string[];
  allowMethods?: readonly string[];
  /** Preflight cache lifetime in seconds (default 600). */
  maxAge?: number;
  /** Allow credentials (default true unless `*` is among the origins). */
  credentials?: boolean;
}

/** Adds `Origin` to the response's `Vary` unless it is already listed. */
function varyOnOrigin(c: Context): void {
  const vary = c.res.headers.get('Vary');
  if (vary?.split(',').some((token) => token.trim().toLowerCase() === 'origin')) return;
  setResponseHeader(c, 'Vary', vary ? `${vary}, Origin` : 'Origin');
}

/**
 * CORS for an explicit origin list: the request's origin is echoed only when listed, credentials allowed, and
 * preflight `OPTIONS` answered 204 here, before any authentication. Requests without an `Origin` header (servers,
 * SDKs, probes) skip the CORS machinery and only get `Vary: Origin`, so their responses are never copied to add
 * headers before the route runs.
 */
export function serviceCors(options: CorsOptions): MiddlewareHandler {
  const any = options.origins.includes('*');
  const allowed = new Set(options.origins);
  const browserCors = cors({
    origin: (origin) => (origin !== '' && (any || allowed.has(origin)) ? origin : null),
    credentials: any ? false : (options.credentials ?? true),
    exposeHeaders: [...DEFAULT_EXPOSED_HEADERS, ...(options.exposeHeaders ?? [])],
    allowHeaders: [...(options.allowHeaders ?? [])],
    allowMethods: [...(options.allowMethods ?? ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'])],
    maxAge: options.maxAge ?? 600,
  });
  return (c, next) => {
    if (c.req.header('Origin') !== undefined) return browserCors(c, next);
    // Served by Node, `Vary: Origin` goes on the response head before the route runs (no route sets its own Vary).
    const node = unsentNodeResponse(c);
    if (node !== undefined) {
      node.setHeader('Vary', 'Origin');
      return next();
    }
    return next().then(() => varyOnOrigin(c));
  };
}
