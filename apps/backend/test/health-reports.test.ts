import { endpoints, eq, users } from '@syfthub/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Account,
  createEndpoint,
  type EndpointJson,
  locsOf,
  setEndpointColumns,
} from './endpoints-fixtures';
import { createTestBackend, type TestBackend } from './harness';

let backend: TestBackend;
beforeAll(async () => {
  backend = await createTestBackend();
});
afterAll(async () => {
  await backend.close();
});

const report = (account: Account, json: unknown) =>
  backend.api('POST', '/api/v1/endpoints/health', { token: account.access_token, json });

async function rowOf(id: number) {
  const [row] = await backend.deps.db.select().from(endpoints).where(eq(endpoints.id, id));
  return row!;
}

describe('POST /api/v1/endpoints/health', () => {
  it('sets health fields by slug (any case, any state), ignores unknown slugs, never bumps updated_at', async () => {
    const owner = await backend.registerUser();
    const a = await createEndpoint(backend, owner.access_token, { name: 'Alpha' });
    const b = await createEndpoint(backend, owner.access_token, { name: 'Beta' });
    await setEndpointColumns(backend, b.id, { isActive: false });
    const checkedAt = '2026-01-01T10:00:00.500+02:00';
    const res = await report(owner, {
      endpoints: [
        { slug: 'ALPHA', status: 'healthy', checked_at: checkedAt },
        { slug: 'beta', status: 'unhealthy', checked_at: '2026-01-01T08:00:00' },
        { slug: 'nope', status: 'healthy', checked_at: checkedAt },
      ],
      ttl_seconds: 180,
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ updated: 2, ignored: 1 });
    const alpha = await rowOf(a.id);
    expect(alpha).toMatchObject({ healthStatus: 'healthy', healthTtlSeconds: 180 });
    expect(alpha.healthCheckedAt?.toISOString()).toBe('2026-01-01T08:00:00.500Z');
    expect(alpha.updatedAt.toISOString()).toBe(a.updated_at);
    const beta = await rowOf(b.id);
    expect(beta).toMatchObject({ healthStatus: 'unhealthy', isActive: false });
    expect(beta.healthCheckedAt?.toISOString()).toBe('2026-01-01T08:00:00.000Z');
  });

  it('clamps the TTL to the maximum (default when absent) and future checked_at to now', async () => {
    const owner = await backend.registerUser();
    const made = await createEndpoint(backend, owner.access_token, { name: 'Clamped' });
    const item = (checked_at: string) => ({
      endpoints: [{ slug: 'clamped', status: 'healthy', checked_at }],
    });
    await report(owner, { ...item(new Date().toISOString()), ttl_seconds: 3600 });
    expect((await rowOf(made.id)).healthTtlSeconds).toBe(1800);
    await report(owner, { ...item(new Date().toISOString()), ttl_seconds: null });
    expect((await rowOf(made.id)).healthTtlSeconds).toBe(300);
    const farFuture = new Date(Date.now() + 3_600_000).toISOString();
    const before = Date.now();
    await report(owner, item(farFuture));
    const clamped = (await rowOf(made.id)).healthCheckedAt!.getTime();
    expect(clamped).toBeGreaterThanOrEqual(before - 1000);
    expect(clamped).toBeLessThanOrEqual(Date.now() + 1000);
    const nearFuture = new Date(Date.now() + 30_000);
    await report(owner, item(nearFuture.toISOString()));
    expect((await rowOf(made.id)).healthCheckedAt!.toISOString()).toBe(nearFuture.toISOString());
  });

  it('publishes the owner domain from url, reduced to scheme://host[:port], or a tunneling name', async () => {
    const owner = await backend.registerUser();
    await createEndpoint(backend, owner.access_token, { name: 'Domain' });
    const domainOf = async () =>
      (
        await backend.deps.db.select({ domain: users.domain }).from(users).where(eq(users.id, owner.user.id))
      )[0]!.domain;
    const item = { slug: 'domain', status: 'healthy', checked_at: new Date().toISOString() };
    await report(owner, { endpoints: [item], url: 'https://Sat.Example.com:8443/some/path/' });
    expect(await domainOf()).toBe('https://sat.example.com:8443');
    await report(owner, { endpoints: [item] });
    expect(await domainOf()).toBe('https://sat.example.com:8443');
    await report(owner, { endpoints: [item], url: `tunneling:${owner.user.username.toUpperCase()}` });
    expect(await domainOf()).toBe(`tunneling:${owner.user.username}`);
    // tunnelling.md §3.6 [fix]: a tunnel named after someone else is refused.
    const foreign = await report(owner, { endpoints: [item], url: 'tunneling:someone-else' });
    expect(foreign.status).toBe(422);
    expect(locsOf(foreign.body)).toEqual([['body', 'url']]);
    expect(await domainOf()).toBe(`tunneling:${owner.user.username}`);
    const bad = await report(owner, { endpoints: [item], url: 'ftp://x.example.com' });
    expect(bad.status).toBe(422);
    expect(locsOf(bad.body)).toEqual([['body', 'url']]);
  });

  it('validates the body', async () => {
    const owner = await backend.registerUser();
    const ok = { slug: 'abc', status: 'healthy', checked_at: '2026-01-01T00:00:00Z' };
    const cases: Array<[unknown, unknown[]]> = [
      [{ endpoints: [] }, ['body', 'endpoints']],
      [{ endpoints: Array.from({ length: 301 }, () => ok) }, ['body', 'endpoints']],
      [{ endpoints: [{ ...ok, status: 'sleepy' }] }, ['body', 'endpoints', 0, 'status']],
      [{ endpoints: [{ ...ok, checked_at: 'yesterday' }] }, ['body', 'endpoints', 0, 'checked_at']],
      [{ endpoints: [{ ...ok, slug: 'ab' }] }, ['body', 'endpoints', 0, 'slug']],
      [{ endpoints: [ok], ttl_seconds: 0 }, ['body', 'ttl_seconds']],
      [{ endpoints: [ok], ttl_seconds: 3601 }, ['body', 'ttl_seconds']],
    ];
    for (const [json, loc] of cases) {
      const res = await report(owner, json);
      expect(res.status, JSON.stringify(loc)).toBe(422);
      expect(locsOf(res.body)).toEqual([loc]);
    }
    expect(
      (await backend.api('POST', '/api/v1/endpoints/health', { json: { endpoints: [ok] } })).status,
    ).toBe(401);
  });
});

