/** The body text of a 503 answered because a dependency (PostgreSQL, Redis) cannot be reached. */
export const DEPENDENCY_UNAVAILABLE_DETAIL = 'Service temporarily unavailable. Please try again shortly.';
/** Seconds a client should wait: the pools reconnect on the next request, the Redis client within two seconds. */
export const DEPENDENCY_RETRY_AFTER_SECONDS = 5;

/** A dependency could not be reached; answered 503 with `Retry-After` instead of 500. */
export class DependencyUnavailableError extends Error {
  constructor(
    public dependency: 'database' | 'redis' | string,
    options?: { cause?: unknown },
  ) {
    super(`${dependency} unavailable`, options);
    this.name = 'DependencyUnavailableError';
  }
}

// postgres-js connection failures, and the socket errors of any client (postgres-js passes them through).
const CONNECTION_CODES = new Set([
  'CONNECTION_CLOSED',
  'CONNECTION_DESTROYED',
  'CONNECTION_ENDED',
  'CONNECT_TIMEOUT',
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

// SQLSTATE: 08xxx connection exceptions; 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now
// (starting up or shutting down); 53300 too_many_connections.
function isUnavailableSqlState(code: string): boolean {
  return (
    /^08[0-9A-Z]{3}$/.test(code) ||
    code === '57P01' ||
    code === '57P02' ||
    code === '57P03' ||
    code === '53300'
  );
}

// ioredis rejects commands with plain errors while the server is away (maxRetriesPerRequest, commandTimeout,
// a closed connection, no offline queue); a ReplyError is the server's answer and is not an outage.
const REDIS_OUTAGE_MESSAGES = [
  /^Reached the max retries per request limit/,
  /^Command timed out$/,
  /^Connection is closed\.$/,
  /enableOfflineQueue options is false$/,
];

function isUnavailableOne(error: object): boolean {
  if (error instanceof DependencyUnavailableError) return true;
  if (error instanceof Error && error.name === 'MaxRetriesPerRequestError') return true;
  const code = 'code' in error ? error.code : undefined;
  if (typeof code === 'string' && (CONNECTION_CODES.has(code) || isUnavailableSqlState(code))) return true;
  if (error instanceof Error && error.name === 'Error' && !('code' in error)) {
    return REDIS_OUTAGE_MESSAGES.some((pattern) => pattern.test(error.message));
  }
  return false;
}

/**
 * Whether `error` (or what it wraps: `cause`, AggregateError members) says a dependency could not be reached,
 * as opposed to a bug or a refused statement.
 */
export function isDependencyUnavailable(error: unknown): boolean {
  const pending: unknown[] = [error];
  for (let seen = 0; pending.length > 0 && seen < 16; seen++) {
    const current = pending.shift();
    if (typeof current !== 'object' || current === null) continue;
    if (isUnavailableOne(current)) return true;
    if ('cause' in current) pending.push(current.cause);
    if (current instanceof AggregateError) pending.push(...current.errors);
  }
  return false;
}

/** The innermost message of a wrapped error, for logs (drizzle's outer message carries the statement). */
export function rootCauseMessage(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 8; depth++) {
    if (typeof current !== 'object' || current === null || !('cause' in current) || current.cause == null)
      break;
    current = current.cause;
  }
  if (current instanceof Error) {
    const code = 'code' in current && typeof current.code === 'string' ? `${current.code}: ` : '';
    return `${code}${current.message}`;
  }
  return String(current);
}
