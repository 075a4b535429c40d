import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestBackend, type TestBackend } from './harness';

let backend: TestBackend;

beforeAll(async () => {
  backend = await createTestBackend({
    RATE_LIMIT_ENABLED: 'true',
    AUTH_RATE_LIMIT_MAX: '2',
    REFRESH_RATE_LIMIT_MAX: '2',
  });
});
afterAll(async () => {
  await backend.close();
});

const ip = (n: number) => ({ 'X-Real-IP': `203.0.113.${n}` });

function expectLimitHeaders(headers: Headers, remaining: number) {
  expect(headers.get('x-ratelimit-limit')).toBe('2');
  expect(headers.get('x-ratelimit-remaining')).toBe(String(remaining));
  const reset = Number(headers.get('x-ratelimit-reset'));
  const now = Date.now() / 1000;
  expect(reset).toBeGreaterThan(now);
  expect(reset).toBeLessThanOrEqual(now + 61);
}

function expectLimited(res: { status: number; body: unknown; headers: Headers }) {
  expect(res.status).toBe(429);
  expect(res.body).toEqual({ detail: 'Too many requests. Please slow down and try again later.' });
  const retryAfter = Number(res.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(61);
  expectLimitHeaders(res.headers, 0);
}

describe('rate limits', () => {
  it('limits login per IP, with X-RateLimit-* on every answer, errors included', async () => {
    const attempt = (n: number) =>
      backend.api('POST', '/api/v1/auth/login', {
        form: { username: 'nobody', password: 'x' },
        headers: ip(n),
      });
    const first = await attempt(1);
    expect(first.status).toBe(401);
    expectLimitHeaders(first.headers, 1);
    const second = await attempt(1);
    expect(second.status).toBe(401);
    expectLimitHeaders(second.headers, 0);
    expectLimited(await attempt(1));

    const elsewhere = await attempt(2);
    expect(elsewhere.status).toBe(401);
    expectLimitHeaders(elsewhere.headers, 1);
  });

  it('shares the auth bucket between registration and the e-mail routes, apart from login', async () => {
    const headers = ip(10);
    for (let i = 0; i < 2; i++) {
      const name = `limited${Date.now().toString(36)}${i}`;
      const res = await backend.api('POST', '/api/v1/auth/register', {
        json: { username: name, email: `${name}@example.com`, full_name: 'L', password: 'limit-pass-1' },
        headers,
      });
      expect(res.status).toBe(201);
      expectLimitHeaders(res.headers, 1 - i);
    }
    expectLimited(await backend.api('POST', '/api/v1/auth/password-reset/request', { json: {}, headers }));
    const login = await backend.api('POST', '/api/v1/auth/login', {
      form: { username: 'x', password: 'y' },
      headers,
    });
    expect(login.status).toBe(401);
  });

  it('limits refresh in its own bucket', async () => {
    const headers = ip(20);
    for (const remaining of [1, 0]) {
      const res = await backend.api('POST', '/api/v1/auth/refresh', {
        json: { refresh_token: 'x' },
        headers,
      });
      expect(res.status).toBe(401);
      expectLimitHeaders(res.headers, remaining);
    }
    expectLimited(
      await backend.api('POST', '/api/v1/auth/refresh', { json: { refresh_token: 'x' }, headers }),
    );
  });

  it('leaves routes without a bucket unlimited', async () => {
    const res = await backend.api('GET', '/api/v1/auth/config', { headers: ip(30) });
    expect(res.headers.get('x-ratelimit-limit')).toBeNull();
  });
});

describe('hostile bodies', () => {
  it('answers 413 to a body over 1 MiB', async () => {
    const huge = JSON.stringify({
      username: 'big',
      email: 'big@example.com',
      full_name: 'x'.repeat(1_100_000),
    });
    const res = await backend.api('POST', '/api/v1/auth/register', {
      raw: huge,
      headers: { 'Content-Type': 'application/json', ...ip(40) },
    });
    expect(res.status).toBe(413);
    expect(res.body).toEqual({ detail: 'Request body too large' });
  });

  it('answers 422 json_invalid to malformed JSON', async () => {
    const user = await backend.registerUser();
    const cases: Array<[string, string, string | undefined]> = [
      ['POST', '/api/v1/auth/register', undefined],
      ['POST', '/api/v1/auth/refresh', undefined],
      ['POST', '/api/v1/auth/tokens', user.access_token],
      ['PUT', '/api/v1/auth/me/password', user.access_token],
    ];
    for (const [method, path, token] of cases) {
      const res = await backend.api<{ detail: Array<{ type: string; loc: unknown[] }> }>(method, path, {
        raw: '{"username": "x",',
        token,
        headers: { 'Content-Type': 'application/json', ...ip(41) },
      });
      expect(res.status, path).toBe(422);
      expect(res.body.detail[0]?.type).toBe('json_invalid');
      expect(res.body.detail[0]?.loc[0]).toBe('body');
    }
  });
});
