import type { TokenPair } from '@syfthub/contracts';
import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../src/errors';
import { createHubClient } from '../src/hub';
import { createRefreshCoordinator, type TokenStore } from '../src/refresh';

function jwt(expSecondsFromNow: number): string {
  const payload = btoa(
    JSON.stringify({ sub: '1', jti: Math.random(), exp: Math.floor(Date.now() / 1000) + expSecondsFromNow }),
  );
  return `eyJhbGciOiJIUzI1NiJ9.${payload.replace(/=+$/, '')}.sig`;
}

function memoryStore(access: string | null, refresh: string | null) {
  const state = { access, refresh };
  const store: TokenStore = {
    getAccessToken: () => state.access,
    getRefreshToken: () => state.refresh,
    setTokens: (pair) => {
      state.access = pair.access_token;
      state.refresh = pair.refresh_token;
    },
  };
  return { store, state };
}

const json = (status: number, body: unknown) =>
  new Response(status === 204 ? null : JSON.stringify(body), {
    status,
    headers: status === 204 ? {} : { 'Content-Type': 'application/json' },
  });

/** A fake hub: `/auth/me` accepts only the tokens in `valid`; `/auth/refresh` is scripted by the test. */
function fakeHub(valid: Set<string>, onRefresh: (refreshToken: string) => Response | Promise<Response>) {
  const calls: { path: string; auth: string | null }[] = [];
  const fetchImpl = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input), 'http://hub.test');
    const auth = new Headers(init?.headers).get('Authorization');
    calls.push({ path: url.pathname, auth });
    if (url.pathname === '/api/v1/auth/refresh') {
      const body = JSON.parse(String(init?.body)) as { refresh_token: string };
      return onRefresh(body.refresh_token);
    }
    const token = auth?.replace(/^Bearer /, '') ?? '';
    if (!valid.has(token)) return json(401, { detail: 'Could not validate credentials' });
    return json(200, { id: 1, username: 'alice' });
  });
  return { fetchImpl, calls };
}

function setup(options: {
  access: string;
  refresh: string | null;
  valid: Set<string>;
  onRefresh: (refreshToken: string) => Response | Promise<Response>;
}) {
  const { store, state } = memoryStore(options.access, options.refresh);
  const hub = fakeHub(options.valid, options.onRefresh);
  const onSessionExpired = vi.fn();
  const locks: string[] = [];
  const coordinator = createRefreshCoordinator({
    store,
    refreshTokens: (refreshToken) => client.auth.refresh(refreshToken),
    runExclusive: async (name, task) => {
      locks.push(name);
      return task();
    },
  });
  const client = createHubClient({
    baseUrl: 'http://hub.test',
    fetch: hub.fetchImpl as typeof fetch,
    getAccessToken: () => coordinator.getAccessToken(),
    refresh: (failed) => coordinator.refresh(failed),
    onSessionExpired,
  });
  return { client, state, hub, onSessionExpired, locks };
}

