import { randomUUID } from 'node:crypto';
import { endpoints, endpointUptimeSamples, eq, errorLogs, otpCodes, refreshTokens } from '@syfthub/db';
import { createKv } from '@syfthub/service';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startJobs } from '../src/jobs';
import { cleanupOtpCodes, cleanupSessions, pruneErrorLogs, pruneUptimeSamples } from '../src/jobs/cleanup';
import { nextSlotStart, startJobLoop } from '../src/jobs/loop';
import { type Account, createEndpoint } from './endpoints-fixtures';
import { createTestBackend, type TestBackend } from './harness';

let backend: TestBackend;
let owner: Account;
beforeAll(async () => {
  backend = await createTestBackend();
  owner = await backend.registerUser();
});
afterAll(async () => {
  await backend.close();
});

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ago = (ms: number) => new Date(Date.now() - ms);

describe('cleanup jobs (§15)', () => {
  it('deletes used or expired OTP codes past the retention and keeps the rest', async () => {
    const { db } = backend.deps;
    const base = { email: 'otp@example.com', codeHash: 'h'.repeat(64), purpose: 'registration' as const };
    const rows = await db
      .insert(otpCodes)
      .values([
        { ...base, expiresAt: ago(25 * HOUR) },
        { ...base, expiresAt: new Date(Date.now() + HOUR), usedAt: ago(30 * HOUR) },
        { ...base, expiresAt: ago(HOUR) },
        { ...base, expiresAt: new Date(Date.now() + HOUR), usedAt: ago(HOUR) },
        { ...base, expiresAt: new Date(Date.now() + HOUR) },
      ])
      .returning({ id: otpCodes.id });
    expect(await cleanupOtpCodes(db, backend.config)).toEqual({ ran: true, changed: 2 });
    const left = (await db.select({ id: otpCodes.id }).from(otpCodes)).map((r) => r.id);
    expect(left.sort()).toEqual(
      rows
        .slice(2)
        .map((r) => r.id)
        .sort(),
    );
    expect(await cleanupOtpCodes(db, { OTP_CLEANUP_RETENTION_HOURS: 0 })).toEqual({ ran: true, changed: 2 });
  });

  it('deletes refresh-token rows more than a day past their own or their session expiry', async () => {
    const { db } = backend.deps;
    await db.delete(refreshTokens);
    const row = (expiresAt: Date, familyExpiresAt: Date) => ({
      familyId: randomUUID(),
      userId: owner.user.id,
      issuedAt: ago(40 * DAY),
      expiresAt,
      familyExpiresAt,
    });
    await db
      .insert(refreshTokens)
      .values([
        row(ago(2 * DAY), new Date(Date.now() + DAY)),
        row(new Date(Date.now() + DAY), ago(2 * DAY)),
        row(ago(HOUR), new Date(Date.now() + DAY)),
        row(new Date(Date.now() + DAY), new Date(Date.now() + 10 * DAY)),
      ]);
    expect(await cleanupSessions(db)).toEqual({ ran: true, changed: 2 });
    expect(await db.select().from(refreshTokens)).toHaveLength(2);
  });

  it('prunes error logs and uptime samples past their retention; 0 disables', async () => {
    const { db } = backend.deps;
    await db.insert(errorLogs).values([
      { timestamp: new Date(), createdAt: ago(31 * DAY), message: 'old' },
      { timestamp: new Date(), createdAt: ago(29 * DAY), message: 'recent' },
    ]);
    expect(await pruneErrorLogs(db, { ERROR_RETENTION_DAYS: 0 })).toEqual({ ran: false, changed: 0 });
    expect(await pruneErrorLogs(db, { ERROR_RETENTION_DAYS: 30 })).toEqual({ ran: true, changed: 1 });
    expect((await db.select().from(errorLogs)).map((r) => r.message)).toEqual(['recent']);

    const made = await createEndpoint(backend, owner.access_token, { name: 'Samples' });
    await db.insert(endpointUptimeSamples).values([
      { endpointId: made.id, bucketStart: ago(91 * DAY), totalChecks: 1 },
      { endpointId: made.id, bucketStart: ago(89 * DAY), totalChecks: 1 },
    ]);
    expect(await pruneUptimeSamples(db, { UPTIME_RETENTION_DAYS: 0 })).toEqual({ ran: false, changed: 0 });
    expect(await pruneUptimeSamples(db, { UPTIME_RETENTION_DAYS: 90 })).toEqual({ ran: true, changed: 1 });
    expect(await db.select().from(endpointUptimeSamples)).toHaveLength(1);
  });
});

describe('job loops', () => {
  it('schedules on the epoch grid of the interval', () => {
    expect(nextSlotStart(1_000, 30_000)).toBe(30_000);
    expect(nextSlotStart(30_000, 30_000)).toBe(60_000);
    expect(nextSlotStart(59_999, 30_000)).toBe(60_000);
  });

  it('runs one cycle per slot across replicas sharing a KV, and stops at a cycle boundary', async () => {
    const kv = createKv('memory://', {});
    let cycles = 0;
    let inFlight = 0;
    let finishedAfterStop = false;
    let stopping = false;
    const job = {
      name: `test-${randomUUID()}`,
      intervalMs: 100,
      runCycle: async () => {
        cycles += 1;
        inFlight += 1;
        await new Promise((resolve) => setTimeout(resolve, 30));
        inFlight -= 1;
        if (stopping) finishedAfterStop = true;
        return { ran: true, changed: 0 };
      },
    };
    const deps = { kv, logger: backend.deps.logger, backendMetrics: backend.deps.backendMetrics };
    const loops = [startJobLoop(job, deps), startJobLoop(job, deps)];
    await new Promise((resolve) => setTimeout(resolve, 560));
    // Wait until a cycle is running, then stop: the running cycle completes before stop resolves.
    while (inFlight === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    stopping = true;
    await Promise.all(loops.map((loop) => loop.stop()));
    expect(inFlight).toBe(0);
    expect(finishedAfterStop).toBe(true);
    expect(cycles).toBeGreaterThanOrEqual(3);
    expect(cycles).toBeLessThanOrEqual(7);
    const afterStop = cycles;
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(cycles).toBe(afterStop);
    await kv.close();
  });

  it('startJobs runs the health monitor on its interval until stopped', async () => {
    const monitored = await createTestBackend({
      HEALTH_CHECK_ENABLED: 'true',
      HEALTH_CHECK_INTERVAL_SECONDS: '1',
    });
    try {
      const account = await monitored.registerUser();
      const made = await createEndpoint(monitored, account.access_token, {
        name: 'Watched',
        connect: [{ type: 'http', config: { url: '' } }],
      });
      const jobs = startJobs(monitored.deps);
      const failures = async () =>
        (await monitored.deps.db.select().from(endpoints).where(eq(endpoints.id, made.id)))[0]!
          .consecutiveFailureCount;
      const deadline = Date.now() + 5_000;
      while ((await failures()) < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      await jobs.stop();
      const counted = await failures();
      expect(counted).toBeGreaterThanOrEqual(2);
      await new Promise((resolve) => setTimeout(resolve, 1_200));
      expect(await failures()).toBe(counted);
    } finally {
      await monitored.close();
    }
  });
});
