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
      message: 'Google sign-in is not supported by this hub.',
    });
  });

  it('answers unknown routes with 404 and a wrong method with 405 + Allow', async () => {
    expect((await backend.api('GET', '/api/v1/nope/nope/nope')).status).toBe(404);
    const res = await backend.api('DELETE', '/');
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toContain('GET');
  });
});

describe('hostile input', () => {
  it('refuses NUL characters in any body, query or path string with a 422 naming the field', async () => {
    const user = await backend.registerUser();
    const body = await backend.api<{ detail: Array<{ type: string; loc: unknown[] }> }>(
      'PUT',
      '/api/v1/users/me',
      {
        token: user.access_token,
        json: { full_name: 'a\u0000b' },
      },
    );
    expect(body.status).toBe(422);
    expect(body.body.detail[0]).toMatchObject({ type: 'string_nul', loc: ['body', 'full_name'] });
    const query = await backend.api('GET', '/api/v1/endpoints/public?search=a%00b');
    expect(query.status).toBe(422);
    const nested = await backend.api('POST', '/api/v1/endpoints', {
      token: user.access_token,
      json: { name: 'ok name', type: 'model', tags: ['fine', 'x\u0000'] },
    });
    expect(nested.status).toBe(422);
  });

  it('answers a malformed multipart login with 400, not 500', async () => {
    const res = await backend.app.request('/api/v1/auth/login', {
      method: 'POST',
      headers: { 'Content-Type': 'multipart/form-data; boundary=xyz' },
      body: '--xyz\r\nContent-Disposition: form-data; name="username"\r\n\r\nalice\r\n--xy',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ detail: 'There was an error parsing the body' });
  });
});
