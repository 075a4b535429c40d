import {
  type AggregatorClient,
  createAggregatorClient,
  createHubClient,
  createRefreshCoordinator,
  type HubClient,
  type TokenStore,
} from '@syfthub/client';
import { config } from '../config';
import { runExclusive, tokenStore } from './tokens';

export interface Api {
  hub: HubClient;
  aggregator(baseUrl: string): AggregatorClient;
  tokens: TokenStore & { clear(): void };
  /** Subscribes to "the session could not be recovered" (web.md §3.2 step 4). */
  onSessionExpired(listener: () => void): () => void;
}

export interface ApiOptions {
  baseUrl?: string;
  fetch?: typeof fetch;
  tokens?: TokenStore & { clear(): void };
}

export function createApi(options: ApiOptions = {}): Api {
  const tokens = options.tokens ?? tokenStore;
  const listeners = new Set<() => void>();
  const fetchImpl = options.fetch;
  const coordinator = createRefreshCoordinator({
    store: tokens,
    refreshTokens: (refreshToken) => hub.auth.refresh(refreshToken),
    runExclusive,
  });
  const hub: HubClient = createHubClient({
    baseUrl: options.baseUrl ?? config.apiUrl,
    ...(fetchImpl ? { fetch: fetchImpl } : {}),
    getAccessToken: () => coordinator.getAccessToken(),
    refresh: (failed) => coordinator.refresh(failed),
    onSessionExpired: () => {
      tokens.clear();
      for (const listener of listeners) listener();
    },
  });
  const aggregators = new Map<string, AggregatorClient>();
  return {
    hub,
    tokens,
    aggregator(baseUrl) {
      let client = aggregators.get(baseUrl);
      if (!client) {
        client = createAggregatorClient({ baseUrl, ...(fetchImpl ? { fetch: fetchImpl } : {}) });
        aggregators.set(baseUrl, client);
      }
      return client;
    },
    onSessionExpired(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
