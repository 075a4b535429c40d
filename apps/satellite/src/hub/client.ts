/** Thrown for a hub answer outside 2xx; `detail` is the body's `detail`, if it had one. */
export class HubHttpError extends Error {
  constructor(
    readonly status: number,
    readonly detail: unknown,
    readonly route: string,
  ) {
    super(`Hub answered HTTP ${status} to ${route}`);
    this.name = 'HubHttpError';
  }

  /** Worth retrying later: the hub is overloaded or briefly failing, rather than refusing the request. */
  get transient(): boolean {
    return this.status === 408 || this.status === 429 || this.status >= 500;
  }
}

/** Thrown when the hub cannot be reached at all (DNS, connection refused, timeout). */
export class HubUnreachableError extends Error {
  constructor(route: string, options?: { cause?: unknown }) {
    super(`Hub is unreachable (${route})`, options);
    this.name = 'HubUnreachableError';
  }
}

export interface HubUser {
  id: number;
  username: string;
}

export interface SyncEndpoint {
  name: string;
  slug: string;
  type: string;
  visibility: string;
  description: string;
  version: string;
  readme: string;
  tags: string[];
  policies: Array<Record<string, unknown>>;
  connect: Array<Record<string, unknown>>;
}

export interface HealthItem {
  slug: string;
  status: 'healthy' | 'unhealthy';
  checked_at: string;
}

export interface HubClientOptions {
  baseUrl: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
  userAgent?: string;
}

/** The few public hub routes a satellite uses (backend-api.md §5, §9.4, §9.5). */
export class HubClient {
  private readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;
  private readonly timeoutMs: number;
  private readonly userAgent: string;

  constructor(options: HubClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.fetchImpl = options.fetch ?? globalThis.fetch;
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.userAgent = options.userAgent ?? 'syfthub-satellite';
  }

  private async call<T>(
    method: string,
    route: string,
    init: { token?: string; json?: unknown; form?: Record<string, string>; timeoutMs?: number } = {},
  ): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': this.userAgent };
    let body: string | undefined;
    if (init.token) headers.authorization = `Bearer ${init.token}`;
    if (init.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(init.json);
    } else if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    }
    let res: Response;
    try {
      res = await this.fetchImpl(`${this.baseUrl}${route}`, {
        method,
        headers,
        body,
        signal: AbortSignal.timeout(init.timeoutMs ?? this.timeoutMs),
      });
    } catch (error) {
      throw new HubUnreachableError(route, { cause: error });
    }
    const text = await res.text().catch(() => '');
    let parsed: unknown = null;
    try {
      parsed = text === '' ? null : JSON.parse(text);
    } catch {
      parsed = null;
    }
    if (!res.ok) {
      const detail =
        parsed !== null && typeof parsed === 'object' ? (parsed as { detail?: unknown }).detail : undefined;
      throw new HubHttpError(res.status, detail ?? null, route);
    }
    return parsed as T;
  }

  /** Password login (form-encoded, backend-api.md §5.3); resolves to the access token. */
  async login(username: string, password: string): Promise<string> {
    const res = await this.call<{ access_token?: unknown }>('POST', '/api/v1/auth/login', {
      form: { username, password },
    });
    if (typeof res?.access_token !== 'string')
      throw new HubHttpError(502, 'Login returned no access token', 'login');
    return res.access_token;
  }

  /** Registers an account; resolves to its access token, or null when the hub requires e-mail verification. */
  async register(input: { username: string; email: string; password: string }): Promise<string | null> {
    const res = await this.call<{ access_token?: unknown }>('POST', '/api/v1/auth/register', {
      json: { ...input, full_name: input.username },
    });
    return typeof res?.access_token === 'string' ? res.access_token : null;
  }

  async createApiToken(accessToken: string, name: string, scopes: string[]): Promise<string> {
    const res = await this.call<{ token?: unknown }>('POST', '/api/v1/auth/tokens', {
      token: accessToken,
      json: { name, scopes },
    });
    if (typeof res?.token !== 'string')
      throw new HubHttpError(502, 'Token creation returned no token', 'tokens');
    return res.token;
  }

  async me(token: string): Promise<HubUser> {
    const res = await this.call<{ id?: unknown; username?: unknown }>('GET', '/api/v1/auth/me', { token });
    if (typeof res?.username !== 'string') throw new HubHttpError(502, 'Profile has no username', 'me');
    return { id: typeof res.id === 'number' ? res.id : 0, username: res.username.toLowerCase() };
  }

  /** `GET /api/v1/nats/credentials` (tunnelling.md §3.3): the token for the hub's NATS WebSocket. */
  async natsCredentials(token: string): Promise<string> {
    const res = await this.call<{ nats_auth_token?: unknown }>('GET', '/api/v1/nats/credentials', { token });
    if (typeof res?.nats_auth_token !== 'string')
      throw new HubHttpError(502, 'Credentials carry no NATS token', 'nats/credentials');
    return res.nats_auth_token;
  }

  /** `PUT /api/v1/nats/encryption-key` (§3.4) with the node's unpadded base64url X25519 public key. */
  async registerEncryptionKey(token: string, publicKey: string): Promise<void> {
    await this.call('PUT', '/api/v1/nats/encryption-key', {
      token,
      json: { encryption_public_key: publicKey },
    });
  }

  /** `PUT /api/v1/users/me` with the owner's domain (`tunneling:<username>` in tunnel mode, §1). */
  async setDomain(token: string, domain: string): Promise<void> {
    await this.call('PUT', '/api/v1/users/me', { token, json: { domain } });
  }

  async sync(token: string, endpoints: SyncEndpoint[]): Promise<{ synced: number; deleted: number }> {
    const res = await this.call<{ synced?: unknown; deleted?: unknown }>('POST', '/api/v1/endpoints/sync', {
      token,
      json: { endpoints },
    });
    return {
      synced: typeof res?.synced === 'number' ? res.synced : endpoints.length,
      deleted: typeof res?.deleted === 'number' ? res.deleted : 0,
    };
  }

  async reportHealth(
    token: string,
    report: { endpoints: HealthItem[]; ttl_seconds: number; url: string },
    timeoutMs?: number,
  ): Promise<{ updated: number; ignored: number }> {
    const res = await this.call<{ updated?: unknown; ignored?: unknown }>(
      'POST',
      '/api/v1/endpoints/health',
      {
        token,
        json: report,
        ...(timeoutMs === undefined ? {} : { timeoutMs }),
      },
    );
    return {
      updated: typeof res?.updated === 'number' ? res.updated : 0,
      ignored: typeof res?.ignored === 'number' ? res.ignored : 0,
    };
  }
}
