import { ApiError } from '@syfthub/service';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { type AuthEnv, createAuthMiddleware, type Principal, parseBearer } from '../src';

interface User {
  id: number;
  role: string;
  username: string;
}

const users: Record<string, Principal<User>> = {
  'jwt-alice': { user: { id: 1, role: 'user', username: 'alice' }, kind: 'jwt', sessionId: 'sid-1' },
  'jwt-root': { user: { id: 2, role: 'admin', username: 'root' }, kind: 'jwt', sessionId: 'sid-2' },
  syft_pat_read: {
    user: { id: 1, role: 'user', username: 'alice' },
    kind: 'api_token',
    tokenId: 10,
    scopes: ['read'],
  },
  syft_pat_write: {
    user: { id: 1, role: 'user', username: 'alice' },
    kind: 'api_token',
    tokenId: 11,
    scopes: ['read', 'write'],
  },
  syft_pat_full: {
    user: { id: 2, role: 'admin', username: 'root' },
    kind: 'api_token',
    tokenId: 12,
    scopes: ['full'],
  },
  syft_pat_none: {
    user: { id: 1, role: 'user', username: 'alice' },
    kind: 'api_token',
    tokenId: 13,
    scopes: [],
  },
};

function buildApp() {
  const calls: string[] = [];
  const auth = createAuthMiddleware<User>({
    async authenticate(credential) {
      calls.push(credential);
      if (credential === 'db-down') throw new Error('connection refused');
      if (credential === 'syft_pat_revoked') throw new ApiError(401, 'API token has been revoked');
      if (credential === 'custom-header') {
        throw new ApiError(401, 'Session revoked', {
          'www-authenticate': 'Bearer error="invalid_token", error_description="revoked"',
        });
      }
      const principal = users[credential];
      if (!principal) throw new ApiError(401, 'Could not validate credentials');
      return principal;
    },
  });
  const app = new Hono<AuthEnv<User>>();
  app.onError((err, c) => {
    if (err instanceof ApiError) {
      return c.json({ detail: err.detail }, err.status as 401, err.headers);
    }
    return c.json({ detail: 'An internal error occurred. Please try again later.' }, 500);
  });
  const who = (c: { get(key: 'principal'): Principal<User> | null }) => {
    const p = c.get('principal');
    return p ? { user: p.user.username, kind: p.kind, scopes: p.scopes ?? null } : null;
  };
  app.get('/opt', auth.optionalUser, (c) => c.json(who(c)));
  app.get('/me', auth.requireUser, (c) => c.json(who(c)));
  app.get('/admin', auth.requireAdmin, (c) => c.json(who(c)));
  app.post('/write', auth.requireScope('write'), (c) => c.json(who(c)));
  app.delete('/full', auth.requireScope('full'), (c) => c.json(who(c)));
  app.get('/stacked', auth.optionalUser, auth.requireUser, auth.requireScope('read'), (c) => c.json(who(c)));
  return { app, calls };
}

const bearer = (credential: string) => ({ headers: { Authorization: `Bearer ${credential}` } });

describe('parseBearer', () => {
  it('accepts the Bearer scheme in any case and nothing else', () => {
    expect(parseBearer('Bearer abc')).toBe('abc');
    expect(parseBearer('bearer abc')).toBe('abc');
    expect(parseBearer('BEARER   abc  ')).toBe('abc');
    expect(parseBearer('Basic YWxpY2U6cHc=')).toBeNull();
    expect(parseBearer('Bearer')).toBeNull();
    expect(parseBearer('Bearer ')).toBeNull();
    expect(parseBearer('Bearer a b')).toBeNull();
    expect(parseBearer('Bearerabc')).toBeNull();
    expect(parseBearer('')).toBeNull();
    expect(parseBearer(undefined)).toBeNull();
  });
});

describe('optionalUser', () => {
  it('identifies a valid caller', async () => {
    const { app } = buildApp();
    const res = await app.request('/opt', bearer('jwt-alice'));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ user: 'alice', kind: 'jwt', scopes: null });
  });

  it('treats missing, malformed and invalid credentials as anonymous', async () => {
    const { app, calls } = buildApp();
    for (const init of [
      {},
      { headers: { Authorization: 'Basic eA==' } },
      bearer('nope'),
      bearer('syft_pat_revoked'),
    ]) {
      const res = await app.request('/opt', init);
      expect(res.status).toBe(200);
      expect(await res.json()).toBeNull();
    }
    expect(calls).toEqual(['nope', 'syft_pat_revoked']);
  });

  it('does not hide infrastructure failures', async () => {
    const { app } = buildApp();
    const res = await app.request('/opt', bearer('db-down'));
    expect(res.status).toBe(500);
  });
});

