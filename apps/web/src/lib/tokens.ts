import type { RunExclusive, TokenStore } from '@syfthub/client';

export const ACCESS_KEY = 'syft_access_token';
export const REFRESH_KEY = 'syft_refresh_token';

function read(key: string): string | null {
  try {
    return window.localStorage.getItem(key);
  } catch {
    return null;
  }
}

/** Hub tokens in `localStorage` under upstream's keys (web.md §3.1); every read goes to storage so tabs agree. */
export const tokenStore: TokenStore & { clear(): void } = {
  getAccessToken: () => read(ACCESS_KEY),
  getRefreshToken: () => read(REFRESH_KEY),
  setTokens(pair) {
    try {
      window.localStorage.setItem(ACCESS_KEY, pair.access_token);
      window.localStorage.setItem(REFRESH_KEY, pair.refresh_token);
    } catch {
      // Storage can be full or disabled (private mode); the session then lasts as long as this page.
    }
  },
  clear() {
    try {
      window.localStorage.removeItem(ACCESS_KEY);
      window.localStorage.removeItem(REFRESH_KEY);
    } catch {
      // Nothing stored, nothing to clear.
    }
  },
};

/** The cross-tab Web Lock when the browser has one; otherwise the coordinator's in-tab single flight suffices. */
export const runExclusive: RunExclusive = (name, task) => {
  const locks = typeof navigator === 'undefined' ? undefined : navigator.locks;
  return locks ? (locks.request(name, task) as Promise<Awaited<ReturnType<typeof task>>>) : task();
};
