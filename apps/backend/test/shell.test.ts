import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestBackend, type TestBackend } from './harness';

let backend: TestBackend;
beforeAll(async () => {
  backend = await createTestBackend();
});
afterAll(async () => {
  await backend.close();
});

describe('service shell', () => {
  it('welcomes at / with the version and docs location', async () => {
    const res = await backend.api<{ message: string; docs: string }>('GET', '/');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ message: 'Welcome to Syfthub API', docs: '/docs' });
    expect(res.headers.get('x-correlation-id')).toBeTruthy();
  });

  it('is ready when its database and KV answer, and reports the identity provider keys', async () => {
    const res = await backend.api<{
      status: string;
      components: Record<string, { status: string; key_ids?: string[] }>;
    }>('GET', '/ready');
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('ready');
    expect(res.body.components.database?.status).toBe('ok');
    expect(res.body.components.identity_provider?.key_ids).toEqual(['hub-key-1']);
  });

  it('serves the OpenAPI document, Swagger UI and ReDoc with local assets', async () => {
    const doc = await backend.api<{ openapi: string; paths: Record<string, unknown> }>(
      'GET',
      '/openapi.json',
    );
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.1.0');
    expect(Object.keys(doc.body.paths)).toContain('/');
    const docs = await backend.api('GET', '/docs');
    expect(docs.text).toContain('/docs/assets/swagger-ui-bundle.js');
    const bundle = await backend.app.request('/docs/assets/swagger-ui-bundle.js');
    expect(bundle.status).toBe(200);
    expect((await bundle.text()).length).toBeGreaterThan(100_000);
    const redoc = await backend.api('GET', '/redoc');
    expect(redoc.text).toContain('/docs/assets/redoc.standalone.js');
  });

  it('answers out-of-scope upstream routes with 501 NOT_IMPLEMENTED', async () => {
    const res = await backend.api('POST', '/api/v1/auth/google', { json: {} });
    expect(res.status).toBe(501);
    expect(res.body).toEqual({
      detail: { code: 'NOT_IMPLEMENTED', message: 'Google sign-in is not supported by this hub.' },
    });
  });

  it('answers unknown routes with 404 and a wrong method with 405 + Allow', async () => {
    expect((await backend.api('GET', '/api/v1/nope/nope/nope')).status).toBe(404);
    const res = await backend.api('DELETE', '/');
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toContain('GET');
  });
});
