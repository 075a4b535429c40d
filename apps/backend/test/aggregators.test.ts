import { eq, userAggregators } from '@syfthub/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestBackend, type TestBackend } from './harness';
import { type Account, createAccount, createPat } from './users-fixtures';

interface Aggregator {
  id: number;
  user_id: number;
  name: string;
  url: string;
  is_default: boolean;
  created_at: string;
  updated_at: string;
}
interface AggregatorList {
  aggregators: Aggregator[];
  default_aggregator_id: number | null;
}

const BASE = '/api/v1/users/me/aggregators';

let backend: TestBackend;
beforeAll(async () => {
  backend = await createTestBackend();
});
afterAll(async () => {
  await backend.close();
});

async function add(account: Account, name: string, extra: Record<string, unknown> = {}): Promise<Aggregator> {
  const res = await backend.api<Aggregator>('POST', BASE, {
    token: account.token,
    json: { name, url: `https://${name}.example.com/api/v1`, ...extra },
  });
  expect(res.status, res.text).toBe(201);
  return res.body;
}

async function list(account: Account): Promise<AggregatorList> {
  const res = await backend.api<AggregatorList>('GET', BASE, { token: account.token });
  expect(res.status).toBe(200);
  return res.body;
}

describe('user aggregators', () => {
  it('starts empty, in the object shape', async () => {
    const me = await createAccount(backend);
    expect(await list(me)).toEqual({ aggregators: [], default_aggregator_id: null });
  });

  it('makes the first aggregator the default, later ones not, unless asked; newest first', async () => {
    const me = await createAccount(backend);
    const first = await add(me, 'first', { is_default: false });
    expect(first).toMatchObject({
      user_id: me.user.id,
      name: 'first',
      url: 'https://first.example.com/api/v1',
      is_default: true,
    });
    expect(first.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const second = await add(me, 'second');
    expect(second.is_default).toBe(false);
    const third = await add(me, 'third', { is_default: true });
    expect(third.is_default).toBe(true);

    const body = await list(me);
    expect(body.aggregators.map((a) => a.name)).toEqual(['third', 'second', 'first']);
    expect(body.aggregators.map((a) => a.is_default)).toEqual([true, false, false]);
    expect(body.default_aggregator_id).toBe(third.id);
  });

  it('gets, updates (nulls ignored) and switches the default', async () => {
    const me = await createAccount(backend);
    const a = await add(me, 'alpha');
    const b = await add(me, 'beta');

    const got = await backend.api<Aggregator>('GET', `${BASE}/${b.id}`, { token: me.token });
    expect(got.body).toEqual(b);

    const renamed = await backend.api<Aggregator>('PUT', `${BASE}/${a.id}`, {
      token: me.token,
      json: { name: '  Alpha Prime ', url: null, is_default: false },
    });
    expect(renamed.status).toBe(200);
    // is_default false does not strip the only default; a renamed default stays default.
    expect(renamed.body).toMatchObject({ name: 'Alpha Prime', url: a.url, is_default: true });

    const promoted = await backend.api<Aggregator>('PUT', `${BASE}/${b.id}`, {
      token: me.token,
      json: { is_default: true, url: 'http://localhost:8001/api/v1' },
    });
    expect(promoted.body).toMatchObject({ is_default: true, url: 'http://localhost:8001/api/v1' });
    expect((await list(me)).default_aggregator_id).toBe(b.id);

    const patched = await backend.api<Aggregator>('PATCH', `${BASE}/${a.id}/default`, { token: me.token });
    expect(patched.status).toBe(200);
    expect(patched.body.is_default).toBe(true);
    const after = await list(me);
    expect(after.default_aggregator_id).toBe(a.id);
    expect(after.aggregators.filter((x) => x.is_default)).toHaveLength(1);
  });

  it('promotes the newest remaining aggregator when the default is deleted', async () => {
    const me = await createAccount(backend);
    const first = await add(me, 'one');
    const second = await add(me, 'two');
    const third = await add(me, 'three');
    await backend.api('PATCH', `${BASE}/${second.id}/default`, { token: me.token });

    const removed = await backend.api('DELETE', `${BASE}/${second.id}`, { token: me.token });
    expect(removed.status).toBe(204);
    expect(removed.text).toBe('');
    expect((await list(me)).default_aggregator_id).toBe(third.id);

    expect((await backend.api('DELETE', `${BASE}/${first.id}`, { token: me.token })).status).toBe(204);
    expect((await list(me)).default_aggregator_id).toBe(third.id);
    expect((await backend.api('DELETE', `${BASE}/${third.id}`, { token: me.token })).status).toBe(204);
    expect(await list(me)).toEqual({ aggregators: [], default_aggregator_id: null });
  });

  it("answers 404 'Aggregator not found' for another user's or a missing id", async () => {
    const owner = await createAccount(backend);
    const other = await createAccount(backend);
    const mine = await add(owner, 'mine');
    const notFound = { detail: 'Aggregator not found' };
    for (const [method, path, json] of [
      ['GET', `${BASE}/${mine.id}`, undefined],
      ['PUT', `${BASE}/${mine.id}`, { name: 'stolen' }],
      ['PATCH', `${BASE}/${mine.id}/default`, undefined],
      ['DELETE', `${BASE}/${mine.id}`, undefined],
      ['GET', `${BASE}/99999999`, undefined],
    ] as const) {
      const res = await backend.api(method, path, { token: other.token, json });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body).toEqual(notFound);
    }
    expect((await list(owner)).aggregators).toEqual([mine]);
  });

  it('validates bodies', async () => {
    const me = await createAccount(backend);
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ name: '', url: 'https://a.example.com' }, 'name'],
      [{ name: 'x'.repeat(101), url: 'https://a.example.com' }, 'name'],
      [{ name: 'x', url: 'ftp://a.example.com' }, 'url'],
      [{ name: 'x', url: 'javascript:alert(1)' }, 'url'],
      [{ name: 'x' }, 'url'],
      [{ name: 'x', url: 'https://a.example.com', is_default: 'yes' }, 'is_default'],
    ];
    for (const [json, field] of cases) {
      const res = await backend.api<{ detail: Array<{ loc: unknown[] }> }>('POST', BASE, {
        token: me.token,
        json,
      });
      expect(res.status, JSON.stringify(json)).toBe(422);
      expect(res.body.detail[0]?.loc).toEqual(['body', field]);
    }
    const agg = await add(me, 'valid');
    const bad = await backend.api('PUT', `${BASE}/${agg.id}`, {
      token: me.token,
      json: { url: 'not a url' },
    });
    expect(bad.status).toBe(422);
  });

  it('allows at most 20 aggregators', async () => {
    const me = await createAccount(backend);
    await backend.deps.db.insert(userAggregators).values(
      Array.from({ length: 20 }, (_, i) => ({
        userId: me.user.id,
        name: `agg${i}`,
        url: 'https://agg.example.com',
        isDefault: i === 0,
      })),
    );
    const res = await backend.api('POST', BASE, {
      token: me.token,
      json: { name: 'one too many', url: 'https://x.example.com' },
    });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ detail: 'Maximum number of aggregators (20) reached' });
  });

  it('keeps exactly one default under concurrent creates', async () => {
    const me = await createAccount(backend);
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        backend.api('POST', BASE, {
          token: me.token,
          json: { name: `c${i}`, url: 'https://c.example.com', is_default: i % 2 === 0 },
        }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(6).fill(201));
    const rows = await backend.deps.db
      .select()
      .from(userAggregators)
      .where(eq(userAggregators.userId, me.user.id));
    expect(rows).toHaveLength(6);
    expect(rows.filter((r) => r.isDefault)).toHaveLength(1);
  });

  it('needs a signed-in caller, and the write scope for changes', async () => {
    const me = await createAccount(backend);
    expect((await backend.api('GET', BASE)).status).toBe(401);
    const read = await createPat(backend, me.user.id, ['read']);
    expect((await backend.api('GET', BASE, { token: read })).status).toBe(200);
    const res = await backend.api('POST', BASE, {
      token: read,
      json: { name: 'x', url: 'https://x.example.com' },
    });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ detail: { code: 'INSUFFICIENT_SCOPE', required_scope: 'write' } });
  });
});
