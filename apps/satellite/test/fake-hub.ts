import { randomBytes } from 'node:crypto';
import { type SigningKey, sendJson, startServer } from './helpers';

export interface HubCall {
  method: string;
  path: string;
  authorization: string | undefined;
  contentType: string | undefined;
  body: string;
}

/** A minimal stand-in for the hub's account, token, sync and health routes (backend-api.md §5, §9.4, §9.5). */
export async function startFakeHub(options: { jwks?: SigningKey[] } = {}) {
  const state = {
    users: new Map<string, { id: number; password: string; email: string }>(),
    sessions: new Map<string, string>(),
    pats: new Map<string, string>(),
    calls: [] as HubCall[],
    /** Answer this many sync attempts with 503 before accepting one. */
    failSyncs: 0,
    /** The NATS token of `/nats/credentials` (tunnelling.md §3.3); null answers 503 like an unconfigured hub. */
    natsToken: null as string | null,
    /** Encryption keys by username (§3.4, §3.5) and domains set through `PUT /users/me`. */
    keys: new Map<string, string>(),
    domains: new Map<string, string>(),
  };

  const server = await startServer((req, res, body) => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    state.calls.push({
      method: req.method ?? '',
      path,
      authorization: req.headers.authorization,
      contentType: req.headers['content-type'],
      body,
    });
    if (req.method === 'GET' && path === '/.well-known/jwks.json' && options.jwks) {
      return sendJson(
        res,
        200,
        { keys: options.jwks.map((k) => k.jwk) },
        { 'cache-control': 'public, max-age=300' },
      );
    }
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const caller = bearer === undefined ? undefined : (state.sessions.get(bearer) ?? state.pats.get(bearer));

    if (req.method === 'POST' && path === '/api/v1/auth/login') {
      const form = new URLSearchParams(body);
      const username = (form.get('username') ?? '').toLowerCase();
      const user = state.users.get(username);
      if (!req.headers['content-type']?.startsWith('application/x-www-form-urlencoded')) {
        return sendJson(res, 422, {
          detail: [{ type: 'missing', loc: ['body', 'username'], msg: 'Field required' }],
        });
      }
      if (user === undefined || user.password !== form.get('password')) {
        return sendJson(res, 401, { detail: 'Invalid credentials' });
      }
      const access = `jwt-${randomBytes(8).toString('hex')}`;
      state.sessions.set(access, username);
      return sendJson(res, 200, {
        user: { id: user.id, username },
        access_token: access,
        token_type: 'bearer',
      });
    }
    if (req.method === 'POST' && path === '/api/v1/auth/register') {
      const input = JSON.parse(body) as {
        username: string;
        email: string;
        password: string;
        full_name: string;
      };
      const username = input.username.toLowerCase();
      if (state.users.has(username)) return sendJson(res, 409, { detail: { code: 'USER_ALREADY_EXISTS' } });
      state.users.set(username, { id: state.users.size + 1, password: input.password, email: input.email });
      const access = `jwt-${randomBytes(8).toString('hex')}`;
      state.sessions.set(access, username);
      return sendJson(res, 201, {
        user: { id: state.users.size, username },
        access_token: access,
        refresh_token: 'r',
        token_type: 'bearer',
        requires_email_verification: false,
      });
    }
    const keyLookup = /^\/api\/v1\/nats\/encryption-key\/([^/]+)$/.exec(path);
    if (req.method === 'GET' && keyLookup) {
      const username = decodeURIComponent(keyLookup[1]!).toLowerCase();
      if (!state.users.has(username)) return sendJson(res, 404, { detail: `User '${username}' not found.` });
      return sendJson(res, 200, { encryption_public_key: state.keys.get(username) ?? null });
    }
    if (caller === undefined) return sendJson(res, 401, { detail: 'Could not validate credentials' });
    if (req.method === 'GET' && path === '/api/v1/nats/credentials') {
      if (state.natsToken === null) return sendJson(res, 503, { detail: 'NATS service is not configured.' });
      return sendJson(res, 200, { nats_auth_token: state.natsToken });
    }
    if (req.method === 'PUT' && path === '/api/v1/nats/encryption-key') {
      state.keys.set(caller, (JSON.parse(body) as { encryption_public_key: string }).encryption_public_key);
      return sendJson(res, 200, { status: 'ok' });
    }
    if (req.method === 'PUT' && path === '/api/v1/users/me') {
      const domain = (JSON.parse(body) as { domain?: string }).domain;
      if (domain !== undefined) state.domains.set(caller, domain);
      return sendJson(res, 200, { id: state.users.get(caller)?.id ?? 0, username: caller, domain });
    }
    if (req.method === 'POST' && path === '/api/v1/auth/tokens') {
      const token = `syft_pat_${randomBytes(32).toString('base64url').slice(0, 43)}`;
      state.pats.set(token, caller);
      return sendJson(res, 201, { id: state.pats.size, name: JSON.parse(body).name, token });
    }
    if (req.method === 'GET' && path === '/api/v1/auth/me') {
      return sendJson(res, 200, { id: state.users.get(caller)?.id ?? 0, username: caller });
    }
    if (req.method === 'POST' && path === '/api/v1/endpoints/sync') {
      if (state.failSyncs > 0) {
        state.failSyncs -= 1;
        return sendJson(res, 503, { detail: 'Service Unavailable' });
      }
      const items = (JSON.parse(body) as { endpoints: unknown[] }).endpoints;
      return sendJson(res, 200, { synced: items.length, deleted: 0, endpoints: [] });
    }
    if (req.method === 'POST' && path === '/api/v1/endpoints/health') {
      const items = (JSON.parse(body) as { endpoints: unknown[] }).endpoints;
      return sendJson(res, 200, { updated: items.length, ignored: 0 });
    }
    return sendJson(res, 404, { detail: 'Not Found' });
  });

  const callsTo = (path: string) => state.calls.filter((c) => c.path === path);
  const bodiesOf = (path: string) => callsTo(path).map((c) => JSON.parse(c.body) as Record<string, unknown>);
  return { ...server, state, callsTo, bodiesOf };
}

export type FakeHub = Awaited<ReturnType<typeof startFakeHub>>;
