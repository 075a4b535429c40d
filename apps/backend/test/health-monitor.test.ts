import { createDb, endpoints, endpointUptimeSamples, eq, sql } from '@syfthub/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runHealthMonitorCycle } from '../src/jobs/health-monitor';
import { createCapturingLogger } from './auth-fixtures';
import {
  type Account,
  createEndpoint,
  type EndpointJson,
  setEndpointColumns,
  setUserDomain,
} from './endpoints-fixtures';
import { createTestBackend, type TestBackend } from './harness';

let backend: TestBackend;
let satellite: Account;
const connect = [{ type: 'http', config: { url: '' } }];

beforeAll(async () => {
  backend = await createTestBackend({ HEALTH_CHECK_FAILURE_THRESHOLD: '3' });
  satellite = await backend.registerUser();
});
afterAll(async () => {
  await backend.close();
});

const cycle = () => runHealthMonitorCycle(backend.deps);

async function rowOf(id: number) {
  const [row] = await backend.deps.db.select().from(endpoints).where(eq(endpoints.id, id));
  return row!;
}

function healthy(slugs: string[], ttl = 180, url?: string) {
  return backend.api('POST', '/api/v1/endpoints/health', {
    token: satellite.access_token,
    json: {
      endpoints: slugs.map((slug) => ({ slug, status: 'healthy', checked_at: new Date().toISOString() })),
      ttl_seconds: ttl,
      ...(url ? { url } : {}),
    },
  });
}

describe('health monitor (§15.1)', () => {
  it('deactivates after the threshold, reactivates on the first cycle after a healthy report', async () => {
    await backend.deps.db.delete(endpoints);
    const made = await createEndpoint(backend, satellite.access_token, { name: 'Monitored', connect });
    const quiet = await createEndpoint(backend, satellite.access_token, { name: 'No connections' });
    const { logger, lines } = createCapturingLogger();
    const run = () => runHealthMonitorCycle({ ...backend.deps, logger });

    expect(await run()).toEqual({ ran: true, changed: 0 });
    expect(await rowOf(made.id)).toMatchObject({ isActive: true, consecutiveFailureCount: 1 });
    expect(await run()).toEqual({ ran: true, changed: 0 });
    expect(await run()).toEqual({ ran: true, changed: 1 });
    expect(await rowOf(made.id)).toMatchObject({ isActive: false, consecutiveFailureCount: 3 });
    expect(await run()).toEqual({ ran: true, changed: 0 });
    expect(await rowOf(made.id)).toMatchObject({ isActive: false, consecutiveFailureCount: 4 });
    expect(await rowOf(quiet.id)).toMatchObject({ isActive: true, consecutiveFailureCount: 0 });
    const listed = await backend.api<EndpointJson[]>(
      'GET',
      `/api/v1/endpoints/public/by-owner/${satellite.user.username}`,
    );
    expect(listed.body.map((e) => e.name)).toEqual(['No connections']);

    // A healthy report alone is not enough without a domain; with the url it publishes one.
    await healthy(['monitored']);
    expect(await run()).toEqual({ ran: true, changed: 0 });
    await healthy(['monitored'], 180, 'https://sat.example.com');
    expect(await run()).toEqual({ ran: true, changed: 1 });
    const back = await rowOf(made.id);
    expect(back).toMatchObject({ isActive: true, consecutiveFailureCount: 0 });
    expect(back.updatedAt.toISOString()).toBe(made.updated_at);

    const changes = lines.filter((line) => line.event === 'endpoint.health.changed');
    expect(changes).toEqual([
      expect.objectContaining({
        endpoint_id: made.id,
        owner_username: satellite.user.username,
        slug: 'monitored',
        previous_is_active: true,
        is_active: false,
        health_status: null,
        consecutive_failure_count: 3,
        reason: 'no_domain',
      }),
      expect.objectContaining({ endpoint_id: made.id, is_active: true, reason: 'healthy_report' }),
    ]);
    const metrics = await backend.deps.metrics.render();
    expect(metrics).toMatch(/endpoint_health_transitions_total\{[^}]*to="inactive"[^}]*\} 1/);
    expect(metrics).toMatch(/endpoints_active\{?[^}]*\}? 2/);
  });

  it('counts unhealthy and expired reports as failures', async () => {
    await setUserDomain(backend, satellite.user.id, 'https://sat.example.com');
    const sick = await createEndpoint(backend, satellite.access_token, { name: 'Sick', connect });
    const stale = await createEndpoint(backend, satellite.access_token, { name: 'Stale', connect });
    await backend.api('POST', '/api/v1/endpoints/health', {
      token: satellite.access_token,
      json: { endpoints: [{ slug: 'sick', status: 'unhealthy', checked_at: new Date().toISOString() }] },
    });
    await setEndpointColumns(backend, stale.id, {
      healthStatus: 'healthy',
      healthCheckedAt: new Date(Date.now() - 200_000),
      healthTtlSeconds: 180,
    });
    await cycle();
    expect((await rowOf(sick.id)).consecutiveFailureCount).toBe(1);
    expect((await rowOf(stale.id)).consecutiveFailureCount).toBe(1);
    await healthy(['stale']);
    await cycle();
    expect((await rowOf(stale.id)).consecutiveFailureCount).toBe(0);
    expect((await rowOf(sick.id)).consecutiveFailureCount).toBe(2);
  });

  it('leaves endpoints an admin disabled alone, even when healthy', async () => {
    const admin = await backend.registerAdmin();
    const made = await createEndpoint(backend, satellite.access_token, { name: 'Banned', connect });
    await backend.api('PATCH', `/api/v1/endpoints/${made.id}/admin`, {
      token: admin.access_token,
      json: { is_active: false },
    });
    await healthy(['banned'], 180, 'https://sat.example.com');
    for (let i = 0; i < 3; i += 1) await cycle();
    expect(await rowOf(made.id)).toMatchObject({
      isActive: false,
      disabledByAdmin: true,
      consecutiveFailureCount: 0,
    });
    const samples = await backend.deps.db
      .select()
      .from(endpointUptimeSamples)
      .where(eq(endpointUptimeSamples.endpointId, made.id));
    expect(samples).toEqual([]);
    await backend.api('PATCH', `/api/v1/endpoints/${made.id}/admin`, {
      token: admin.access_token,
      json: { is_active: true },
    });
    await cycle();
    expect(await rowOf(made.id)).toMatchObject({ isActive: true, disabledByAdmin: false });
  });

  it('records one uptime sample per cycle in the current bucket', async () => {
    const made = await createEndpoint(backend, satellite.access_token, { name: 'Sampled', connect });
    await healthy(['sampled'], 180, 'https://sat.example.com');
    await cycle();
    await cycle();
    await backend.api('POST', '/api/v1/endpoints/health', {
      token: satellite.access_token,
      json: { endpoints: [{ slug: 'sampled', status: 'unhealthy', checked_at: new Date().toISOString() }] },
    });
    await cycle();
    const res = await backend.api<{ buckets: Array<Record<string, unknown>> }>(
      'GET',
      `/api/v1/endpoints/${satellite.user.username}/sampled/uptime`,
    );
    const bucketMs = backend.config.UPTIME_BUCKET_SECONDS * 1000;
    expect(res.body.buckets).toEqual([
      {
        bucket_start: new Date(Math.floor(Date.now() / bucketMs) * bucketMs).toISOString(),
        samples: 3,
        healthy_samples: 2,
        uptime_pct: 66.67,
      },
    ]);
    expect(made.id).toBeGreaterThan(0);
  });
});

