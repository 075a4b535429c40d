import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestBackend, type TestBackend } from './harness';

// Issue 19 defect 8: logins were limited per IP only, so rotating addresses within one IPv6 /64 gave unlimited
// guesses against an account, and a flood of sign-ins queued behind argon2 without bound.

let backend: TestBackend;

beforeAll(async () => {
  backend = await createTestBackend({
    RATE_LIMIT_ENABLED: 'true',
    AUTH_RATE_LIMIT_MAX: '4',
    LOGIN_ACCOUNT_FAILURE_MAX: '5',
  });
});
afterAll(async () => {
  await backend.close();
});

let host = 0;
/** A fresh IPv4 client each call, so only the per-account limit can bite. */
const freshIpv4 = () => {
  host += 1;
  return { 'X-Real-IP': `203.0.${Math.floor(host / 250)}.${(host % 250) + 1}` };
};

const login = (username: string, password: string, headers: Record<string, string>) =>
  backend.api('POST', '/api/v1/auth/login', { form: { username, password }, headers });

describe('per-account sign-in limit', () => {
  it('answers 429 after LOGIN_ACCOUNT_FAILURE_MAX attempts from any addresses, even with the right password', async () => {
    const { user, password } = await backend.registerUser();
    for (let i = 0; i < 5; i++) {
      expect((await login(user.username, `wrong-pass-${i}`, freshIpv4())).status).toBe(401);
    }
    const locked = await login(user.email, password, freshIpv4());
    expect(locked.status).toBe(429);
    expect(locked.body).toEqual({ detail: 'Too many sign-in attempts for this account. Try again later.' });
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('answers an unknown account exactly like a known one (no enumeration)', async () => {
    const answers: string[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await login('nobody-by-this-name', `wrong-pass-${i}`, freshIpv4());
      answers.push(`${res.status} ${res.text}`);
    }
    expect(answers.slice(0, 5)).toEqual(Array(5).fill('401 {"detail":"Invalid credentials"}'));
    expect(answers[5]).toBe('429 {"detail":"Too many sign-in attempts for this account. Try again later."}');
  });

  it('a successful sign-in clears the count', async () => {
    const { user, password } = await backend.registerUser();
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 4; i++) await login(user.username, 'wrong-pass-1', freshIpv4());
      expect((await login(user.username, password, freshIpv4())).status).toBe(200);
    }
  });
});

describe('per-IP limits count an IPv6 client by its /64', () => {
  it('rotating addresses inside one /64 does not escape the auth-login bucket', async () => {
    const statuses: number[] = [];
    for (let i = 1; i <= 5; i++) {
      const res = await login(`rotating${i}`, 'wrong-pass-1', {
        'X-Real-IP': `2001:db8:77:1::${i.toString(16)}`,
      });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 429]);
    const neighbour = await login('rotating6', 'wrong-pass-1', { 'X-Real-IP': '2001:db8:77:2::1' });
    expect(neighbour.status).toBe(401);
  });
});

describe('argon2 wait queue', () => {
  it('refuses a flood quickly with 503 and Retry-After instead of queueing it without bound', async () => {
    const busy = await createTestBackend({
      ARGON2_MEMORY_KIB: '8192',
      ARGON2_ITERATIONS: '2',
      ARGON2_MAX_CONCURRENT: '1',
      ARGON2_MAX_QUEUED: '2',
    });
    try {
      const { user } = await busy.registerUser();
      const answers = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          busy.api('POST', '/api/v1/auth/login', {
            form: { username: user.username, password: `guess-${i}` },
          }),
        ),
      );
      const statuses = answers.map((a) => a.status);
      expect(statuses.every((s) => s === 401 || s === 503)).toBe(true);
      const refused = answers.filter((a) => a.status === 503);
      expect(refused.length).toBeGreaterThan(0);
      for (const res of refused) {
        expect(res.headers.get('retry-after')).toBe('2');
        expect(res.body).toEqual({
          detail: 'Too many sign-ins are being processed right now. Try again in a moment.',
        });
      }
    } finally {
      await busy.close();
    }
  });
});
