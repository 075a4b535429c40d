import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { clientIp, DEFAULT_TRUSTED_PROXIES, parseCidrList } from '../src/client-ip';
import { ApiError } from '../src/errors';
import { createKv, type Kv } from '../src/kv';
import {
  checkRateLimit,
  RATE_LIMIT_UNAVAILABLE_DETAIL,
  RATE_LIMITED_DETAIL,
  type RateLimitOptions,
  rateLimit,
  rateLimitKey,
} from '../src/rate-limit';

const redisUrl = process.env.REDIS_URL;
const trusted = parseCidrList(DEFAULT_TRUSTED_PROXIES);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A tiny app whose onError renders ApiError the way the services do: status, `{detail}`, headers. */
function buildApp(options: Omit<RateLimitOptions, 'keyOf'>) {
  const app = new Hono();
  app.onError((err, c) => {
    if (err instanceof ApiError) {
      return c.json({ detail: err.detail }, err.status as ContentfulStatusCode, err.headers);
    }
    return c.json({ detail: 'An internal error occurred. Please try again later.' }, 500);
  });
  app.use('/limited/*', rateLimit({ ...options, keyOf: (c) => clientIp(c, trusted) }));
  app.get('/limited/ok', (c) => c.json({ ok: true }));
  app.get('/limited/not-found', () => {
    throw new ApiError(404, 'Endpoint not found');
  });
  app.get('/limited/unauthorized', () => {
    throw new ApiError(401, 'Could not validate credentials', { 'WWW-Authenticate': 'Bearer' });
  });
  app.get('/limited/crash', () => {
    throw new Error('boom');
  });
  app.get('/limited/raw', () => new Response('raw body', { status: 202 }));
  app.get('/free', (c) => c.json({ ok: true }));
  return app;
}

const from = (ip: string) => ({ headers: { 'X-Real-IP': ip } });

function limitHeaders(res: Response) {
  return {
    limit: res.headers.get('X-RateLimit-Limit'),
    remaining: res.headers.get('X-RateLimit-Remaining'),
    reset: Number(res.headers.get('X-RateLimit-Reset')),
  };
}

const adapters: { name: string; open: (keyPrefix: string) => Kv }[] = [
  { name: 'memory', open: (keyPrefix) => createKv('memory://', { keyPrefix }) },
];
if (redisUrl) adapters.push({ name: 'redis', open: (keyPrefix) => createKv(redisUrl, { keyPrefix }) });

