import { randomUUID } from 'node:crypto';
import type { Context, ErrorHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Logger } from 'pino';
import { currentCorrelationId, getCorrelationId } from './correlation';
import { ApiError } from './errors';
import { clientIpOf } from './request-info';
import { ResponseContractError } from './response-contract';
import { matchedRoutePattern } from './route';
import {
  DEPENDENCY_RETRY_AFTER_SECONDS,
  DEPENDENCY_UNAVAILABLE_DETAIL,
  isDependencyUnavailable,
  rootCauseMessage,
} from './unavailable';
import { validationItem } from './validation';

/** The body text of every unhandled server error. */
export const INTERNAL_ERROR_DETAIL = 'An internal error occurred. Please try again later.';

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Request body too large',
  415: 'Unsupported Media Type',
  423: 'Locked',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

// What Hono's validator throws for a body that is not JSON; answered like readJsonBody does.
const MALFORMED_JSON = 'Malformed JSON in request body';

// Requests whose outcome the error handler already logged, so the request log does not log it twice.
const failureLogged = new WeakSet<Context>();

/** Whether the error handler already wrote `request.failed` or `request.aborted` for this request. */
export function isFailureLogged(c: Context): boolean {
  return failureLogged.has(c);
}

/** The status recorded for a request whose client went away before it was answered (nginx's convention). */
export const CLIENT_CLOSED_STATUS = 499;

// Node rejects a body read with `Error: aborted` (ECONNRESET) when the client closes the connection mid-body; the
// request's signal is aborted once the connection closed before the answer was written. A bare ECONNRESET is not
// enough: PostgreSQL and Redis sockets fail with it too, and those are outages (503), not departed clients.
function isClientAbort(error: Error, c: Context): boolean {
  const code = (error as { code?: unknown }).code;
  if (code === 'ECONNRESET' && error.message === 'aborted') return true;
  return c.req.raw.signal?.aborted === true;
}

/**
 * The body of an error answer: `{"detail": detail}`, and when `detail` is an object (a coded error) also a top-level
 * `message`, its human sentence: clients written for SyftHub read `detail` only as a string or a list and otherwise
 * fall back to `message`, so without it they show "[object Object]".
 */
export function errorBody(status: number, detail: unknown): Record<string, unknown> {
  if (detail === null || typeof detail !== 'object' || Array.isArray(detail)) return { detail };
  const message = (detail as { message?: unknown }).message;
  return { detail, message: typeof message === 'string' ? message : (REASONS[status] ?? 'Error') };
}

/** A JSON error response (see {@link errorBody}) with the given status and extra headers. */
export function errorResponse(
  c: Context,
  status: number,
  detail: unknown,
  headers?: Record<string, string>,
): Response {
  return c.json(errorBody(status, detail), status as ContentfulStatusCode, headers);
}

function loggerOf(c: Context, fallback: Logger | undefined): Logger | undefined {
  const log: unknown = c.get('log');
  return (log as Logger | undefined) ?? fallback;
}

/** Options of {@link createErrorHandler}. */
export interface ErrorHandlerOptions {
  /** Used when the request has no correlation-bound logger (`c.get('log')`). */
  logger?: Logger;
}

/**
 * The Hono `onError`: ApiError -> its status, detail and headers; HTTPException -> its status with a string detail
 * and the headers of its response; a client that closed the connection mid-request -> `request.aborted` at info and
 * 499; an unreachable PostgreSQL or Redis (`isDependencyUnavailable`) -> `dependency.unavailable` at warn and 503
 * with `Retry-After`; anything else -> logged with its stack as `request.failed` and answered with the generic 500
 * body carrying the correlation id.
 */
export function createErrorHandler(options: ErrorHandlerOptions = {}): ErrorHandler {
  return (error, c) => {
    if (error instanceof ApiError) return errorResponse(c, error.status, error.detail, error.headers);
    if (error instanceof HTTPException && error.message === MALFORMED_JSON) {
      return errorResponse(c, 422, [
        validationItem('body', [0], 'json_invalid', 'JSON decode error', {
          input: {},
          ctx: { error: 'Invalid JSON' },
        }),
      ]);
    }
    if (error instanceof HTTPException && error.status !== 500) {
      const headers: Record<string, string> = {};
      error.res?.headers.forEach((value, key) => {
        if (key !== 'content-type' && key !== 'content-length') headers[key] = value;
      });
      const detail = error.status === 413 ? REASONS[413] : error.message || REASONS[error.status] || 'Error';
      return errorResponse(c, error.status, detail, headers);
    }
    if (isClientAbort(error, c)) {
      // Nobody reads this answer: the client left. Not a server fault, so info, under its own event.
      loggerOf(c, options.logger)?.info(
        {
          event: 'request.aborted',
          method: c.req.method,
          path: c.req.path,
          route: matchedRoutePattern(c),
          client_ip: clientIpOf(c),
          reason: error.message,
        },
        'Client closed the connection before the answer',
      );
      failureLogged.add(c);
      return errorResponse(c, CLIENT_CLOSED_STATUS, 'Client closed request');
    }
    if (isDependencyUnavailable(error)) {
      // An outage, not a bug: no stack, and only the root cause (the wrapping message carries the statement).
      loggerOf(c, options.logger)?.warn(
        {
          event: 'dependency.unavailable',
          method: c.req.method,
          path: c.req.path,
          route: matchedRoutePattern(c),
          status_code: 503,
          client_ip: clientIpOf(c),
          cause: rootCauseMessage(error),
        },
        'A dependency is unavailable',
      );
      failureLogged.add(c);
      return errorResponse(c, 503, DEPENDENCY_UNAVAILABLE_DETAIL, {
        'Retry-After': String(DEPENDENCY_RETRY_AFTER_SECONDS),
      });
    }
    const correlationId = getCorrelationId(c) || currentCorrelationId() || randomUUID();
    // Only raised where response checks are on (never in production): the developer needs the mismatch itself.
    const detail = error instanceof ResponseContractError ? error.message : INTERNAL_ERROR_DETAIL;
    loggerOf(c, options.logger)?.error(
      {
        event: 'request.failed',
        method: c.req.method,
        path: c.req.path,
        route: matchedRoutePattern(c),
        status_code: 500,
        client_ip: clientIpOf(c),
        error,
      },
      'Unhandled error',
    );
    failureLogged.add(c);
    return c.json({ detail, correlation_id: correlationId }, 500);
  };
}
