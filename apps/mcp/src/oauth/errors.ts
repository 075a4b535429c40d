import { DEPENDENCY_RETRY_AFTER_SECONDS, getCorrelationId, isDependencyUnavailable } from '@syfthub/service';
import type { Context, MiddlewareHandler } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** Error codes of RFC 6749, 7009, 7591, 8707 and 6750 that this server answers with. */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'unsupported_response_type'
  | 'invalid_scope'
  | 'invalid_target'
  | 'invalid_token'
  | 'invalid_redirect_uri'
  | 'invalid_client_metadata'
  | 'access_denied'
  | 'temporarily_unavailable'
  | 'server_error';

/** OAuth's `{"error","error_description"}` body (mcp.md §4.10); OAuth answers are never cached. */
export function oauthError(
  c: Context,
  status: ContentfulStatusCode,
  error: OAuthErrorCode,
  description?: string,
  headers: Record<string, string> = {},
): Response {
  return c.json(description === undefined ? { error } : { error, error_description: description }, status, {
    'Cache-Control': 'no-store',
    Pragma: 'no-cache',
    ...headers,
  });
}

/** 429 in OAuth's format, with the rate-limit headers. */
export function oauthRateLimited(c: Context, headers: Record<string, string>): Response {
  return oauthError(c, 429, 'temporarily_unavailable', 'Too many requests', headers);
}

/**
 * Turns an unexpected failure of an OAuth route (already logged and answered by the app's error handler) into
 * OAuth's `server_error`, keeping the correlation id so the failure can be found in the logs; an unreachable
 * database or Redis is OAuth's `temporarily_unavailable` (503 with `Retry-After`).
 */
export function oauthServerErrors(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    if (c.error && isDependencyUnavailable(c.error)) {
      c.res = oauthError(c, 503, 'temporarily_unavailable', 'The service is temporarily unavailable', {
        'Retry-After': String(DEPENDENCY_RETRY_AFTER_SECONDS),
      });
    } else if (c.error && c.res.status >= 500) {
      c.res = c.json({ error: 'server_error', correlation_id: getCorrelationId(c) }, 500, {
        'Cache-Control': 'no-store',
      });
    }
  };
}
