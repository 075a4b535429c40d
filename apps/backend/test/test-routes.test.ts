import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestBackend, type TestBackend } from './harness';

let backend: TestBackend;

beforeAll(async () => {
  backend = await createTestBackend({ HEALTH_CHECK_FAILURE_THRESHOLD: '1' });
});
afterAll(async () => {
  await backend.close();
});

describe('POST /api/v1/__test__/users/{username}/role', () => {
  it('sets the role of a user named in any case and answers the User', async () => {
    const user = await backend.registerUser();
    const before = await backend.api('GET', '/api/v1/admin/overview', { token: user.access_token });
    expect(before.status).toBe(403);

    const res = await backend.api<{ id: number; role: string }>(
      'POST',
      `/api/v1/__test__/users/${user.user.username.toUpperCase()}/role`,
      { json: { role: 'admin' } },
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: user.user.id, role: 'admin' });
    expect((await backend.api('GET', '/api/v1/admin/overview', { token: user.access_token })).status).toBe(
      200,
    );

    const demoted = await backend.api<{ role: string }>(
      'POST',
      `/api/v1/__test__/users/${user.user.username}/role`,
      {
        json: { role: 'guest' },
      },
    );
    expect(demoted.body.role).toBe('guest');
  });

  it('answers 404 for unknown or impossible names and 422 for an unknown role', async () => {
    for (const name of ['nobody-at-all', 'x', 'ü'.repeat(3)]) {
      const res = await backend.api('POST', `/api/v1/__test__/users/${name}/role`, {
        json: { role: 'admin' },
      });
      expect(res.status, name).toBe(404);
      expect(res.body).toEqual({ detail: 'User not found' });
    }
    // A NUL in any input is refused before lookup (the route kit's rule for every route).
    const nul = await backend.api('POST', '/api/v1/__test__/users/%00nul/role', { json: { role: 'admin' } });
    expect(nul.status).toBe(422);
    const user = await backend.registerUser();
    for (const json of [{ role: 'superuser' }, {}, { role: null }]) {
      const res = await backend.api('POST', `/api/v1/__test__/users/${user.user.username}/role`, { json });
      expect(res.status).toBe(422);
    }
  });
});

describe('POST /api/v1/__test__/jobs/health-monitor', () => {
  it('runs one monitor cycle and reports how many endpoints changed state', async () => {
    const owner = await backend.registerUser();
    const domain = await backend.api('PUT', '/api/v1/users/me', {
      token: owner.access_token,
      json: { domain: 'https://satellite.example' },
    });
    expect(domain.status).toBe(200);
    const created = await backend.api('POST', '/api/v1/endpoints', {
      token: owner.access_token,
      json: { name: 'Monitored', type: 'data_source', connect: [{ type: 'http', config: { url: '' } }] },
    });
    expect(created.status).toBe(201);

    // No health report ever arrived: with a threshold of 1 the first cycle deactivates the endpoint.
    const first = await backend.api('POST', '/api/v1/__test__/jobs/health-monitor');
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ changed: 1 });
    const second = await backend.api('POST', '/api/v1/__test__/jobs/health-monitor');
    expect(second.body).toEqual({ changed: 0 });
  });
});

describe('POST /api/v1/__test__/reset', () => {
  it("empties every table and flushes the backend's KV keys, leaving other services' keys", async () => {
    const user = await backend.registerUser();
    const { kv } = backend.deps;
    await kv.set('ratelimit:auth:198.51.100.7', '3');
    await kv.set('auth:revoked-sid:00000000-0000-4000-8000-000000000000', 'logout');
    await kv.set('mcp:oauth:code:abc', 'someone else’s');

    const res = await backend.api('POST', '/api/v1/__test__/reset');
    expect(res.status).toBe(204);
    expect(res.text).toBe('');

    expect(await kv.get('ratelimit:auth:198.51.100.7')).toBeNull();
    expect(await kv.get('auth:revoked-sid:00000000-0000-4000-8000-000000000000')).toBeNull();
    expect(await kv.get('mcp:oauth:code:abc')).toBe('someone else’s');
    await kv.del('mcp:oauth:code:abc');

    expect((await backend.api('GET', '/api/v1/auth/me', { token: user.access_token })).status).toBe(401);
    const login = await backend.api('POST', '/api/v1/auth/login', {
      form: { username: user.user.username, password: user.password },
    });
    expect(login.status).toBe(401);
    // Identities restart, so suites see the same ids on every run.
    const fresh = await backend.registerUser();
    expect(fresh.user.id).toBe(1);
  });
});

describe('without ENABLE_TEST_ROUTES', () => {
  it('mounts none of the test routes', async () => {
    const plain = await createTestBackend({ ENABLE_TEST_ROUTES: 'false' }, { database: backend.database });
    try {
      for (const path of [
        '/api/v1/__test__/reset',
        '/api/v1/__test__/users/alice/role',
        '/api/v1/__test__/jobs/health-monitor',
      ]) {
        const res = await plain.api('POST', path, { json: { role: 'admin' } });
        expect(res.status, path).toBe(404);
        expect(res.body).toEqual({ detail: 'Not Found' });
      }
    } finally {
      await plain.close();
    }
  });
});
