import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSatelliteEnv } from '../src/env';
import { createSatellite, type Satellite } from '../src/satellite';
import { captureLogger, postJson, removeDir, tempDir, writeFiles } from './helpers';

let dir: string;
let open: Satellite;
let guarded: Satellite;

const user = (content: string) => ({ role: 'user', content });

async function build(extra: Record<string, string>): Promise<Satellite> {
  const env = parseSatelliteEnv({ SATELLITE_DOCS_DIR: dir, SATELLITE_PUBLISH: 'false', ...extra });
  const satellite = await createSatellite(env, captureLogger().logger, {
    verifier: { verify: async () => ({ valid: false, error: 'invalid_signature', message: 'bad' }) },
  });
  await satellite.start();
  return satellite;
}

function post(slug: string, body: unknown, app = open.app, headers: Record<string, string> = {}) {
  return app.request(`/api/v1/endpoints/${slug}/query`, postJson(body, headers));
}

beforeAll(async () => {
  dir = await tempDir();
  await writeFiles(dir, { 'a.md': '# A\n\nApples and pears.' });
  open = await build({ SATELLITE_REQUIRE_TOKEN: 'false' });
  guarded = await build({ SATELLITE_OWNER_USERNAME: 'alice' });
});

afterAll(async () => {
  await open.stop();
  await guarded.stop();
  await removeDir(dir);
});

describe('request validation', () => {
  it('answers malformed JSON with 422 json_invalid', async () => {
    const res = await post('documents', '{"messages": "apples",');
    expect(res.status).toBe(422);
    const body = (await res.json()) as { detail: Array<{ type: string; loc: unknown[] }> };
    expect(body.detail[0]).toMatchObject({ type: 'json_invalid', loc: ['body', expect.any(Number)] });
  });

  it('refuses JSON nested deeper than 64 levels with a short 422 (5,000 levels once overflowed the stack)', async () => {
    for (const slug of ['documents', 'assistant']) {
      const res = await post(slug, `{"messages":${'['.repeat(5000)}${']'.repeat(5000)}}`);
      expect(res.status).toBe(422);
      const text = await res.text();
      expect(text.length).toBeLessThan(500);
      expect(JSON.parse(text).detail[0]).toMatchObject({ type: 'json_invalid', loc: ['body'] });
    }
  });

  it('refuses more than 200 messages and accepts exactly 200', async () => {
    const many = Array.from({ length: 201 }, (_, i) => user(`question ${i}`));
    const res = await post('assistant', { messages: many });
    expect(res.status).toBe(422);
    const body = (await res.json()) as { detail: Array<{ type: string; loc: unknown[] }> };
    expect(body.detail).toEqual([expect.objectContaining({ type: 'too_long', loc: ['body', 'messages'] })]);
    expect((await post('assistant', { messages: many.slice(0, 200) })).status).toBe(200);
  });

  it('answers a body over 1 MiB with 413', async () => {
    const res = await post('documents', { messages: 'x'.repeat(1024 * 1024 + 1) });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ detail: 'Request body too large' });
  });

  it('answers an unknown slug with 404 before checking the token', async () => {
    const res = await post('nothing-here', { messages: 'apples' }, guarded.app);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ detail: 'Endpoint not found' });
  });

  it('checks the token before validating the body', async () => {
    const res = await post('documents', '{not json', guarded.app);
    expect(res.status).toBe(401);
    const bad = await post('documents', { messages: 'apples' }, guarded.app, {
      authorization: 'Bearer x.y.z',
    });
    expect(bad.status).toBe(401);
    expect(await bad.json()).toEqual({ detail: 'Invalid satellite token: bad' });
  });

  it('answers the wrong method with 405 and an Allow header', async () => {
    const res = await open.app.request('/api/v1/endpoints/documents/query');
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    expect(await res.json()).toEqual({ detail: 'Method Not Allowed' });
  });

  it('answers unknown routes with 404 Not Found', async () => {
    const res = await open.app.request('/api/v1/nowhere');
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ detail: 'Not Found' });
  });

  it('validates data-source fields', async () => {
    const missing = await post('documents', { limit: 3 });
    expect(missing.status).toBe(422);
    expect(
      ((await missing.json()) as { detail: Array<{ type: string; loc: unknown[] }> }).detail[0],
    ).toMatchObject({
      type: 'missing',
      loc: ['body', 'messages'],
    });
    expect((await post('documents', { messages: 'apples', limit: 0 })).status).toBe(422);
    expect((await post('documents', { messages: 'apples', similarity_threshold: 1.5 })).status).toBe(422);
    expect((await post('documents', { messages: 'apples', include_metadata: 'yes' })).status).toBe(422);
  });

  it('validates model fields', async () => {
    expect((await post('assistant', { messages: [{ role: 'tool', content: 'x' }] })).status).toBe(422);
    expect((await post('assistant', { messages: 'just a string' })).status).toBe(422);
    expect((await post('assistant', { messages: [] })).status).toBe(422);
    expect((await post('assistant', { messages: [user('hi')], temperature: 3 })).status).toBe(422);
    expect((await post('assistant', { messages: [user('hi')], max_tokens: 0 })).status).toBe(422);
  });

  it('ignores unknown fields and treats nulls as defaults', async () => {
    const ds = await post('documents', { messages: 'apples', user_email: 'a@example.com', limit: null });
    expect(ds.status).toBe(200);
    const model = await post('assistant', {
      messages: [user('hi')],
      max_tokens: null,
      temperature: null,
      stream: null,
      stop_sequences: null,
      transaction_token: 'ignored',
    });
    expect(model.status).toBe(200);
  });

  it('carries a correlation id on errors', async () => {
    const res = await post('documents', '{', open.app, { 'x-correlation-id': 'bad-input-1' });
    expect(res.headers.get('x-correlation-id')).toBe('bad-input-1');
  });
});
