import type { Context, Env, MiddlewareHandler } from 'hono';
import { ApiError } from './errors';
import type { Kv } from './kv';

export const RATE_LIMITED_DETAIL = 'Too many requests. Please slow down and try again later.';
export const RATE_LIMIT_UNAVAILABLE_DETAIL = 'Rate limiting temporarily unavailable. Try again shortly.';
/** The Redis client retries every two seconds at most, so a short pause gives a recovered Redis time to answer. */
const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

export interface RateLimitResult {
  allowed: boolean;
  /** Hits in the current window, this one included. */
  count: number;
  limit: number;
  remaining: number;
  /** End of the current window, in epoch seconds. */
  resetAt: number;
}

export interface RateLimitRejectInfo<E extends Env = Env> {
  c: Context<E>;
  bucket: string;
  key: string;
  count: number;
  limit: number;
  resetAt: number;
}

export interface RateLimitOptions<E extends Env = Env> {
  kv: Kv;
  /** Names the counter family, e.g. `auth-login`; part of the stored key. */
  bucket: string;
  max: number;
  windowSeconds: number;
  /** When false the middleware does nothing (compatibility test runs). */
  enabled?: boolean;
  /** When the store fails: true lets the request pass, false answers 429. */
  failOpen?: boolean;
  /** Who is being limited, usually the client IP. */
  keyOf: (c: Context<E>) => string;
  onReject?: (info: RateLimitRejectInfo<E>) => void;
  onError?: (err: unknown) => void;
}

/** The stored key of a bucket's counter, as listed in the Redis key tables of the specs. */
export function rateLimitKey(bucket: string, key: string): string {
  return `ratelimit:${bucket}:${key}`;
}

function assertLimits(max: number, windowSeconds: number): void {
  if (!Number.isInteger(max) || max < 1)
    throw new RangeError(`rate limit max must be a positive integer, got ${max}`);
  if (!Number.isFinite(windowSeconds) || windowSeconds <= 0) {
    throw new RangeError(`rate limit window must be a positive number of seconds, got ${windowSeconds}`);
  }
}

/** Counts one hit against a fixed window stored under `key` as given; rejects when the store fails. */
export async function checkRateLimit(
  kv: Kv,
  key: string,
  max: number,
  windowSeconds: number,
): Promise<RateLimitResult> {
  assertLimits(max, windowSeconds);
  const { count, resetAt } = await kv.incrWindow(key, windowSeconds);
  return { allowed: count <= max, count, limit: max, remaining: Math.max(0, max - count), resetAt };
}

/** `X-RateLimit-*` headers describing a result. */
export function rateLimitHeaders(result: RateLimitResult): Record<string, string> {
  return {
    'X-RateLimit-Limit': String(result.limit),
    'X-RateLimit-Remaining': String(result.remaining),
    'X-RateLimit-Reset': String(result.resetAt),
  };
}

/** Seconds until the window ends, never below one so clients do not retry immediately. */
export function retryAfterSeconds(resetAt: number, nowMs = Date.now()): number {
  return Math.max(1, resetAt - Math.floor(nowMs / 1000));
}

/**
 * Fixed-window rate limit per `keyOf(c)`. Every response of the route carries `X-RateLimit-*`, including error
 * responses built by the app's onError for errors thrown further down.
 */
export function rateLimit<E extends Env = Env>(options: RateLimitOptions<E>): MiddlewareHandler<E> {
  const {
    kv,
    bucket,
    max,
    windowSeconds,
    enabled = true,
    failOpen = true,
    keyOf,
    onReject,
    onError,
  } = options;
  assertLimits(max, windowSeconds);

  return async (c, next) => {
    if (!enabled) {
      await next();
      return;
    }
    const key = keyOf(c);
    let result: RateLimitResult;
    try {
      result = await checkRateLimit(kv, rateLimitKey(bucket, key), max, windowSeconds);
    } catch (err) {
      onError?.(err);
      if (failOpen) {
        await next();
        return;
      }
      throw new ApiError(429, RATE_LIMIT_UNAVAILABLE_DETAIL, {
        'Retry-After': String(UNAVAILABLE_RETRY_AFTER_SECONDS),
      });
    }

    const headers = rateLimitHeaders(result);
    if (!result.allowed) {
      onReject?.({ c, bucket, key, count: result.count, limit: max, resetAt: result.resetAt });
      throw new ApiError(429, RATE_LIMITED_DETAIL, {
        'Retry-After': String(retryAfterSeconds(result.resetAt)),
        ...headers,
      });
    }

    // Prepared before the route, so responses a route writes itself (the aggregator's event streams) carry them;
    // set again afterwards for responses built without the prepared headers. Hono's compose turns a downstream
    // throw into c.res via onError before next() resolves, so error responses get them too.
    for (const [name, value] of Object.entries(headers)) c.header(name, value);
    await next();
    if (!c.res.headers.has('X-RateLimit-Limit')) {
      for (const [name, value] of Object.entries(headers)) c.header(name, value);
    }
  };
}