describe('GET /api/v1/endpoints/{owner}/{slug}/uptime', () => {
  it('returns the buckets with samples inside the window, oldest first, with two-decimal percentages', async () => {
    const owner = await backend.registerUser();
    const made = await createEndpoint(backend, owner.access_token, { name: 'Uptime' });
    const bucket = 1800_000;
    const now = Math.floor(Date.now() / bucket) * bucket;
    const { endpointUptimeSamples } = await import('@syfthub/db');
    await backend.deps.db.insert(endpointUptimeSamples).values([
      { endpointId: made.id, bucketStart: new Date(now), totalChecks: 3, healthyChecks: 2 },
      { endpointId: made.id, bucketStart: new Date(now - bucket), totalChecks: 60, healthyChecks: 58 },
      { endpointId: made.id, bucketStart: new Date(now - 30 * bucket), totalChecks: 10, healthyChecks: 10 },
    ]);
    const ok = await backend.api<{ buckets: unknown[] }>(
      'GET',
      `/api/v1/endpoints/${owner.user.username.toUpperCase()}/${made.slug}/uptime?window_hours=2`,
    );
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({
      endpoint_id: made.id,
      owner_username: owner.user.username,
      slug: made.slug,
      bucket_seconds: 1800,
      window_hours: 2,
      buckets: [
        {
          bucket_start: new Date(now - bucket).toISOString(),
          samples: 60,
          healthy_samples: 58,
          uptime_pct: 96.67,
        },
        { bucket_start: new Date(now).toISOString(), samples: 3, healthy_samples: 2, uptime_pct: 66.67 },
      ],
    });
    const day = await backend.api<{ buckets: unknown[] }>(
      'GET',
      `/api/v1/endpoints/${owner.user.username}/${made.slug}/uptime`,
    );
    expect(day.body.buckets).toHaveLength(3);
    expect(
      (
        await backend.api(
          'GET',
          `/api/v1/endpoints/${owner.user.username}/${made.slug}/uptime?window_hours=2161`,
        )
      ).status,
    ).toBe(422);
    const missing = await backend.api('GET', `/api/v1/endpoints/${owner.user.username}/nothing/uptime`);
    expect(missing.body).toEqual({ detail: 'Endpoint not found' });
  });

  it('keeps serving inactive endpoints to anyone who could read them when active', async () => {
    const owner = await backend.registerUser();
    const made = await createEndpoint(backend, owner.access_token, { name: 'Down now' });
    await setEndpointColumns(backend, made.id, { isActive: false });
    const res = await backend.api<{ endpoint_id: number }>(
      'GET',
      `/api/v1/endpoints/${owner.user.username}/${made.slug}/uptime`,
    );
    expect(res.status).toBe(200);
    expect(res.body.endpoint_id).toBe(made.id);
    const direct = await backend.api<EndpointJson>('GET', `/${owner.user.username}/${made.slug}`);
    expect(direct.status).toBe(404);
  });
});
