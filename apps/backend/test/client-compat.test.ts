import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestBackend, type TestBackend } from './harness';

// Issue 21: clients written for SyftHub (its web app and SDKs) keep working against this hub.

let backend: TestBackend;

beforeAll(async () => {
  backend = await createTestBackend();
});

afterAll(async () => {
  await backend?.close();
});

describe('error bodies carry a top-level message when detail is an object (point 3)', () => {
  it('a coded 409 of a register retry after a taken username', async () => {
    const taken = await backend.registerUser();
    const res = await backend.api('POST', '/api/v1/auth/register', {
      json: {
        username: taken.user.username,
        email: 'someone-else@example.com',
        full_name: 'Someone Else',
        password: 'correct-horse-1',
      },
    });
    expect(res.status).toBe(409);
    expect(res.body).toEqual({
      detail: { code: 'USER_ALREADY_EXISTS', message: 'Username is not available', field: 'username' },
      message: 'Username is not available',
    });
  });

  it('a coded 403 of an admin route and a coded 501', async () => {
    const user = await backend.registerUser();
    const denied = await backend.api('GET', '/api/v1/users/', { token: user.access_token });
    expect(denied.status).toBe(403);
    expect(denied.body).toEqual({
      detail: { code: 'PERMISSION_DENIED', message: 'Operation not permitted' },
      message: 'Operation not permitted',
    });
    const google = await backend.api('POST', '/api/v1/auth/google', { json: {} });
    expect(google.status).toBe(501);
    expect(google.body).toEqual({
      detail: { code: 'NOT_IMPLEMENTED', message: 'Google sign-in is not supported by this hub.' },
      message: 'Google sign-in is not supported by this hub.',
    });
  });

  it('string and list details are left as they are', async () => {
    const user = await backend.registerUser();
    const login = await backend.api('POST', '/api/v1/auth/login', {
      form: { username: user.user.username, password: 'wrong-password-1' },
    });
    expect(login.status).toBe(401);
    expect(login.body).toEqual({ detail: 'Invalid credentials' });
    const invalid = await backend.api<Record<string, unknown>>('POST', '/api/v1/auth/register', { json: {} });
    expect(invalid.status).toBe(422);
    expect(Array.isArray(invalid.body.detail)).toBe(true);
    expect(Object.keys(invalid.body)).toEqual(['detail']);
  });
});

describe('GET /api/v1/wallet/ answers "no wallet" (point 4)', () => {
  it('as SyftHub answers a user without a wallet, with or without the trailing slash', async () => {
    const user = await backend.registerUser();
    for (const path of ['/api/v1/wallet/', '/api/v1/wallet']) {
      const res = await backend.api('GET', path, { token: user.access_token });
      expect(res.status, path).toBe(200);
      expect(res.body, path).toEqual({ address: null, exists: false });
    }
  });

  it('needs a signed-in caller, as upstream does', async () => {
    const res = await backend.api('GET', '/api/v1/wallet/');
    expect(res.status).toBe(401);
  });

  it('the other wallet routes stay 501', async () => {
    const user = await backend.registerUser();
    for (const [method, path] of [
      ['POST', '/api/v1/wallet/create'],
      ['POST', '/api/v1/wallet/import'],
      ['GET', '/api/v1/wallet/balance'],
      ['GET', '/api/v1/wallet/transactions'],
      ['POST', '/api/v1/wallet/pay'],
      ['GET', '/api/v1/wallet/subscriptions'],
    ] as const) {
      const res = await backend.api(method, path, {
        token: user.access_token,
        ...(method === 'POST' ? { json: {} } : {}),
      });
      expect(res.status, path).toBe(501);
    }
  });
});
