import type {
  AdminUserPage,
  AdminUserQuery,
  ApiToken,
  ApiTokenCreate,
  ApiTokenList,
  AuthConfig,
  AuthResponse,
  CreatedApiToken,
  Endpoint,
  EndpointCreate,
  EndpointPublic,
  EndpointType,
  EndpointUpdate,
  EndpointView,
  FrontendErrorReport,
  GroupedEndpoints,
  MessageResponse,
  OwnersListing,
  PublicUserProfile,
  RegisterRequest,
  RegisterResponse,
  SatelliteToken,
  SearchResponse,
  TokenPair,
  TunnelStatus,
  UptimeResponse,
  User,
  UserAggregator,
  UserAggregatorInput,
  UserAggregatorList,
  UserOverviewStats,
  UserUpdate,
  Visibility,
} from '@syfthub/contracts';
import { createCollectivesResource } from './collectives';
import { createHttp, type HttpOptions, seg } from './http';

export type HubClientOptions = HttpOptions;

export interface Page {
  skip?: number;
  limit?: number;
}

export interface CsvExport {
  blob: Blob;
  filename: string;
}

function filenameFrom(disposition: string | null, fallback: string): string {
  if (!disposition) return fallback;
  const star = /filename\*\s*=\s*(?:UTF-8'')?([^;]+)/i.exec(disposition);
  if (star?.[1]) {
    try {
      return decodeURIComponent(star[1].trim().replace(/^"|"$/g, ''));
    } catch {
      // Fall through to the plain parameter.
    }
  }
  const plain = /filename\s*=\s*"?([^";]+)"?/i.exec(disposition);
  return plain?.[1]?.trim() || fallback;
}

/**
 * The hub's API as the SPA (and other TypeScript callers) use it. Paths are relative to `baseUrl`, which is the
 * hub's origin (empty for same origin).
 */
