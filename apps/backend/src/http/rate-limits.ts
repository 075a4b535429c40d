import { clientRateSubjectOf, rateLimit } from '@syfthub/service';
import type { MiddlewareHandler } from 'hono';
import type { BackendDeps } from '../deps';
import type { BackendEnv } from './context';

/** The rate-limit buckets of backend-api.md §2.7, one middleware each. */
export interface RateLimits {
  authLogin: MiddlewareHandler<BackendEnv>;
  auth: MiddlewareHandler<BackendEnv>;
  authRefresh: MiddlewareHandler<BackendEnv>;
  tokenGuest: MiddlewareHandler<BackendEnv>;
  lookup: MiddlewareHandler<BackendEnv>;
  proxy: MiddlewareHandler<BackendEnv>;
  errors: MiddlewareHandler<BackendEnv>;
  /** tunnelling.md §3.2: always on and failing closed, whatever the global switches say. */
  guestPeerToken: MiddlewareHandler<BackendEnv>;
}

export function createRateLimits(
  deps: Pick<BackendDeps, 'config' | 'kv' | 'logger' | 'backendMetrics'>,
): RateLimits {
  const { config, kv, logger, backendMetrics } = deps;
  const limit = (
    bucket: string,
    max: number,
    windowSeconds: number,
    policy = { enabled: config.RATE_LIMIT_ENABLED, failOpen: config.RATE_LIMIT_FAIL_OPEN },
  ) =>
    rateLimit<BackendEnv>({
      kv,
      bucket,
      max,
      windowSeconds,
      ...policy,
      keyOf: clientRateSubjectOf,
      onReject: (info) => {
        backendMetrics.rateLimitRejections.inc({ bucket });
        logger.warn({ event: 'ratelimit.exceeded', bucket, client_ip: info.key });
      },
      onError: (err) => logger.warn({ event: 'ratelimit.unavailable', bucket, err }),
    });
  const authWindow = config.AUTH_RATE_LIMIT_WINDOW_SECONDS;
  return {
    authLogin: limit('auth-login', config.AUTH_RATE_LIMIT_MAX, authWindow),
    auth: limit('auth', config.AUTH_RATE_LIMIT_MAX, authWindow),
    authRefresh: limit(
      'auth-refresh',
      config.REFRESH_RATE_LIMIT_MAX,
      config.REFRESH_RATE_LIMIT_WINDOW_SECONDS,
    ),
    tokenGuest: limit(
      'token-guest',
      config.GUEST_TOKEN_RATE_LIMIT_MAX,
      config.GUEST_TOKEN_RATE_LIMIT_WINDOW_SECONDS,
    ),
    lookup: limit('lookup', config.LOOKUP_RATE_LIMIT_MAX, 60),
    proxy: limit('proxy', config.PROXY_RATE_LIMIT_MAX, 60),
    errors: limit('errors', config.ERROR_REPORT_RATE_LIMIT_MAX, 60),
    // Anyone can mint guest peer tokens, so an unavailable store refuses rather than letting floods through.
    guestPeerToken: limit(
      'nats-guest-peer',
      config.GUEST_PEER_TOKEN_RATE_LIMIT_MAX,
      config.GUEST_PEER_TOKEN_RATE_LIMIT_WINDOW_SECONDS,
      { enabled: true, failOpen: false },
    ),
  };
}