describe.skipIf(!process.env.DATABASE_URL)('single leader on PostgreSQL', () => {
  it('runs exactly one of two concurrent cycles', async () => {
    const made = await createEndpoint(backend, satellite.access_token, { name: 'Leader', connect });
    const before = (await rowOf(made.id)).consecutiveFailureCount;
    // A second connection pool, as a second replica would have.
    const replica = await createDb({ url: backend.database.url!, poolSize: 2 });
    let release!: () => void;
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => {
      locked = resolve;
    });
    // Hold a row lock so the first cycle stays inside its transaction (and keeps the advisory lock) while the
    // second one starts.
    const blocker = backend.deps.db.transaction(async (tx) => {
      await tx.execute(sql`select id from endpoints where id = ${made.id} for update`);
      locked();
      await new Promise<void>((resolve) => {
        release = resolve;
      });
    });
    try {
      await isLocked;
      const first = runHealthMonitorCycle(backend.deps);
      await waitForLockHolder(backend);
      const second = await runHealthMonitorCycle({ ...backend.deps, db: replica.db });
      expect(second).toEqual({ ran: false, changed: 0 });
      release();
      expect((await first).ran).toBe(true);
      await blocker;
      expect((await rowOf(made.id)).consecutiveFailureCount).toBe(before + 1);
    } finally {
      release?.();
      await replica.close();
    }
  });
});

/** Waits until some session holds the monitor's advisory lock. */
async function waitForLockHolder(b: TestBackend): Promise<void> {
  for (let i = 0; i < 200; i += 1) {
    const result = await b.deps.db.execute(
      sql`select count(*)::int as n from pg_locks where locktype = 'advisory' and objid = 839201 and granted`,
    );
    const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as Array<{
      n: number;
    }>;
    if ((rows[0]?.n ?? 0) > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('the first cycle never took the lock');
}
