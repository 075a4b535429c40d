import { endpointStars, endpointUptimeSamples, sql } from '@syfthub/db';
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

interface SyncBody {
  synced: number;
  deleted: number;
  endpoints: EndpointJson[];
}

const sync = (account: Account, endpoints: unknown[]) =>
  backend.api<SyncBody>('POST', '/api/v1/endpoints/sync', {
    token: account.access_token,
    json: { endpoints },
  });

const own = async (account: Account) =>
  (await backend.api<EndpointJson[]>('GET', '/api/v1/endpoints?limit=100', { token: account.access_token }))
    .body;

describe('POST /api/v1/endpoints/sync', () => {
  it('upserts by slug keeping ids, stars, health and uptime; deletes the rest; answers in batch order', async () => {
    const owner = await backend.registerUser();
    const fan = await backend.registerUser();
    const kept = await createEndpoint(backend, owner.access_token, {
      name: 'Kept',
      slug: 'kept',
      tags: ['old'],
    });
    const dropped = await createEndpoint(backend, owner.access_token, { name: 'Dropped' });
    await backend.api('POST', `/api/v1/endpoints/${kept.id}/star`, { token: fan.access_token });
    await setEndpointColumns(backend, kept.id, {
      healthStatus: 'healthy',
      healthCheckedAt: new Date(),
      healthTtlSeconds: 100,
      isActive: false,
    });
    await backend.deps.db
      .insert(endpointUptimeSamples)
      .values({ endpointId: kept.id, bucketStart: new Date(), totalChecks: 2, healthyChecks: 1 });

    const res = await sync(owner, [
      { name: 'Brand new', type: 'data_source' },
      {
        name: 'Kept renamed',
        slug: 'KEPT',
        type: 'agent',
        tags: ['new'],
        archived: true,
        visibility: 'internal',
      },
    ]);
    expect(res.status).toBe(200);
    expect(res.body.synced).toBe(2);
    expect(res.body.deleted).toBe(1);
    expect(res.body.endpoints.map((e) => e.slug)).toEqual(['brand-new', 'kept']);
    const updated = res.body.endpoints[1]!;
    expect(updated).toMatchObject({
      id: kept.id,
      name: 'Kept renamed',
      type: 'agent',
      tags: ['new'],
      archived: true,
      visibility: 'internal',
      stars_count: 1,
      health_status: 'healthy',
      health_ttl_seconds: 100,
      is_active: false,
      created_at: kept.created_at,
    });
    expect(Date.parse(updated.updated_at)).toBeGreaterThan(Date.parse(kept.updated_at));
    expect((await own(owner)).map((e) => e.slug).sort()).toEqual(['brand-new', 'kept']);
    expect(
      (await backend.api('GET', `/api/v1/endpoints/${dropped.id}`, { token: owner.access_token })).status,
    ).toBe(404);
    const samples = await backend.deps.db.select().from(endpointUptimeSamples);
    expect(samples.filter((s) => s.endpointId === kept.id)).toHaveLength(1);
    const stars = await backend.deps.db.select().from(endpointStars);
    expect(stars.filter((s) => s.endpointId === kept.id).map((s) => s.userId)).toEqual([fan.user.id]);

    // The same batch again maps to the same endpoints (derived slugs depend only on the name).
    const again = await sync(owner, [
      { name: 'Brand new', type: 'data_source' },
      { name: 'Kept renamed', slug: 'kept', type: 'agent' },
    ]);
    expect(again.body.deleted).toBe(0);
    expect(again.body.endpoints.map((e) => e.id)).toEqual(res.body.endpoints.map((e) => e.id));
  });

  it('derives missing slugs unique within the batch only, and an empty batch deletes everything', async () => {
    const owner = await backend.registerUser();
    await createEndpoint(backend, owner.access_token, { name: 'Twin' });
    const res = await sync(owner, [
      { name: 'Twin', type: 'model' },
      { name: 'Twin', type: 'model' },
      { name: 'Other', slug: 'twin-2', type: 'model' },
      { name: 'Search', type: 'model' },
    ]);
    expect(res.status).toBe(200);
    expect(res.body.endpoints.map((e) => e.slug)).toEqual(['twin', 'twin-1', 'twin-2', 'search-1']);
    const empty = await sync(owner, []);
    expect(empty.body).toEqual({ synced: 0, deleted: 4, endpoints: [] });
    expect(await own(owner)).toEqual([]);
  });

  it('applies contributor filtering and the auto-tag to every item', async () => {
    const owner = await backend.registerUser();
    const friend = await backend.registerUser();
    const res = await sync(owner, [
      { name: 'Paid', type: 'model', policies: [{ type: 'xendit' }], contributors: [friend.user.id, 99999] },
    ]);
    expect(res.body.endpoints[0]).toMatchObject({
      tags: ['prepaid'],
      contributors: [owner.user.id, friend.user.id],
    });
  });

  it('rejects duplicate slugs with one 400 listing every error, changing nothing', async () => {
    const owner = await backend.registerUser();
    const before = await createEndpoint(backend, owner.access_token, { name: 'Survivor' });
    const res = await sync(owner, [
      { name: 'A', slug: 'same', type: 'model' },
      { name: 'B', slug: 'same', type: 'model' },
      { name: 'C', slug: 'SAME', type: 'model' },
    ]);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      detail: {
        code: 'VALIDATION_ERROR',
        message: 'Batch validation failed with 2 error(s)',
        errors: [
          { index: 1, field: 'slug', error: "Duplicate slug 'same' in batch" },
          { index: 2, field: 'slug', error: "Duplicate slug 'same' in batch" },
        ],
      },
      message: 'Batch validation failed with 2 error(s)',
    });
    expect((await own(owner)).map((e) => e.id)).toEqual([before.id]);
  });

  it('rejects schema errors with a 422 whose loc carries the item index, changing nothing', async () => {
    const owner = await backend.registerUser();
    await createEndpoint(backend, owner.access_token, { name: 'Untouched' });
    const items = [
      { name: 'ok', type: 'model' },
      { name: 'ok2', type: 'model' },
      { name: 'ok3', type: 'model' },
      { name: 'bad', type: 'model', slug: 'no' },
    ];
    const res = await sync(owner, items);
    expect(res.status).toBe(422);
    expect(locsOf(res.body)).toEqual([['body', 'endpoints', 3, 'slug']]);
    const tooMany = await sync(
      owner,
      Array.from({ length: 301 }, (_, i) => ({ name: `n${i}`, type: 'model' })),
    );
    expect(tooMany.status).toBe(422);
    expect((await own(owner)).map((e) => e.name)).toEqual(['Untouched']);
  });

  it('rolls everything back and answers SYNC_FAILED when the database fails mid-way', async () => {
    const owner = await backend.registerUser();
    const survivor = await createEndpoint(backend, owner.access_token, { name: 'Survivor', tags: ['v1'] });
    await backend.deps.db.execute(sql`
      create or replace function fail_on_boom() returns trigger language plpgsql as $$
      begin
        if new.name = 'boom' then raise exception 'simulated failure'; end if;
        return new;
      end $$`);
    await backend.deps.db.execute(
      sql`create trigger fail_on_boom before insert or update on endpoints for each row execute function fail_on_boom()`,
    );
    try {
      const res = await sync(owner, [
        { name: 'Survivor', slug: 'survivor', type: 'model', tags: ['v2'] },
        { name: 'fresh', type: 'model' },
        { name: 'boom', type: 'model' },
      ]);
      expect(res.status).toBe(500);
      expect(res.body).toEqual({
        detail: { code: 'SYNC_FAILED', message: 'Failed to sync endpoints. Transaction rolled back.' },
        message: 'Failed to sync endpoints. Transaction rolled back.',
      });
      const after = await own(owner);
      expect(after.map((e) => [e.id, e.tags])).toEqual([[survivor.id, ['v1']]]);
      // Deleting was part of the same transaction too.
      const wipe = await sync(owner, [{ name: 'boom', type: 'model' }]);
      expect(wipe.status).toBe(500);
      expect((await own(owner)).map((e) => e.id)).toEqual([survivor.id]);
    } finally {
      await backend.deps.db.execute(sql`drop trigger fail_on_boom on endpoints`);
    }
  });

  it('serialises concurrent syncs of one account (no deadlock, one whole set wins)', async () => {
    const owner = await backend.registerUser();
    const set = (prefix: string) =>
      Array.from({ length: 20 }, (_, i) => ({ name: `${prefix} ${i}`, slug: `shared-${i}`, type: 'model' }));
    const results = await Promise.all([
      sync(owner, set('first')),
      sync(owner, set('second')),
      sync(owner, set('third')),
    ]);
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    const names = (await own(owner)).map((e) => e.name.split(' ')[0]);
    expect(names).toHaveLength(20);
    expect(new Set(names).size).toBe(1);
  });

  it('needs the write scope and accepts bodies beyond 1 MiB up to its own limit', async () => {
    const owner = await backend.registerUser();
    const readme = 'r'.repeat(40_000);
    const items = Array.from({ length: 40 }, (_, i) => ({ name: `Big ${i}`, type: 'model', readme }));
    const res = await sync(owner, items);
    expect(res.status).toBe(200);
    expect(res.body.synced).toBe(40);
    expect((await backend.api('POST', '/api/v1/endpoints/sync', { json: { endpoints: [] } })).status).toBe(
      401,
    );
  });
});
