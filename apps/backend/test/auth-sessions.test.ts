import { and, eq, isNull, refreshTokens, users } from '@syfthub/db';
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
    // Its successor is used, so the old token can no longer be a lost successor's parent (issue 21).
    const next = await refresh(backend, rotated.body.refresh_token);
    expect(next.status).toBe(200);

    expectUnauthorized(await refresh(backend, user.refresh_token), 'Refresh token already used');
    // Within the grace window nothing is revoked: two tabs refreshing at once keep the session.
    expect((await me(backend, next.body.access_token)).status).toBe(200);
    const after = await refresh(backend, next.body.refresh_token);
    expect(after.status).toBe(200);
    expect((await me(backend, after.body.access_token)).status).toBe(200);
  });

  it('detects reuse after the grace window and kills the whole session, its access tokens included', async () => {
    const user = await noGrace.registerUser();
    const rotated = await refresh(noGrace, user.refresh_token);
    expect(rotated.status).toBe(200);
    // The successor is used (by its holder), so presenting the old token again is a theft, not a lost successor.
    const used = await refresh(noGrace, rotated.body.refresh_token);
    expect(used.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 5));

    expectUnauthorized(await refresh(noGrace, user.refresh_token), 'Refresh token reuse detected');
    expectUnauthorized(await me(noGrace, used.body.access_token), 'Could not validate credentials');
    expectUnauthorized(await refresh(noGrace, used.body.refresh_token), 'Session has been revoked');
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

describe('a lost successor is not a theft (issue 21 point 1)', () => {
  // What SyftHub's web app does: it stores the pair of the login only; a silent refresh after a 401 keeps the new
  // pair in memory, and the next reload or tab presents the login-time refresh token again.
  it.each([
    ['after the grace window', () => noGrace],
    ['within the grace window', () => backend],
  ])(
    'login, refresh in memory, reload with the login-time token: the session keeps working (%s)',
    async (_when, app) => {
      const hub = app();
      const user = await hub.registerUser();
      const login = await hub.api<TokenPair>('POST', '/api/v1/auth/login', {
        form: { username: user.user.username, password: user.password },
      });
      expect(login.status).toBe(200);
      const inMemory = await refresh(hub, login.body.refresh_token);
      expect(inMemory.status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 5));

      const reload = await refresh(hub, login.body.refresh_token);
      expect(reload.status).toBe(200);
      expect((await me(hub, reload.body.access_token)).status).toBe(200);
      // And again at the next reload: the login-time token now points to the pair of the last reload.
      const again = await refresh(hub, login.body.refresh_token);
      expect(again.status).toBe(200);
      expect((await me(hub, again.body.access_token)).status).toBe(200);
      // The pairs in between still carry valid access tokens until they expire; their refresh tokens are dead.
      const next = await refresh(hub, again.body.refresh_token);
      expect(next.status).toBe(200);
      expect((await me(hub, next.body.access_token)).status).toBe(200);
    },
  );

  it('a dead successor presented later is a theft: the family is revoked', async () => {
    const user = await noGrace.registerUser();
    const lost = await refresh(noGrace, user.refresh_token);
    expect(lost.status).toBe(200);
    const reload = await refresh(noGrace, user.refresh_token);
    expect(reload.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 5));

    expectUnauthorized(await refresh(noGrace, lost.body.refresh_token), 'Refresh token reuse detected');
    expectUnauthorized(await me(noGrace, reload.body.access_token), 'Could not validate credentials');
    expectUnauthorized(await refresh(noGrace, reload.body.refresh_token), 'Session has been revoked');
    expectUnauthorized(await refresh(noGrace, user.refresh_token), 'Session has been revoked');
  });

  it('a superseded token whose successor was used is a theft: the family is revoked', async () => {
    const user = await noGrace.registerUser();
    const thief = await refresh(noGrace, user.refresh_token);
    const thiefNext = await refresh(noGrace, thief.body.refresh_token);
    expect(thiefNext.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 5));

    expectUnauthorized(await refresh(noGrace, user.refresh_token), 'Refresh token reuse detected');
    expectUnauthorized(await me(noGrace, thiefNext.body.access_token), 'Could not validate credentials');
    expectUnauthorized(await refresh(noGrace, thiefNext.body.refresh_token), 'Session has been revoked');
  });
});

