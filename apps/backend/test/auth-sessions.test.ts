import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReplica } from './auth-fixtures';
import { createTestBackend, type TestBackend } from './harness';

interface TokenPair {
  access_token: string;
  refresh_token: string;
  token_type: string;
}

let backend: TestBackend;
let noGrace: TestBackend;

beforeAll(async () => {
  backend = await createTestBackend();
  // Same database, but a refresh token presented twice is reuse at once.
  noGrace = await createTestBackend(
    { REFRESH_TOKEN_REUSE_GRACE_SECONDS: '0' },
    { database: backend.database },
  );
});
afterAll(async () => {
  await noGrace.close();
  await backend.close();
});

const refresh = (app: TestBackend, refreshToken: unknown) =>
  app.api<TokenPair>('POST', '/api/v1/auth/refresh', { json: { refresh_token: refreshToken } });
const me = (app: Pick<TestBackend, 'api'>, token: string) => app.api('GET', '/api/v1/auth/me', { token });
const login = (username: string, password: string) =>
  backend.api<TokenPair>('POST', '/api/v1/auth/login', { form: { username, password } });

function expectUnauthorized(res: { status: number; body: unknown; headers: Headers }, detail: string) {
  expect(res.status).toBe(401);
  expect(res.body).toEqual({ detail });
  expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
}

describe('POST /api/v1/auth/refresh', () => {
  it('rotates: the new pair works and the old refresh token is "already used" within the grace window', async () => {
    const user = await backend.registerUser();
    const rotated = await refresh(backend, user.refresh_token);
    expect(rotated.status).toBe(200);
    expect(Object.keys(rotated.body).sort()).toEqual(['access_token', 'refresh_token', 'token_type']);
    expect(rotated.body.token_type).toBe('bearer');
    expect(rotated.body.refresh_token).not.toBe(user.refresh_token);
    expect((await me(backend, rotated.body.access_token)).status).toBe(200);

    expectUnauthorized(await refresh(backend, user.refresh_token), 'Refresh token already used');
    // Within the grace window nothing is revoked: two tabs refreshing at once keep the session.
    expect((await me(backend, rotated.body.access_token)).status).toBe(200);
    const next = await refresh(backend, rotated.body.refresh_token);
    expect(next.status).toBe(200);
    expect((await me(backend, next.body.access_token)).status).toBe(200);
  });

  it('detects reuse after the grace window and kills the whole session, its access tokens included', async () => {
    const user = await noGrace.registerUser();
    const rotated = await refresh(noGrace, user.refresh_token);
    expect(rotated.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 5));

    expectUnauthorized(await refresh(noGrace, user.refresh_token), 'Refresh token reuse detected');
    expectUnauthorized(await me(noGrace, rotated.body.access_token), 'Could not validate credentials');
    expectUnauthorized(await me(noGrace, user.access_token), 'Could not validate credentials');
    expectUnauthorized(await refresh(noGrace, rotated.body.refresh_token), 'Session has been revoked');

    const other = await noGrace.api<TokenPair>('POST', '/api/v1/auth/login', {
      form: { username: user.user.username, password: user.password },
    });
    expect((await me(noGrace, other.body.access_token)).status).toBe(200);
  });

  it('answers "Invalid refresh token" to garbage, access tokens and forged tokens', async () => {
    const user = await backend.registerUser();
    const [header, payload] = user.refresh_token.split('.');
    const forged = `${header}.${payload}.${'A'.repeat(43)}`;
    for (const token of ['', 'garbage', user.access_token, forged, 'a.b.c']) {
      expectUnauthorized(await refresh(backend, token), 'Invalid refresh token');
    }
    const wrongType = await refresh(backend, 12345);
    expect(wrongType.status).toBe(422);
    expect(JSON.stringify(wrongType.body)).not.toContain('12345');
    expect((await backend.api('POST', '/api/v1/auth/refresh', { json: {} })).status).toBe(422);
  });

  it('counts refreshes by result', async () => {
    const metrics = await backend.api('GET', '/metrics');
    expect(metrics.text).toMatch(/auth_refresh_total\{[^}]*result="success"[^}]*\} [1-9]/);
    expect(metrics.text).toMatch(/auth_refresh_total\{[^}]*result="already_used"[^}]*\} [1-9]/);
    expect(metrics.text).toMatch(/auth_refresh_total\{[^}]*result="invalid"[^}]*\} [1-9]/);
  });
});

