import type { TokenPair } from '@syfthub/contracts';
import { ApiError } from './errors';
import { expiresSoon } from './jwt';

/** Where the hub tokens live (the SPA: `localStorage`; tests: memory). Reads must always see the latest value. */
export interface TokenStore {
  getAccessToken(): string | null;
  getRefreshToken(): string | null;
  setTokens(tokens: Pick<TokenPair, 'access_token' | 'refresh_token'>): void;
}

/** Runs `task` while holding a named lock shared by every tab (`navigator.locks`), or just runs it. */
export type RunExclusive = <T>(name: string, task: () => Promise<T>) => Promise<T>;

export interface RefreshCoordinatorOptions {
  store: TokenStore;
  /** `POST /api/v1/auth/refresh`; rejects with an ApiError on failure. */
  refreshTokens: (refreshToken: string) => Promise<TokenPair>;
  runExclusive?: RunExclusive;
  /** Refresh before sending when the access token expires within this many seconds (web.md §3.2: 60). */
  proactiveWindowSeconds?: number;
  now?: () => number;
}

export interface RefreshCoordinator {
  /** The access token to send, refreshed first when it is about to expire. */
  getAccessToken(): Promise<string | null>;
  /**
   * Called after a request that carried `failedToken` got 401. Resolves to the token to retry with, or null when
   * the session cannot be recovered (no refresh token, or the hub refused it). Network and server failures reject,
   * so a flaky connection never signs anyone out.
   */
  refresh(failedToken: string | null): Promise<string | null>;
}

export const REFRESH_LOCK_NAME = 'syft-token-refresh';

const runDirectly: RunExclusive = (_name, task) => task();

export function createRefreshCoordinator(options: RefreshCoordinatorOptions): RefreshCoordinator {
  const { store, refreshTokens } = options;
  const runExclusive = options.runExclusive ?? runDirectly;
  const windowSeconds = options.proactiveWindowSeconds ?? 60;
  const now = options.now ?? Date.now;
  let inFlight: Promise<string | null> | null = null;
  // A refresh token the hub has already refused is never offered again, so one dead session costs one request.
  let rejectedRefreshToken: string | null = null;

  async function refreshInsideLock(failedToken: string | null): Promise<string | null> {
    const current = store.getAccessToken();
    if (current && current !== failedToken) return current;
    const refreshToken = store.getRefreshToken();
    if (!refreshToken || refreshToken === rejectedRefreshToken) return null;
    try {
      const pair = await refreshTokens(refreshToken);
      store.setTokens(pair);
      return pair.access_token;
    } catch (error) {
      if (error instanceof ApiError && error.status >= 400 && error.status < 500 && error.status !== 429) {
        rejectedRefreshToken = refreshToken;
        return null;
      }
      throw error;
    }
  }

  function refresh(failedToken: string | null): Promise<string | null> {
    if (!inFlight) {
      inFlight = runExclusive(REFRESH_LOCK_NAME, () => refreshInsideLock(failedToken)).finally(() => {
        inFlight = null;
      });
    }
    return inFlight;
  }

  async function getAccessToken(): Promise<string | null> {
    const token = store.getAccessToken();
    if (!token || !expiresSoon(token, windowSeconds, now())) return token;
    try {
      return (await refresh(token)) ?? token;
    } catch {
      // The token is still valid for a few seconds; the reactive path takes over if it lapses.
      return token;
    }
  }

  return { getAccessToken, refresh };
}
