import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Account, createEndpoint, type EndpointJson } from './endpoints-fixtures';
import { createTestBackend, type TestBackend } from './harness';

let backend: TestBackend;
let owner: Account;
beforeAll(async () => {
  backend = await createTestBackend();
  owner = await backend.registerUser();
  for (let i = 0; i < 12; i += 1) await createEndpoint(backend, owner.access_token, { name: `Page ${i}` });
});
afterAll(async () => {
  await backend.close();
});

describe('GET /{owner}', () => {
  it("pages over all of the owner's endpoints in SQL, newest first (default limit 10)", async () => {
    const first = await backend.api<EndpointJson[]>('GET', `/${owner.user.username}`);
    expect(first.status).toBe(200);
    expect(first.body.map((e) => e.name)).toEqual(Array.from({ length: 10 }, (_, i) => `Page ${11 - i}`));
    const rest = await backend.api<EndpointJson[]>('GET', `/${owner.user.username}?skip=10&limit=100`);
    expect(rest.body.map((e) => e.name)).toEqual(['Page 1', 'Page 0']);
    expect((await backend.api('GET', `/${owner.user.username}?limit=101`)).status).toBe(422);
  });

  it('answers 404 naming the missing owner', async () => {
    const res = await backend.api('GET', '/nobody-at-all');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ detail: "'nobody-at-all' not found" });
  });

  it('leaves reserved names to the rest of the app (plain 404 and 405)', async () => {
    expect((await backend.api('GET', '/api')).body).toEqual({ detail: 'Not Found' });
    expect((await backend.api('GET', '/api/v2')).body).toEqual({ detail: 'Not Found' });
    expect((await backend.api('POST', '/docs/anything', { json: {} })).body).toEqual({ detail: 'Not Found' });
  });
});

describe('GET /{owner}/{slug}', () => {
  it('resolves case-insensitively and URL-decoded', async () => {
    const res = await backend.api<EndpointJson>('GET', `/${owner.user.username.toUpperCase()}/PAGE-3`);
    expect(res.status).toBe(200);
    expect(res.body.name).toBe('Page 3');
    expect((await backend.api('GET', `/${owner.user.username}/page%2D3`)).status).toBe(200);
    expect((await backend.api('GET', `/${owner.user.username}/nope`)).body).toEqual({
      detail: 'Owner or endpoint not found',
    });
  });
});
