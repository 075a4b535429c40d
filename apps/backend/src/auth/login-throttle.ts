import { createHmac } from 'node:crypto';
import {
  ApiError,
  checkRateLimit,
  rateLimitHeaders,
  rateLimitKey,
  retryAfterSeconds,
} from '@syfthub/service';
import type { BackendDeps } from '../deps';

/** The same sentence whether or not the account exists, so the limit cannot be used to probe for accounts. */
export const ACCOUNT_THROTTLED_DETAIL = 'Too many sign-in attempts for this account. Try again later.';
const BUCKET = 'login-account';

/** Per-account sign-in limit, whatever address the attempts come from (apps/backend/README.md, "Sign-in limits"). */
export interface LoginThrottle {
  /** Counts one attempt against the account; throws 429 once LOGIN_ACCOUNT_FAILURE_MAX is exceeded. */
  attempt(account: { userId: number } | { identifier: string }): Promise<void>;
  /** A successful sign-in clears the account's count. */
  succeeded(userId: number): Promise<void>;
}

export function createLoginThrottle(deps: Pick<BackendDeps, 'config' | 'kv' | 'logger'>): LoginThrottle {
  const { config, kv, logger } = deps;
  // An unknown identifier is counted like an account, under a keyed hash so Redis holds no e-mail addresses.
  const subjectOf = (account: { userId: number } | { identifier: string }) =>
    'userId' in account
      ? `user:${account.userId}`
      : `id:${createHmac('sha256', config.SECRET_KEY).update(account.identifier).digest('hex').slice(0, 32)}`;

  return {
    async attempt(account) {
      if (!config.RATE_LIMIT_ENABLED) return;
      let result: Awaited<ReturnType<typeof checkRateLimit>>;
      try {
        result = await checkRateLimit(
          kv,
          rateLimitKey(BUCKET, subjectOf(account)),
          config.LOGIN_ACCOUNT_FAILURE_MAX,
          config.LOGIN_ACCOUNT_FAILURE_WINDOW_SECONDS,
        );
      } catch (err) {
        logger.warn({ event: 'ratelimit.unavailable', bucket: BUCKET, err });
        if (config.RATE_LIMIT_FAIL_OPEN) return;
        throw new ApiError(429, ACCOUNT_THROTTLED_DETAIL, { 'Retry-After': '5' });
      }
      if (result.allowed) return;
      logger.warn({ event: 'ratelimit.exceeded', bucket: BUCKET });
      throw new ApiError(429, ACCOUNT_THROTTLED_DETAIL, {
        'Retry-After': String(retryAfterSeconds(result.resetAt)),
        ...rateLimitHeaders(result),
      });
    },

    async succeeded(userId) {
      if (!config.RATE_LIMIT_ENABLED) return;
      await kv.del(rateLimitKey(BUCKET, subjectOf({ userId }))).catch(() => false);
    },
  };
}