describe.each(adapters)('rate limit over $name', ({ open }) => {
  let kv: Kv;

  beforeAll(() => {
    kv = open(`test:rate-limit:${randomUUID()}:`);
  });
  afterAll(async () => {
    await kv.deleteByPrefix('');
    await kv.close();
  });

  it('counts down on every response and answers 429 with Retry-After over the limit', async () => {
    const onReject = vi.fn();
    const app = buildApp({ kv, bucket: 'count', max: 3, windowSeconds: 60, onReject });
    const started = Math.floor(Date.now() / 1000);

    const remaining: (string | null)[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await app.request('/limited/ok', from('203.0.113.10'));
      expect(res.status).toBe(200);
      const headers = limitHeaders(res);
      expect(headers.limit).toBe('3');
      expect(headers.reset).toBeGreaterThanOrEqual(started + 59);
      expect(headers.reset).toBeLessThanOrEqual(started + 62);
      remaining.push(headers.remaining);
    }
    expect(remaining).toEqual(['2', '1', '0']);
    expect(onReject).not.toHaveBeenCalled();

    const rejected = await app.request('/limited/ok', from('203.0.113.10'));
    expect(rejected.status).toBe(429);
    expect(rejected.headers.get('Content-Type')).toMatch(/^application\/json/);
    expect(await rejected.json()).toEqual({ detail: RATE_LIMITED_DETAIL });
    const retryAfter = Number(rejected.headers.get('Retry-After'));
    expect(retryAfter).toBeGreaterThanOrEqual(58);
    expect(retryAfter).toBeLessThanOrEqual(61);
    expect(limitHeaders(rejected)).toMatchObject({ limit: '3', remaining: '0' });
    expect(onReject).toHaveBeenCalledWith(
      expect.objectContaining({ bucket: 'count', key: '203.0.113.10', count: 4, limit: 3 }),
    );

    expect(await kv.get(rateLimitKey('count', '203.0.113.10'))).toBe('4');
    const otherClient = await app.request('/limited/ok', from('203.0.113.11'));
    expect(otherClient.status).toBe(200);
    expect(otherClient.headers.get('X-RateLimit-Remaining')).toBe('2');
  });

  it('puts the headers on error responses built by onError and on raw responses', async () => {
    const app = buildApp({ kv, bucket: 'errors', max: 10, windowSeconds: 60 });

    const notFound = await app.request('/limited/not-found', from('198.51.100.1'));
    expect(notFound.status).toBe(404);
    expect(await notFound.json()).toEqual({ detail: 'Endpoint not found' });
    expect(limitHeaders(notFound)).toMatchObject({ limit: '10', remaining: '9' });

    const unauthorized = await app.request('/limited/unauthorized', from('198.51.100.1'));
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers.get('WWW-Authenticate')).toBe('Bearer');
    expect(unauthorized.headers.get('X-RateLimit-Remaining')).toBe('8');

    const crash = await app.request('/limited/crash', from('198.51.100.1'));
    expect(crash.status).toBe(500);
    expect(crash.headers.get('X-RateLimit-Remaining')).toBe('7');

    const raw = await app.request('/limited/raw', from('198.51.100.1'));
    expect(raw.status).toBe(202);
    expect(await raw.text()).toBe('raw body');
    expect(raw.headers.get('X-RateLimit-Remaining')).toBe('6');

    const unlimited = await app.request('/free', from('198.51.100.1'));
    expect(unlimited.headers.get('X-RateLimit-Limit')).toBeNull();
  });

  it('lets requests through again once the window has ended', async () => {
    const app = buildApp({ kv, bucket: 'window', max: 1, windowSeconds: 0.4 });
    expect((await app.request('/limited/ok', from('192.0.2.1'))).status).toBe(200);
    expect((await app.request('/limited/ok', from('192.0.2.1'))).status).toBe(429);
    await sleep(550);
    const again = await app.request('/limited/ok', from('192.0.2.1'));
    expect(again.status).toBe(200);
    expect(again.headers.get('X-RateLimit-Remaining')).toBe('0');
  });

  it('does nothing when disabled', async () => {
    const app = buildApp({ kv, bucket: 'off', max: 1, windowSeconds: 60, enabled: false });
    for (let i = 0; i < 3; i++) {
      const res = await app.request('/limited/ok', from('192.0.2.2'));
      expect(res.status).toBe(200);
      expect(res.headers.get('X-RateLimit-Limit')).toBeNull();
    }
    expect(await kv.exists(rateLimitKey('off', '192.0.2.2'))).toBe(false);
  });

  it('checkRateLimit allows up to max hits per window', async () => {
    const key = 'ratelimit:otp:alice@example.com';
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await checkRateLimit(kv, key, 2, 60));
    expect(results.map((r) => [r.allowed, r.count, r.remaining])).toEqual([
      [true, 1, 1],
      [true, 2, 0],
      [false, 3, 0],
    ]);
    expect(results[2]?.resetAt).toBe(results[0]?.resetAt);
  });
});

describe('rate limit with Redis down', () => {
  let deadKv: Kv;

  beforeAll(() => {
    deadKv = createKv('redis://127.0.0.1:1', { keyPrefix: 'test:rate-limit-dead:' });
  });
  afterAll(async () => {
    await deadKv.close();
  });

  it('fails open by default: the request passes and the error is reported', async () => {
    const onError = vi.fn();
    const app = buildApp({ kv: deadKv, bucket: 'open', max: 1, windowSeconds: 60, onError });
    const res = await app.request('/limited/ok');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
    expect(onError).toHaveBeenCalledTimes(1);
  });

  it('fails closed with 429 when failOpen is false', async () => {
    const onError = vi.fn();
    const app = buildApp({
      kv: deadKv,
      bucket: 'closed',
      max: 1,
      windowSeconds: 60,
      failOpen: false,
      onError,
    });
    const res = await app.request('/limited/ok');
    expect(res.status).toBe(429);
    expect(await res.json()).toEqual({ detail: RATE_LIMIT_UNAVAILABLE_DETAIL });
    expect(Number(res.headers.get('Retry-After'))).toBeGreaterThan(0);
    expect(onError).toHaveBeenCalledTimes(1);
  });
});

describe('rate limit settings', () => {
  it('refuses limits that cannot work', async () => {
    const kv = createKv('memory://');
    const keyOf = () => 'k';
    expect(() => rateLimit({ kv, bucket: 'b', max: 0, windowSeconds: 60, keyOf })).toThrow(RangeError);
    expect(() => rateLimit({ kv, bucket: 'b', max: 1.5, windowSeconds: 60, keyOf })).toThrow(RangeError);
    expect(() => rateLimit({ kv, bucket: 'b', max: 5, windowSeconds: 0, keyOf })).toThrow(RangeError);
    await expect(checkRateLimit(kv, 'k', -1, 60)).rejects.toThrow(RangeError);
    await kv.close();
  });
});