describe('token refresh', () => {
  it('shares one refresh between concurrent 401s and retries each request once', async () => {
    const fresh = jwt(1800);
    let refreshes = 0;
    const { client, state, hub, onSessionExpired, locks } = setup({
      access: jwt(1800),
      refresh: 'r1',
      valid: new Set([fresh]),
      onRefresh: async () => {
        refreshes++;
        await new Promise((resolve) => setTimeout(resolve, 10));
        return json(200, {
          access_token: fresh,
          refresh_token: 'r2',
          token_type: 'bearer',
        } satisfies TokenPair);
      },
    });
    const results = await Promise.all([client.auth.me(), client.auth.me(), client.auth.me()]);
    expect(results).toHaveLength(3);
    expect(refreshes).toBe(1);
    expect(locks).toEqual(['syft-token-refresh']);
    expect(state).toEqual({ access: fresh, refresh: 'r2' });
    expect(hub.calls.filter((c) => c.path === '/api/v1/auth/me')).toHaveLength(6);
    expect(onSessionExpired).not.toHaveBeenCalled();
  });

  it('never refreshes twice for one request: a 401 after the retry ends the session', async () => {
    let refreshes = 0;
    const { client, onSessionExpired } = setup({
      access: jwt(1800),
      refresh: 'r1',
      valid: new Set(),
      onRefresh: () => {
        refreshes++;
        return json(200, {
          access_token: jwt(1801),
          refresh_token: `r${refreshes + 1}`,
          token_type: 'bearer',
        });
      },
    });
    await expect(client.auth.me()).rejects.toMatchObject({ status: 401 });
    expect(refreshes).toBe(1);
    expect(onSessionExpired).toHaveBeenCalledTimes(1);
  });

  it('ends the session when the hub refuses the refresh token, without retrying', async () => {
    const { client, hub, onSessionExpired } = setup({
      access: jwt(1800),
      refresh: 'r1',
      valid: new Set(),
      onRefresh: () => json(401, { detail: 'Refresh token reuse detected' }),
    });
    await expect(client.auth.me()).rejects.toBeInstanceOf(ApiError);
    expect(onSessionExpired).toHaveBeenCalledTimes(1);
    expect(hub.calls.map((c) => c.path)).toEqual(['/api/v1/auth/me', '/api/v1/auth/refresh']);
    // The refused refresh token is not offered again by the next request.
    await expect(client.auth.me()).rejects.toMatchObject({ status: 401 });
    expect(hub.calls.filter((c) => c.path === '/api/v1/auth/refresh')).toHaveLength(1);
  });

  it('uses a token another tab stored instead of refreshing again', async () => {
    const other = jwt(1800);
    const onRefresh = vi.fn(() => json(500, {}));
    const { client, state, onSessionExpired } = setup({
      access: jwt(1800),
      refresh: 'r1',
      valid: new Set([other]),
      onRefresh,
    });
    const original = state.access;
    const pending = client.auth.me();
    // Another tab rotated the tokens while our request was in flight.
    state.access = other;
    await expect(pending).resolves.toMatchObject({ username: 'alice' });
    expect(original).not.toBe(other);
    expect(onRefresh).not.toHaveBeenCalled();
    expect(onSessionExpired).not.toHaveBeenCalled();
  });

  it('keeps the session when the refresh fails on the network', async () => {
    const { client, onSessionExpired } = setup({
      access: jwt(1800),
      refresh: 'r1',
      valid: new Set(),
      onRefresh: () => {
        throw new TypeError('fetch failed');
      },
    });
    await expect(client.auth.me()).rejects.toMatchObject({ status: 0 });
    expect(onSessionExpired).not.toHaveBeenCalled();
  });

  it('refreshes before sending when the access token expires within 60 s', async () => {
    const fresh = jwt(1800);
    const { client, hub } = setup({
      access: jwt(30),
      refresh: 'r1',
      valid: new Set([fresh]),
      onRefresh: () => json(200, { access_token: fresh, refresh_token: 'r2', token_type: 'bearer' }),
    });
    await client.auth.me();
    expect(hub.calls.map((c) => c.path)).toEqual(['/api/v1/auth/refresh', '/api/v1/auth/me']);
    expect(hub.calls[1]?.auth).toBe(`Bearer ${fresh}`);
  });

  it('does not refresh for requests sent without credentials', async () => {
    const onRefresh = vi.fn(() => json(500, {}));
    const { client, onSessionExpired } = setup({ access: '', refresh: 'r1', valid: new Set(), onRefresh });
    await expect(client.auth.me()).rejects.toMatchObject({ status: 401 });
    expect(onRefresh).not.toHaveBeenCalled();
    expect(onSessionExpired).not.toHaveBeenCalled();
  });
});

describe('request conventions', () => {
  it('sends Accept and a fresh UUID correlation id, and form-encodes login', async () => {
    const seen: Headers[] = [];
    const bodies: string[] = [];
    const client = createHubClient({
      fetch: (async (_input: RequestInfo | URL, init?: RequestInit) => {
        seen.push(new Headers(init?.headers));
        bodies.push(String(init?.body ?? ''));
        return json(200, { user: {}, access_token: 'a', refresh_token: 'r', token_type: 'bearer' });
      }) as typeof fetch,
    });
    await client.auth.login('alice@example.com', 'p@ss word1');
    await client.auth.login('alice', 'x');
    expect(seen[0]?.get('Accept')).toBe('application/json');
    expect(seen[0]?.get('Content-Type')).toBe('application/x-www-form-urlencoded');
    expect(seen[0]?.get('X-Correlation-ID')).toMatch(/^[0-9a-f-]{36}$/);
    expect(seen[0]?.get('X-Correlation-ID')).not.toBe(seen[1]?.get('X-Correlation-ID'));
    expect(bodies[0]).toBe('username=alice%40example.com&password=p%40ss+word1');
  });

  it('reads the export file name from Content-Disposition', async () => {
    const client = createHubClient({
      getAccessToken: () => 'tok',
      fetch: (async () =>
        new Response('id,username\n', {
          status: 200,
          headers: {
            'Content-Type': 'text/csv; charset=utf-8',
            'Content-Disposition': 'attachment; filename="syfthub-users-20260708.csv"',
          },
        })) as typeof fetch,
    });
    const file = await client.admin.exportUsers({ role: 'admin' });
    expect(file.filename).toBe('syfthub-users-20260708.csv');
    expect(await file.blob.text()).toBe('id,username\n');
  });
});
