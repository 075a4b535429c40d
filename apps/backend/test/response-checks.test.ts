import { createAuthMiddleware } from '@syfthub/auth';
import type { User } from '@syfthub/db';
import { createServiceApp, createSilentLogger } from '@syfthub/service';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { BackendEnv } from '../src/http/context';
import { createRouteRegistry } from '../src/http/route-kit';

// The route kit's dev/test-time response check: a handler that answers outside its documented contract fails
// (500 naming the mismatch) where checks are on, and is passed through untouched where they are off (production).

function appWith(checkResponses: boolean) {
  const app = createServiceApp<BackendEnv>({
    name: 'test',
    version: '0',
    logger: createSilentLogger(),
    corsOrigins: [],
  });
  const auth = createAuthMiddleware<User>({
    authenticate: async () => {
      throw new Error('no credentials in this test');
    },
  });
  const routes = createRouteRegistry(app, auth, { checkResponses });
  const Greeting = z.object({ greeting: z.string(), count: z.number().int() });
  const base = { method: 'get' as const, tags: ['test'], auth: 'none' as const, summary: 'test' };
  routes.add({ ...base, path: '/good', responses: { 200: { description: 'ok', schema: Greeting } } }, (c) =>
    c.json({ greeting: 'hi', count: 1 }),
  );
  routes.add(
    { ...base, path: '/renamed', responses: { 200: { description: 'ok', schema: Greeting } } },
    (c) => c.json({ greting: 'hi', count: 1 }),
  );
  routes.add(
    { ...base, path: '/undocumented', responses: { 200: { description: 'ok', schema: Greeting } } },
    (c) => c.json({ greeting: 'hi', count: 1 }, 201),
  );
  routes.add({ ...base, path: '/schemaless', responses: { 200: { description: 'ok' } } }, (c) =>
    c.json({ greeting: 'hi' }),
  );
  routes.add(
    { ...base, path: '/bad-error', responses: { 200: { description: 'ok', schema: Greeting } } },
    (c) => c.json({ error: 'not the envelope' }, 409),
  );
  return app;
}

describe('response checks of the route kit', () => {
  it('pass a response that matches its schema', async () => {
    const res = await appWith(true).request('/good');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ greeting: 'hi', count: 1 });
  });

  it.each([
    ['/renamed', 'does not match its contract'],
    ['/undocumented', 'is not a documented response'],
    ['/schemaless', 'documents no schema'],
    ['/bad-error', 'does not match its contract'],
  ])('fail %s where checks are on', async (path, reason) => {
    const res = await appWith(true).request(path);
    expect(res.status).toBe(500);
    expect(((await res.json()) as { detail: string }).detail).toContain(reason);
  });

  it('leave responses alone where checks are off', async () => {
    const app = appWith(false);
    expect((await app.request('/renamed')).status).toBe(200);
    expect((await app.request('/undocumented')).status).toBe(201);
    expect((await app.request('/bad-error')).status).toBe(409);
  });
});
