import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Account, createEndpoint, type EndpointJson, setEndpointColumns } from './endpoints-fixtures';
import { createTestBackend, type TestBackend } from './harness';

let backend: TestBackend;
let alice: Account;
let bob: Account;
beforeAll(async () => {
  backend = await createTestBackend();
  alice = await backend.registerUser();
  bob = await backend.registerUser();
});
afterAll(async () => {
  await backend.close();
});

const starsOf = async (id: number) =>
  (await backend.api<EndpointJson>('GET', `/api/v1/endpoints/${id}`, { token: alice.access_token })).body
    .stars_count;

describe('stars', () => {
  it('star is idempotent, unstar too, and the counter follows without touching updated_at', async () => {
    const made = await createEndpoint(backend, alice.access_token, { name: 'Starry' });
    const star = () => backend.api('POST', `/api/v1/endpoints/${made.id}/star`, { token: bob.access_token });
    const first = await star();
    expect(first.status).toBe(201);
    expect(first.body).toEqual({ starred: true });
    expect((await star()).body).toEqual({ starred: false });
    expect(await starsOf(made.id)).toBe(1);
    expect(
      (await backend.api('GET', `/api/v1/endpoints/${made.id}/starred`, { token: bob.access_token })).body,
    ).toEqual({
      starred: true,
    });
    expect(
      (await backend.api('GET', `/api/v1/endpoints/${made.id}/starred`, { token: alice.access_token })).body,
    ).toEqual({
      starred: false,
    });
    const unstar = () =>
      backend.api('DELETE', `/api/v1/endpoints/${made.id}/star`, { token: bob.access_token });
    const removed = await unstar();
    expect(removed.status).toBe(204);
    expect(removed.text).toBe('');
    expect((await unstar()).status).toBe(204);
    expect(await starsOf(made.id)).toBe(0);
    const after = await backend.api<EndpointJson>('GET', `/api/v1/endpoints/${made.id}`, {
      token: alice.access_token,
    });
    expect(after.body.updated_at).toBe(made.updated_at);
  });

  it('counts concurrent stars exactly once each and never drops below 0', async () => {
    const made = await createEndpoint(backend, alice.access_token, { name: 'Racy' });
    const fans = await Promise.all([1, 2, 3].map(() => backend.registerUser()));
    await Promise.all(
      fans.flatMap((fan) =>
        [1, 2].map(() =>
          backend.api('POST', `/api/v1/endpoints/${made.id}/star`, { token: fan.access_token }),
        ),
      ),
    );
    expect(await starsOf(made.id)).toBe(3);
    // An admin reset of the counter below the number of star rows must not make unstar go negative.
    await setEndpointColumns(backend, made.id, { starsCount: 0 });
    await backend.api('DELETE', `/api/v1/endpoints/${made.id}/star`, { token: fans[0]!.access_token });
    expect(await starsOf(made.id)).toBe(0);
  });

  it('answers 404 for endpoints the caller cannot see, and needs a user', async () => {
    const hidden = await createEndpoint(backend, alice.access_token, {
      name: 'Hidden stars',
      visibility: 'private',
    });
    const res = await backend.api('POST', `/api/v1/endpoints/${hidden.id}/star`, { token: bob.access_token });
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ detail: 'Endpoint not found' });
    expect(
      (await backend.api('POST', '/api/v1/endpoints/424242/star', { token: bob.access_token })).status,
    ).toBe(404);
    expect((await backend.api('POST', `/api/v1/endpoints/${hidden.id}/star`)).status).toBe(401);
    const own = await backend.api('POST', `/api/v1/endpoints/${hidden.id}/star`, {
      token: alice.access_token,
    });
    expect(own.body).toEqual({ starred: true });
  });
});
