import {
  checkRateLimit,
  currentLogger,
  type Kv,
  type RateLimitResult,
  rateLimitHeaders,
  rateLimitKey,
  retryAfterSeconds,
} from '@syfthub/service';

/**
 * Counts one hit of `bucket` for `key` (`ratelimit:mcp-*:<key>`). Resolves to the headers a refusal must carry
 * when the limit is exceeded, or null when the request may proceed. A store failure lets the request through:
 * the limits slow down guessing, and an outage must not lock every user out.
 */
export async function hitRateLimit(
  kv: Kv,
  bucket: string,
  key: string,
  max: number,
  windowSeconds: number,
): Promise<Record<string, string> | null> {
  let result: RateLimitResult;
  try {
    result = await checkRateLimit(kv, rateLimitKey(bucket, key), max, windowSeconds);
  } catch (error) {
    currentLogger()?.warn({ event: 'ratelimit.unavailable', bucket, error }, 'Rate limit store unavailable');
    return null;
  }
  if (result.allowed) return null;
  currentLogger()?.warn({ event: 'ratelimit.exceeded', bucket }, 'Rate limit exceeded');
  return { ...rateLimitHeaders(result), 'Retry-After': String(retryAfterSeconds(result.resetAt)) };
}