describe('concurrent refreshes of one token (issue 19 mutation: the rotation guard)', () => {
  const jtiOf = (jwt: string) =>
    (JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString()) as { jti: string }).jti;

  it('leave exactly one usable refresh token in the session, 10 times over', async () => {
    for (let pair = 0; pair < 10; pair++) {
      const user = await noGrace.registerUser();
      const results = await Promise.all(
        Array.from({ length: 10 }, () => refresh(noGrace, user.refresh_token)),
      );
      const won = results.filter((res) => res.status === 200);
      expect(won.length).toBeGreaterThanOrEqual(1);
      for (const res of results) {
        if (res.status !== 200) expectUnauthorized(res, 'Refresh token already used');
      }
      const sid = (
        JSON.parse(Buffer.from(user.refresh_token.split('.')[1] ?? '', 'base64url').toString()) as {
          sid: string;
        }
      ).sid;
      const live = await noGrace.deps.db
        .select({ jti: refreshTokens.jti })
        .from(refreshTokens)
        .where(
          and(eq(refreshTokens.familyId, sid), isNull(refreshTokens.usedAt), isNull(refreshTokens.revokedAt)),
        );
      expect(live).toHaveLength(1);
      const winner = won.find((res) => jtiOf(res.body.refresh_token) === live[0]?.jti);
      expect(winner).toBeDefined();
      expect((await refresh(noGrace, winner?.body.refresh_token)).status).toBe(200);
    }
  });

  it('of a superseded token whose successor is unused also leave exactly one, 10 times over', async () => {
    for (let pair = 0; pair < 10; pair++) {
      const user = await noGrace.registerUser();
      expect((await refresh(noGrace, user.refresh_token)).status).toBe(200);
      const results = await Promise.all(
        Array.from({ length: 10 }, () => refresh(noGrace, user.refresh_token)),
      );
      expect(results.filter((res) => res.status === 200).length).toBeGreaterThanOrEqual(1);
      for (const res of results) {
        if (res.status !== 200) expectUnauthorized(res, 'Refresh token already used');
      }
      const sid = (
        JSON.parse(Buffer.from(user.refresh_token.split('.')[1] ?? '', 'base64url').toString()) as {
          sid: string;
        }
      ).sid;
      const live = await noGrace.deps.db
        .select({ jti: refreshTokens.jti })
        .from(refreshTokens)
        .where(
          and(eq(refreshTokens.familyId, sid), isNull(refreshTokens.usedAt), isNull(refreshTokens.revokedAt)),
        );
      expect(live).toHaveLength(1);
    }
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

describe('access tokens used again and again (verification remembered, lookups shared)', () => {
  it('a burst of requests with one token all succeed and all see the user', async () => {
    const user = await backend.registerUser();
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        backend.api<{ id: number }>('GET', '/api/v1/auth/me', { token: user.access_token }),
      ),
    );
    expect(answers.map((res) => [res.status, res.body.id])).toEqual(answers.map(() => [200, user.user.id]));
  });

  it('the user row is read on every request: a change made behind the sessions is seen by the next one', async () => {
    const user = await backend.registerUser();
    expect((await me(backend, user.access_token)).status).toBe(200);
    // Written straight to the database: no session is revoked, so only a fresh read of the row can notice.
    await backend.deps.db.update(users).set({ isActive: false }).where(eq(users.id, user.user.id));
    expectUnauthorized(await me(backend, user.access_token), 'Could not validate credentials');
    await backend.deps.db
      .update(users)
      .set({ isActive: true, role: 'admin' })
      .where(eq(users.id, user.user.id));
    const again = await backend.api<{ role: string }>('GET', '/api/v1/auth/me', { token: user.access_token });
    expect(again.status).toBe(200);
    expect(again.body.role).toBe('admin');
  });

  it('a token that failed verification stays rejected, and a tampered copy of a good one is rejected', async () => {
    const user = await backend.registerUser();
    expect((await me(backend, user.access_token)).status).toBe(200);
    const [header, payload, signature] = user.access_token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: '1' })).toString('base64url');
    for (const token of [
      `${header}.${forged}.${signature}`,
      `${header}.${payload}.${signature.slice(0, -2)}AA`,
    ]) {
      expectUnauthorized(await me(backend, token), 'Could not validate credentials');
      expectUnauthorized(await me(backend, token), 'Could not validate credentials');
    }
  });
});