describe('requireUser', () => {
  it('answers 401 with WWW-Authenticate: Bearer when no credential is sent', async () => {
    const { app, calls } = buildApp();
    const res = await app.request('/me', { headers: { Authorization: 'Token abc' } });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect(await res.json()).toEqual({ detail: 'Could not validate credentials' });
    expect(calls).toEqual([]);
  });

  it('adds error="invalid_token" and keeps the authenticator detail for a rejected credential', async () => {
    const { app } = buildApp();
    const res = await app.request('/me', bearer('syft_pat_revoked'));
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    expect(await res.json()).toEqual({ detail: 'API token has been revoked' });
    const jwt = await app.request('/me', bearer('expired.jwt.here'));
    expect(await jwt.json()).toEqual({ detail: 'Could not validate credentials' });
  });

  it('keeps a WWW-Authenticate header set by the authenticator', async () => {
    const { app } = buildApp();
    const res = await app.request('/me', bearer('custom-header'));
    expect(res.headers.get('www-authenticate')).toBe(
      'Bearer error="invalid_token", error_description="revoked"',
    );
  });

  it('lets valid JWT and API-token callers through', async () => {
    const { app } = buildApp();
    expect(await (await app.request('/me', bearer('jwt-alice'))).json()).toMatchObject({ user: 'alice' });
    expect(await (await app.request('/me', bearer('syft_pat_read'))).json()).toEqual({
      user: 'alice',
      kind: 'api_token',
      scopes: ['read'],
    });
  });

  it('authenticates once per request however many middlewares are stacked', async () => {
    const { app, calls } = buildApp();
    const res = await app.request('/stacked', bearer('syft_pat_read'));
    expect(res.status).toBe(200);
    expect(calls).toEqual(['syft_pat_read']);
    const rejected = await app.request('/stacked', bearer('syft_pat_revoked'));
    expect(rejected.status).toBe(401);
    expect(await rejected.json()).toEqual({ detail: 'API token has been revoked' });
    expect(calls).toEqual(['syft_pat_read', 'syft_pat_revoked']);
  });
});

describe('requireAdmin', () => {
  it('answers 403 PERMISSION_DENIED to non-admins and 401 to strangers', async () => {
    const { app } = buildApp();
    const denied = await app.request('/admin', bearer('jwt-alice'));
    expect(denied.status).toBe(403);
    expect(await denied.json()).toEqual({
      detail: { code: 'PERMISSION_DENIED', message: 'Operation not permitted' },
    });
    expect((await app.request('/admin')).status).toBe(401);
    const ok = await app.request('/admin', bearer('jwt-root'));
    expect(ok.status).toBe(200);
  });
});

describe('requireScope', () => {
  it('lets JWT sessions through regardless of scope', async () => {
    const { app } = buildApp();
    expect((await app.request('/write', { method: 'POST', ...bearer('jwt-alice') })).status).toBe(200);
    expect((await app.request('/full', { method: 'DELETE', ...bearer('jwt-alice') })).status).toBe(200);
  });

  it('answers 403 INSUFFICIENT_SCOPE to API tokens below the required scope', async () => {
    const { app } = buildApp();
    const res = await app.request('/write', { method: 'POST', ...bearer('syft_pat_read') });
    expect(res.status).toBe(403);
    expect(res.headers.get('www-authenticate')).toBe('Bearer error="insufficient_scope", scope="write"');
    expect(await res.json()).toEqual({
      detail: {
        code: 'INSUFFICIENT_SCOPE',
        message: "This API token lacks the 'write' scope.",
        required_scope: 'write',
      },
    });
    const full = await app.request('/full', { method: 'DELETE', ...bearer('syft_pat_write') });
    expect(full.status).toBe(403);
    expect(await full.json()).toMatchObject({ detail: { required_scope: 'full' } });
    expect((await app.request('/write', { method: 'POST', ...bearer('syft_pat_none') })).status).toBe(403);
  });

  it('allows API tokens holding the scope or a larger one', async () => {
    const { app } = buildApp();
    expect((await app.request('/write', { method: 'POST', ...bearer('syft_pat_write') })).status).toBe(200);
    expect((await app.request('/write', { method: 'POST', ...bearer('syft_pat_full') })).status).toBe(200);
    expect((await app.request('/full', { method: 'DELETE', ...bearer('syft_pat_full') })).status).toBe(200);
  });

  it('still requires a user', async () => {
    const { app } = buildApp();
    const res = await app.request('/write', { method: 'POST' });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
  });
});