describe('POST /api/v1/auth/logout', () => {
  it("revokes the caller's session everywhere, as a second replica sees it too", async () => {
    const replica = await createReplica(backend);
    try {
      const user = await backend.registerUser();
      const other = await login(user.user.username, user.password);
      expect((await me(replica, user.access_token)).status).toBe(200);

      const res = await backend.api('POST', '/api/v1/auth/logout', { token: user.access_token });
      expect(res.status).toBe(204);
      expect(res.text).toBe('');
      expect(res.headers.get('content-type')).toBeNull();

      expectUnauthorized(await me(backend, user.access_token), 'Could not validate credentials');
      expectUnauthorized(await me(replica, user.access_token), 'Could not validate credentials');
      expectUnauthorized(await refresh(backend, user.refresh_token), 'Session has been revoked');
      // The user's other session is untouched.
      expect((await me(replica, other.body.access_token)).status).toBe(200);
    } finally {
      await replica.close();
    }
  });

  it('needs credentials, and leaves an API token working', async () => {
    const anonymous = await backend.api('POST', '/api/v1/auth/logout');
    expectUnauthorized(anonymous, 'Could not validate credentials');
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');

    const user = await backend.registerUser();
    const created = await backend.api<{ token: string }>('POST', '/api/v1/auth/tokens', {
      token: user.access_token,
      json: { name: 'cli', scopes: ['read'] },
    });
    expect(created.status).toBe(201);
    const res = await backend.api('POST', '/api/v1/auth/logout', { token: created.body.token });
    expect(res.status).toBe(204);
    expect((await me(backend, created.body.token)).status).toBe(200);
    expect((await me(backend, user.access_token)).status).toBe(200);
  });
});

describe('PUT /api/v1/auth/me/password', () => {
  const change = (token: string, json: unknown) =>
    backend.api('PUT', '/api/v1/auth/me/password', { token, json });

  it("revokes every other session but keeps the caller's", async () => {
    const user = await backend.registerUser();
    const other = await login(user.user.username, user.password);
    const res = await change(user.access_token, {
      current_password: user.password,
      new_password: 'brand-new-pass-9',
    });
    expect(res.status).toBe(204);
    expect(res.text).toBe('');

    expect((await me(backend, user.access_token)).status).toBe(200);
    expect((await refresh(backend, user.refresh_token)).status).toBe(200);
    expectUnauthorized(await me(backend, other.body.access_token), 'Could not validate credentials');
    expectUnauthorized(await refresh(backend, other.body.refresh_token), 'Session has been revoked');
    expect((await login(user.user.username, user.password)).status).toBe(401);
    expect((await login(user.user.username, 'brand-new-pass-9')).status).toBe(200);
  });

  it('answers 400 for a wrong current password and 422 for a weak new one, changing nothing', async () => {
    const user = await backend.registerUser();
    const wrong = await change(user.access_token, {
      current_password: 'not-my-pass-1',
      new_password: 'brand-new-pass-9',
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body).toEqual({ detail: 'Current password is incorrect' });
    const weak = await change(user.access_token, {
      current_password: user.password,
      new_password: 'weakweak',
    });
    expect(weak.status).toBe(422);
    expect(JSON.stringify(weak.body)).not.toContain('weakweak');
    const missing = await change(user.access_token, { new_password: 'brand-new-pass-9' });
    expect(missing.status).toBe(422);
    expect((await login(user.user.username, user.password)).status).toBe(200);
    expect((await me(backend, user.access_token)).status).toBe(200);
  });

  it('revokes every session when the caller used a full API token, which itself keeps working', async () => {
    const user = await backend.registerUser();
    const tokens: Record<string, string> = {};
    for (const scope of ['write', 'full']) {
      const created = await backend.api<{ token: string }>('POST', '/api/v1/auth/tokens', {
        token: user.access_token,
        json: { name: scope, scopes: [scope] },
      });
      tokens[scope] = created.body.token;
    }
    const denied = await change(tokens.write as string, {
      current_password: user.password,
      new_password: 'brand-new-pass-9',
    });
    expect(denied.status).toBe(403);
    expect(denied.body).toEqual({
      detail: {
        code: 'INSUFFICIENT_SCOPE',
        message: "This API token lacks the 'full' scope.",
        required_scope: 'full',
      },
      message: "This API token lacks the 'full' scope.",
    });

    const res = await change(tokens.full as string, {
      current_password: user.password,
      new_password: 'brand-new-pass-9',
    });
    expect(res.status).toBe(204);
    expectUnauthorized(await me(backend, user.access_token), 'Could not validate credentials');
    expect((await me(backend, tokens.full as string)).status).toBe(200);
  });
});