export function createHubClient(options: HubClientOptions = {}) {
  const http = createHttp(options);
  const { json } = http;

  const auth = {
    config: () => json<AuthConfig>('/api/v1/auth/config', { auth: 'none' }),
    register: (body: RegisterRequest) =>
      json<RegisterResponse>('/api/v1/auth/register', { method: 'POST', json: body, auth: 'none' }),
    /** Form-encoded, as the OAuth2 password form the hub expects; `username` may be an e-mail. */
    login: (username: string, password: string) =>
      json<AuthResponse>('/api/v1/auth/login', {
        method: 'POST',
        form: new URLSearchParams({ username, password }),
        auth: 'none',
      }),
    refresh: (refreshToken: string) =>
      json<TokenPair>('/api/v1/auth/refresh', {
        method: 'POST',
        json: { refresh_token: refreshToken },
        auth: 'none',
      }),
    /** Sends the given token explicitly: signing out must never trigger a refresh. */
    logout: (accessToken: string) =>
      json<void>('/api/v1/auth/logout', { method: 'POST', bearer: accessToken }),
    me: (signal?: AbortSignal) => json<User>('/api/v1/auth/me', signal ? { signal } : {}),
    changePassword: (currentPassword: string, newPassword: string) =>
      json<void>('/api/v1/auth/me/password', {
        method: 'PUT',
        json: { current_password: currentPassword, new_password: newPassword },
      }),
    verifyOtp: (email: string, code: string) =>
      json<AuthResponse>('/api/v1/auth/register/verify-otp', {
        method: 'POST',
        json: { email, code },
        auth: 'none',
      }),
    resendOtp: (email: string) =>
      json<MessageResponse>('/api/v1/auth/register/resend-otp', {
        method: 'POST',
        json: { email },
        auth: 'none',
      }),
    requestPasswordReset: (email: string) =>
      json<MessageResponse>('/api/v1/auth/password-reset/request', {
        method: 'POST',
        json: { email },
        auth: 'none',
      }),
    confirmPasswordReset: (email: string, code: string, newPassword: string) =>
      json<MessageResponse>('/api/v1/auth/password-reset/confirm', {
        method: 'POST',
        json: { email, code, new_password: newPassword },
        auth: 'none',
      }),
  };

  const tokens = {
    list: (query: { include_inactive?: boolean } & Page = {}) =>
      json<ApiTokenList>('/api/v1/auth/tokens', { query }),
    create: (body: ApiTokenCreate) =>
      json<CreatedApiToken>('/api/v1/auth/tokens', { method: 'POST', json: body }),
    get: (id: number) => json<ApiToken>(`/api/v1/auth/tokens/${seg(id)}`),
    rename: (id: number, name: string) =>
      json<ApiToken>(`/api/v1/auth/tokens/${seg(id)}`, { method: 'PATCH', json: { name } }),
    revoke: (id: number) => json<void>(`/api/v1/auth/tokens/${seg(id)}`, { method: 'DELETE' }),
  };

  const users = {
    me: () => json<User>('/api/v1/users/me'),
    updateMe: (body: UserUpdate) => json<User>('/api/v1/users/me', { method: 'PUT', json: body }),
    checkUsername: (username: string, signal?: AbortSignal) =>
      json<{ available: boolean; username: string }>(`/api/v1/users/check-username/${seg(username)}`, {
        auth: 'none',
        ...(signal ? { signal } : {}),
      }),
    checkEmail: (email: string, signal?: AbortSignal) =>
      json<{ available: boolean; email: string }>(`/api/v1/users/check-email/${seg(email)}`, {
        auth: 'none',
        ...(signal ? { signal } : {}),
      }),
    publicProfile: (username: string) =>
      json<PublicUserProfile>(`/api/v1/users/public/${seg(username)}`, { auth: 'none' }),
    get: (id: number) => json<User>(`/api/v1/users/${seg(id)}`),
    activate: (id: number) => json<User>(`/api/v1/users/${seg(id)}/activate`, { method: 'PATCH' }),
    deactivate: (id: number) => json<User>(`/api/v1/users/${seg(id)}/deactivate`, { method: 'PATCH' }),
    delete: (id: number) => json<void>(`/api/v1/users/${seg(id)}`, { method: 'DELETE' }),
  };

  const aggregators = {
    list: () => json<UserAggregatorList>('/api/v1/users/me/aggregators'),
    create: (body: UserAggregatorInput) =>
      json<UserAggregator>('/api/v1/users/me/aggregators', { method: 'POST', json: body }),
    update: (id: number, body: Partial<UserAggregatorInput>) =>
      json<UserAggregator>(`/api/v1/users/me/aggregators/${seg(id)}`, { method: 'PUT', json: body }),
    delete: (id: number) => json<void>(`/api/v1/users/me/aggregators/${seg(id)}`, { method: 'DELETE' }),
    makeDefault: (id: number) =>
      json<UserAggregator>(`/api/v1/users/me/aggregators/${seg(id)}/default`, { method: 'PATCH' }),
  };

  const admin = {
    overview: (trendDays: 7 | 30 | 90) =>
      json<UserOverviewStats>('/api/v1/admin/overview', { query: { trend_days: trendDays } }),
    users: (query: AdminUserQuery = {}) =>
      json<AdminUserPage>('/api/v1/admin/users', { query: { ...query } }),
    exportUsers: async (query: Omit<AdminUserQuery, 'page' | 'page_size'> = {}): Promise<CsvExport> => {
      const response = await http.raw('/api/v1/admin/users/export', {
        query: { ...query },
        accept: 'text/csv',
      });
      return {
        blob: await response.blob(),
        filename: filenameFrom(response.headers.get('content-disposition'), 'syfthub-users.csv'),
      };
    },
  };

  const endpoints = {
    create: (body: EndpointCreate) => json<Endpoint>('/api/v1/endpoints', { method: 'POST', json: body }),
    /** The caller's own endpoints, every state. */
    mine: (query: Page & { visibility?: Visibility; search?: string } = {}) =>
      json<Endpoint[]>('/api/v1/endpoints', { query }),
    listPublic: (query: Page & { endpoint_type?: EndpointType; search?: string } = {}) =>
      json<EndpointPublic[]>('/api/v1/endpoints/public', { query, auth: 'optional' }),
    grouped: (query: { max_per_owner?: number } & Page = {}) =>
      json<GroupedEndpoints>('/api/v1/endpoints/public/grouped', { query, auth: 'optional' }),
    owners: (query: Page = {}) =>
      json<OwnersListing>('/api/v1/endpoints/public/owners', { query, auth: 'none' }),
    byOwner: (owner: string, query: Page = {}) =>
      json<EndpointPublic[]>(`/api/v1/endpoints/public/by-owner/${seg(owner)}`, { query, auth: 'optional' }),
    byPath: (owner: string, slug: string, signal?: AbortSignal) =>
      json<EndpointView>(`/api/v1/endpoints/by-path/${seg(owner)}/${seg(slug)}`, {
        auth: 'optional',
        ...(signal ? { signal } : {}),
      }),
    trending: (query: Page & { min_stars?: number; endpoint_type?: EndpointType } = {}) =>
      json<EndpointPublic[]>('/api/v1/endpoints/trending', { query, auth: 'optional' }),
    guestAccessible: (query: Page & { endpoint_type?: EndpointType } = {}) =>
      json<EndpointPublic[]>('/api/v1/endpoints/guest-accessible', { query, auth: 'optional' }),
    search: (
      body: { query: string; top_k?: number; type?: EndpointType; include_own?: boolean },
      signal?: AbortSignal,
    ) =>
      json<SearchResponse>('/api/v1/endpoints/search', {
        method: 'POST',
        json: body,
        auth: 'optional',
        ...(signal ? { signal } : {}),
      }),
    uptime: (owner: string, slug: string, windowHours: number) =>
      json<UptimeResponse>(`/api/v1/endpoints/${seg(owner)}/${seg(slug)}/uptime`, {
        query: { window_hours: windowHours },
        auth: 'optional',
      }),
    get: (id: number) => json<Endpoint>(`/api/v1/endpoints/${seg(id)}`),
    slugExists: (slug: string, signal?: AbortSignal) =>
      json<boolean>(`/api/v1/endpoints/${seg(slug)}/exists`, signal ? { signal } : {}),
    updateBySlug: (slug: string, body: EndpointUpdate) =>
      json<Endpoint>(`/api/v1/endpoints/slug/${seg(slug)}`, { method: 'PATCH', json: body }),
    deleteBySlug: (slug: string) => json<void>(`/api/v1/endpoints/slug/${seg(slug)}`, { method: 'DELETE' }),
    star: (id: number) => json<{ starred: boolean }>(`/api/v1/endpoints/${seg(id)}/star`, { method: 'POST' }),
    unstar: (id: number) => json<void>(`/api/v1/endpoints/${seg(id)}/star`, { method: 'DELETE' }),
    starred: (id: number) => json<{ starred: boolean }>(`/api/v1/endpoints/${seg(id)}/starred`),
  };

  const identity = {
    /** A 60-second satellite token for the owner `aud`, for the signed-in caller. */
    satelliteToken: (aud: string) => json<SatelliteToken>('/api/v1/token', { query: { aud } }),
    guestSatelliteToken: (aud: string) =>
      json<SatelliteToken>('/api/v1/token/guest', { query: { aud }, auth: 'none' }),
  };

  const tunnel = {
    /** Whether tunnelled (`tunneling:<owner>`) endpoints can be reached through this hub. */
    status: () => json<TunnelStatus>('/api/v1/nats/status', { auth: 'none' }),
  };

  const errors = {
    report: (body: FrontendErrorReport) =>
      json<{ received: boolean; correlation_id: string }>('/api/v1/errors/report', {
        method: 'POST',
        json: body,
        auth: 'optional',
      }),
  };

  const collectives = createCollectivesResource(http);

  return { http, auth, tokens, users, aggregators, admin, endpoints, identity, tunnel, collectives, errors };
}

export type HubClient = ReturnType<typeof createHubClient>;
