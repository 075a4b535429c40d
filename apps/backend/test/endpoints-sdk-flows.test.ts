import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Account, createApiToken, type EndpointJson } from './endpoints-fixtures';
import { createTestBackend, type TestBackend } from './harness';

// The endpoint flows of the official SDKs and CLI, called the way they call them: a PAT as bearer, bare arrays,
// paging until a short page, owner/slug paths.

let backend: TestBackend;
let publisher: Account;
let pat: string;
let reader: Account;
beforeAll(async () => {
  backend = await createTestBackend();
  publisher = await backend.registerUser();
  reader = await backend.registerUser();
  pat = await createApiToken(backend, publisher.access_token, ['full']);
});
afterAll(async () => {
  await backend.close();
});

describe('SDK endpoint flows', () => {
  it('publish, browse with paging, get by path, update and delete by slug, stars, sync', async () => {
    const created = await backend.api<EndpointJson>('POST', '/api/v1/endpoints', {
      token: pat,
      json: {
        name: 'SDK Model',
        type: 'model',
        visibility: 'public',
        policies: [{ type: 'free_tier', config: { limit: 5 } }],
        connect: [{ type: 'http', config: { url: '' } }],
      },
    });
    expect(created.status).toBe(201);
    for (let i = 0; i < 24; i += 1) {
      await backend.api('POST', '/api/v1/endpoints', {
        token: pat,
        json: { name: `Bulk ${i}`, type: 'data_source' },
      });
    }

    // Browse: page with limit=10 until a page is shorter than asked.
    const seen: string[] = [];
    for (let skip = 0; ; skip += 10) {
      const page = await backend.api<EndpointJson[]>('GET', `/api/v1/endpoints/public?skip=${skip}&limit=10`);
      seen.push(...page.body.map((e) => e.slug));
      if (page.body.length < 10) break;
    }
    expect(seen).toHaveLength(25);
    expect(new Set(seen).size).toBe(25);

    const path = `${publisher.user.username}/sdk-model`;
    const got = await backend.api<EndpointJson>('GET', `/api/v1/endpoints/by-path/${path}`, {
      token: reader.access_token,
    });
    expect(got.body).toMatchObject({
      slug: 'sdk-model',
      owner_username: publisher.user.username,
      contributors_count: 1,
    });
    expect(got.body.policies).toEqual([
      { type: 'free_tier', version: '1.0', enabled: true, description: '', config: { limit: 5 } },
    ]);

    const updated = await backend.api<EndpointJson>('PATCH', '/api/v1/endpoints/slug/sdk-model', {
      token: pat,
      json: { description: 'Now with docs', tags: ['sdk'] },
    });
    expect(updated.body).toMatchObject({ description: 'Now with docs', tags: ['sdk'] });

    const id = created.body.id;
    expect(
      (await backend.api('POST', `/api/v1/endpoints/${id}/star`, { token: reader.access_token })).body,
    ).toEqual({
      starred: true,
    });
    expect(
      (await backend.api('GET', `/api/v1/endpoints/${id}/starred`, { token: reader.access_token })).body,
    ).toEqual({
      starred: true,
    });
    const trending = await backend.api<EndpointJson[]>('GET', '/api/v1/endpoints/trending?limit=1');
    expect(trending.body.map((e) => e.id)).toEqual([id]);
    expect(
      (await backend.api('DELETE', `/api/v1/endpoints/${id}/star`, { token: reader.access_token })).status,
    ).toBe(204);

    const synced = await backend.api<{ synced: number; deleted: number; endpoints: EndpointJson[] }>(
      'POST',
      '/api/v1/endpoints/sync',
      { token: pat, json: { endpoints: [{ name: 'SDK Model', slug: 'sdk-model', type: 'model' }] } },
    );
    expect(synced.status).toBe(200);
    expect(synced.body).toMatchObject({ synced: 1, deleted: 24 });
    expect(synced.body.endpoints[0]!.id).toBe(id);

    expect((await backend.api('DELETE', '/api/v1/endpoints/slug/sdk-model', { token: pat })).status).toBe(
      204,
    );
    expect((await backend.api<EndpointJson[]>('GET', '/api/v1/endpoints', { token: pat })).body).toEqual([]);
  });
});
