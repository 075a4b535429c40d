import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';

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

/**
 * CORS for an explicit origin list: the request's origin is echoed only when listed, credentials allowed, and
 * preflight `OPTIONS` answered 204 here, before any authentication.
 */
export function serviceCors(options: CorsOptions): MiddlewareHandler {
  const any = options.origins.includes('*');
  const allowed = new Set(options.origins);
  return cors({
    origin: (origin) => (origin !== '' && (any || allowed.has(origin)) ? origin : null),
    credentials: any ? false : (options.credentials ?? true),
    exposeHeaders: [...DEFAULT_EXPOSED_HEADERS, ...(options.exposeHeaders ?? [])],
    allowHeaders: [...(options.allowHeaders ?? [])],
    allowMethods: [...(options.allowMethods ?? ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'])],
    maxAge: options.maxAge ?? 600,
  });
}
