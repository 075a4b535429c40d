import { randomUUID } from 'node:crypto';
import {
  type AggregatorClient,
  createAggregatorClient,
  createHubClient,
  type HubClient,
  isApiError,
  type TokenPair,
  type User,
} from '@syfthub/client';
import { currentCorrelationId } from '@syfthub/service';

/** Calls to the hub's auth routes answer within this bound; tools pass their own, longer signals. */
const AUTH_CALL_TIMEOUT_MS = 10_000;

export type LoginOutcome =
  | { kind: 'ok'; tokens: TokenPair; user: User }
  | { kind: 'invalid_credentials' }
  | { kind: 'email_not_verified' }
  | { kind: 'rate_limited' }
  | { kind: 'unavailable' };

export type RefreshOutcome =
  | { kind: 'ok'; tokens: TokenPair }
  | { kind: 'rejected'; reason: string }
  | { kind: 'unavailable' };

/** What a tool call needs: a hub client acting as the user, recovering from a 401 through `refresh`. */
export interface UserHubOptions {
  getAccessToken: () => Promise<string>;
  refresh: (failedToken: string) => Promise<string | null>;
}

/** The backend and aggregator as the MCP service sees them (mcp.md §4.3, §7). */
export interface HubGateway {
  login(login: string, password: string, clientIp: string): Promise<LoginOutcome>;
  refresh(refreshToken: string): Promise<RefreshOutcome>;
  /** Best effort: ends the hub session of `accessToken`; never throws. */
  logout(accessToken: string): Promise<void>;
  asUser(options: UserHubOptions): HubClient;
  aggregator: AggregatorClient;
  /** `GET {SYFTHUB_URL}/health` for readiness reporting. */
  health(): Promise<void>;
}

export interface HubGatewayOptions {
  hubUrl: string;
  aggregatorUrl: string;
  version: string;
  fetch?: typeof fetch;
}

function withTimeout(signal: AbortSignal | null | undefined, ms: number): AbortSignal {
  const timeout = AbortSignal.timeout(ms);
  return signal ? AbortSignal.any([signal, timeout]) : timeout;
}

export function createHubGateway(options: HubGatewayOptions): HubGateway {
  const baseFetch = options.fetch ?? globalThis.fetch;
  const userAgent = `syfthub-mcp/${options.version}`;
  // Every outbound call carries the id of the request that caused it (README §2.6).
  const newCorrelationId = () => currentCorrelationId() ?? randomUUID();

  function fetchWith(extraHeaders: Record<string, string>, timeoutMs?: number): typeof fetch {
    return (input, init = {}) => {
      const headers = new Headers(init.headers);
      headers.set('User-Agent', userAgent);
      for (const [name, value] of Object.entries(extraHeaders)) headers.set(name, value);
      const signal = timeoutMs === undefined ? init.signal : withTimeout(init.signal, timeoutMs);
      return baseFetch(input, { ...init, headers, ...(signal ? { signal } : {}) });
    };
  }

  const authHub = createHubClient({
    baseUrl: options.hubUrl,
    fetch: fetchWith({}, AUTH_CALL_TIMEOUT_MS),
    newCorrelationId,
  });

  async function logout(accessToken: string): Promise<void> {
    try {
      await authHub.auth.logout(accessToken);
    } catch {
      // Best effort: the hub session also ends on its own when its refresh token expires.
    }
  }

  return {
    async login(login, password, clientIp) {
      // The backend limits logins per IP: it must see the browser's address, not this service's.
      const hub = createHubClient({
        baseUrl: options.hubUrl,
        fetch: fetchWith({ 'X-Real-IP': clientIp }, AUTH_CALL_TIMEOUT_MS),
        newCorrelationId,
      });
      let tokens: TokenPair;
      try {
        const response = await hub.auth.login(login, password);
        tokens = {
          access_token: response.access_token,
          refresh_token: response.refresh_token,
          token_type: 'bearer',
        };
      } catch (error) {
        if (!isApiError(error)) return { kind: 'unavailable' };
        if (error.status === 401) return { kind: 'invalid_credentials' };
        if (error.status === 403 && error.code === 'EMAIL_NOT_VERIFIED')
          return { kind: 'email_not_verified' };
        if (error.status === 429) return { kind: 'rate_limited' };
        return { kind: 'unavailable' };
      }
      try {
        const user = await hub.http.json<User>('/api/v1/auth/me', { bearer: tokens.access_token });
        return { kind: 'ok', tokens, user };
      } catch {
        // The session just created would otherwise linger unused until it expires.
        await logout(tokens.access_token);
        return { kind: 'unavailable' };
      }
    },

    async refresh(refreshToken) {
      try {
        return { kind: 'ok', tokens: await authHub.auth.refresh(refreshToken) };
      } catch (error) {
        if (isApiError(error) && error.status === 401) return { kind: 'rejected', reason: error.message };
        return { kind: 'unavailable' };
      }
    },

    logout,

    asUser({ getAccessToken, refresh }) {
      return createHubClient({
        baseUrl: options.hubUrl,
        fetch: fetchWith({}),
        newCorrelationId,
        getAccessToken,
        refresh,
      });
    },

    aggregator: createAggregatorClient({
      baseUrl: `${options.aggregatorUrl}/api/v1`,
      fetch: fetchWith({}),
      newCorrelationId,
    }),

    async health() {
      const response = await fetchWith({}, 2000)(`${options.hubUrl}/health`, {
        headers: { 'X-Correlation-ID': newCorrelationId() },
      });
      await response.body?.cancel();
      if (!response.ok) throw new Error(`backend answered ${response.status}`);
    },
  };
}
