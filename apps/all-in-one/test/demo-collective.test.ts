import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDeps, createApp, parseBackendEnv } from '@syfthub/backend';
import { createTestDatabase, type TestDatabase } from '@syfthub/db/testing';
import { createKv, createSilentLogger } from '@syfthub/service';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_COLLECTIVE, seedDemoCollective } from '../src/demo-collective';

// The demo collective of `pnpm start`, seeded through the real backend on a fresh database; the reference
// satellite's publication is played by its owner creating the two demo data sources.

let database: TestDatabase;
let hub: ReturnType<typeof createApp>;
const demo = { username: `demo${randomUUID().slice(0, 6)}`, password: 'syfthub-demo-1' };
const owner = { username: `sat${randomUUID().slice(0, 6)}`, password: 'satellite-pass-1' };

async function register(account: { username: string; password: string }) {
  const res = await hub.request('/api/v1/auth/register', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      ...account,
      email: `${account.username}@example.com`,
      full_name: account.username,
    }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { access_token: string }).access_token;
}

beforeAll(async () => {
  database = await createTestDatabase();
  const config = parseBackendEnv({
    ENVIRONMENT: 'test',
    LOG_LEVEL: 'silent',
    RATE_LIMIT_ENABLED: 'false',
    ARGON2_MEMORY_KIB: '1024',
    ARGON2_ITERATIONS: '1',
    ARGON2_PARALLELISM: '1',
    RSA_KEYS_DIRECTORY: join(tmpdir(), 'syfthub-all-in-one-test-keys'),
    REDIS_URL: 'memory://',
    HEALTH_CHECK_ENABLED: 'false',
    EMAIL_SENDER: 'none',
    ...(database.url ? { DATABASE_URL: database.url } : {}),
  });
  const deps = await buildDeps(config, {
    dbHandle: database.handle,
    kv: createKv('memory://', {}),
    logger: createSilentLogger(),
  });
  hub = createApp(deps);
  await register(demo);
  const token = await register(owner);
  for (const slug of ['larchmere-library', 'syfthub-guide']) {
    const res = await hub.request('/api/v1/endpoints', {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: slug, slug, type: 'data_source', visibility: 'public' }),
    });
    expect(res.status).toBe(201);
  }
});
afterAll(async () => {
  await database.close();
});

describe('the demo collective', () => {
  it('is seeded over both demo data sources with a shared endpoint, once', async () => {
    await seedDemoCollective(hub, demo, owner, createSilentLogger());
    await seedDemoCollective(hub, demo, owner, createSilentLogger());
    const paths = await hub.request(`/api/v1/collectives/by-slug/${DEMO_COLLECTIVE.slug}/endpoint-paths`);
    expect(((await paths.json()) as string[]).sort()).toEqual([
      `${owner.username}/larchmere-library`,
      `${owner.username}/syfthub-guide`,
    ]);
    const library = await hub.request(
      `/api/v1/collectives/by-slug/${DEMO_COLLECTIVE.slug}/shared-endpoints/library/endpoint-paths`,
    );
    expect(await library.json()).toEqual([`${owner.username}/larchmere-library`]);
    const list = (await (await hub.request('/api/v1/collectives')).json()) as { slug: string }[];
    expect(list.filter((c) => c.slug === DEMO_COLLECTIVE.slug)).toHaveLength(1);
  });
});
