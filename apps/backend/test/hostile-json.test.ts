import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestBackend, type TestBackend } from './harness';

// Issue 19 defects 1 and 3: 5,000 nested arrays overflowed the stack (500, with the 422 body echoing the input), and
// lone UTF-16 surrogates reached PostgreSQL JSON/JSONB columns (500).

let backend: TestBackend;
let token: string;

beforeAll(async () => {
  backend = await createTestBackend();
  ({ access_token: token } = await backend.registerUser());
});
afterAll(async () => {
  await backend.close();
});

const deep = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;

describe('deeply nested JSON', () => {
  const routes: Array<[string, string, boolean]> = [
    ['POST', '/api/v1/auth/register', false],
    ['POST', '/api/v1/errors/report', false],
    ['POST', '/api/v1/endpoints', true],
    ['POST', '/api/v1/endpoints/sync', true],
    ['PUT', '/api/v1/users/me', true],
    ['POST', '/api/v1/endpoints/search', false],
    ['POST', '/api/v1/peer-token', true],
    ['PUT', '/api/v1/nats/encryption-key', true],
  ];

  it.each(routes)('%s %s: 422 json_invalid, a short body, no echo', async (method, path, signedIn) => {
    const res = await backend.api(method, path, {
      ...(signedIn ? { token } : {}),
      headers: { 'Content-Type': 'application/json' },
      raw: `{"name":${deep(5000)},"config":${deep(5000)}}`,
    });
    expect(res.status).toBe(422);
    expect(res.text.length).toBeLessThan(300);
    expect(res.body).toEqual({
      detail: [
        {
          type: 'json_invalid',
          loc: ['body'],
          msg: 'JSON nesting exceeds 64 levels',
          ctx: { max_depth: 64 },
        },
      ],
    });
  });

  it('accepts nesting up to the limit inside a policy config', async () => {
    const config = JSON.parse(`{"a":${deep(60)}}`) as unknown;
    const res = await backend.api('POST', '/api/v1/endpoints', {
      token,
      json: { name: 'Deep but fine', type: 'model', policies: [{ type: 'custom', config }] },
    });
    expect(res.status).toBe(201);
  });

  it('the invocation proxy answers 400 "Invalid JSON request body" instead of forwarding it', async () => {
    const made = await backend.api<{ slug: string }>('POST', '/api/v1/endpoints', {
      token,
      json: {
        name: 'Proxy target',
        type: 'model',
        connect: [{ type: 'http', config: { url: 'https://example.com' } }],
      },
    });
    const me = await backend.api<{ username: string }>('GET', '/api/v1/users/me', { token });
    const res = await backend.api('POST', `/${me.body.username}/${made.body.slug}`, {
      token,
      headers: { 'Content-Type': 'application/json' },
      raw: `{"messages":${deep(5000)}}`,
    });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ detail: 'Invalid JSON request body' });
  });
});

describe('lone UTF-16 surrogates', () => {
  const LONE = '\ud800';
  const unpaired = (loc: Array<string | number>) => ({
    detail: [
      { type: 'string_unpaired_surrogate', loc, msg: 'Text must not contain unpaired UTF-16 surrogates' },
    ],
  });

  it('are refused with 422 where they would reach JSON/JSONB or text columns', async () => {
    const cases: Array<[string, string, unknown, Array<string | number>]> = [
      [
        'POST',
        '/api/v1/endpoints',
        { name: 'Policy', type: 'model', policies: [{ type: 'p', config: { note: `a${LONE}b` } }] },
        ['body', 'policies', 0, 'config', 'note'],
      ],
      [
        'POST',
        '/api/v1/endpoints',
        { name: 'Connect', type: 'model', connect: [{ type: 'http', config: { [`k${LONE}`]: 1 } }] },
        ['body', 'connect', 0, 'config', `k${LONE}`],
      ],
      [
        'POST',
        '/api/v1/endpoints/sync',
        { endpoints: [{ name: `Sync ${LONE}`, type: 'model' }] },
        ['body', 'endpoints', 0, 'name'],
      ],
      [
        'POST',
        '/api/v1/endpoints/health',
        { endpoints: [{ slug: `ab${LONE}c`, status: 'healthy', checked_at: new Date().toISOString() }] },
        ['body', 'endpoints', 0, 'slug'],
      ],
      [
        'POST',
        '/api/v1/errors/report',
        { message: 'boom', error: { type: 'Error' }, context: { app_state: { x: `\udc00` } } },
        ['body', 'context', 'app_state', 'x'],
      ],
      ['PUT', '/api/v1/users/me', { bio: `bio ${LONE}` }, ['body', 'bio']],
      ['POST', '/api/v1/peer-token', { target_usernames: [`bob${LONE}`] }, ['body', 'target_usernames', 0]],
    ];
    for (const [method, path, json, loc] of cases) {
      const res = await backend.api(method, path, { token, json });
      expect(res.status, `${method} ${path}`).toBe(422);
      expect(res.body).toEqual(unpaired(loc));
    }
  });

  it('NUL is still refused, and paired surrogates (emoji) are stored as sent', async () => {
    const nul = await backend.api('PUT', '/api/v1/users/me', { token, json: { bio: 'a\u0000b' } });
    expect(nul.status).toBe(422);
    expect(nul.body).toMatchObject({ detail: [{ type: 'string_nul', loc: ['body', 'bio'] }] });
    const emoji = await backend.api<{ bio: string }>('PUT', '/api/v1/users/me', {
      token,
      json: { bio: '😀 ok' },
    });
    expect(emoji.status).toBe(200);
    expect(emoji.body.bio).toBe('😀 ok');
  });
});
