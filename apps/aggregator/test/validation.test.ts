import { createSilentLogger } from '@syfthub/service';
import { describe, expect, it } from 'vitest';
import { createApp } from '../src/app';
import { createChatRequestSchema } from '../src/schema';
import { testConfig } from './helpers/aggregator';

const app = createApp({
  config: testConfig({ AGGREGATOR_MAX_PROMPT_CHARS: '50', AGGREGATOR_MAX_DATA_SOURCES: '10' }),
  logger: createSilentLogger(),
  reportFailure: null,
});

const model = { url: 'http://model.example', slug: 'm', name: '', tenant_name: null, owner_username: 'bob' };
const source = (i: number) => ({ url: `http://s${i}.example`, slug: `d${i}` });

async function post(path: string, body: unknown, raw?: string) {
  const res = await app.request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: raw ?? JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as { detail: Array<Record<string, unknown>> } };
}

describe.each(['/api/v1/chat', '/api/v1/chat/stream'])('ChatRequest validation on %s', (path) => {
  it('rejects malformed JSON with json_invalid', async () => {
    const r = await post(path, null, '{"prompt":');
    expect(r.status).toBe(422);
    expect(r.body.detail[0]).toMatchObject({ type: 'json_invalid' });
  });

  it('refuses JSON nested deeper than 64 levels with a short 422 (5,000 levels once overflowed the stack)', async () => {
    const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    const res = await app.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"prompt":${deep},"model":${deep}}`,
    });
    expect(res.status).toBe(422);
    const text = await res.text();
    expect(text.length).toBeLessThan(500);
    expect(JSON.parse(text)).toEqual({
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

  it('requires prompt and model', async () => {
    const r = await post(path, {});
    expect(r.status).toBe(422);
    expect(r.body.detail.map((d) => [d.type, d.loc])).toEqual([
      ['missing', ['body', 'prompt']],
      ['missing', ['body', 'model']],
    ]);
  });

  it.each([
    ['empty prompt', { prompt: '' }, 'string_too_short', ['body', 'prompt']],
    [
      'prompt over AGGREGATOR_MAX_PROMPT_CHARS',
      { prompt: 'x'.repeat(51) },
      'string_too_long',
      ['body', 'prompt'],
    ],
    ['top_k 0', { top_k: 0 }, 'greater_than_equal', ['body', 'top_k']],
    ['top_k over the maximum', { top_k: 21 }, 'less_than_equal', ['body', 'top_k']],
    ['fractional top_k', { top_k: 2.5 }, 'int_from_float', ['body', 'top_k']],
    [
      'too many data sources',
      { data_sources: Array.from({ length: 11 }, (_, i) => source(i)) },
      'too_long',
      ['body', 'data_sources'],
    ],
    ['auto_sources as a string', { auto_sources: 'yes' }, 'bool_parsing', ['body', 'auto_sources']],
    ['auto_sources as a number', { auto_sources: 1 }, 'bool_type', ['body', 'auto_sources']],
    ['max_tokens 0', { max_tokens: 0 }, 'greater_than_equal', ['body', 'max_tokens']],
    ['max_tokens over 32768', { max_tokens: 32769 }, 'less_than_equal', ['body', 'max_tokens']],
    ['temperature over 2', { temperature: 2.5 }, 'less_than_equal', ['body', 'temperature']],
    [
      'similarity_threshold below 0',
      { similarity_threshold: -0.1 },
      'greater_than_equal',
      ['body', 'similarity_threshold'],
    ],
    [
      'long custom system prompt',
      { custom_system_prompt: 'x'.repeat(8001) },
      'string_too_long',
      ['body', 'custom_system_prompt'],
    ],
    [
      'bad message role',
      { messages: [{ role: 'tool', content: 'x' }] },
      'enum',
      ['body', 'messages', 0, 'role'],
    ],
    [
      'long query_override',
      { data_sources: [{ ...source(1), query_override: 'q'.repeat(2001) }] },
      'string_too_long',
      ['body', 'data_sources', 0, 'query_override'],
    ],
    [
      'data source without slug',
      { data_sources: [{ url: 'http://x.example' }] },
      'missing',
      ['body', 'data_sources', 0, 'slug'],
    ],
    [
      'model with an ftp URL',
      { model: { ...model, url: 'ftp://x' } },
      'value_error',
      ['body', 'model', 'url'],
    ],
    // Issue 19 defect 11: the appended query path would land in the query, the fragment, or go to another user.
    [
      'model URL with a query',
      { model: { ...model, url: 'http://x.example/relay?to=' } },
      'value_error',
      ['body', 'model', 'url'],
    ],
    [
      'model URL with a fragment',
      { model: { ...model, url: 'http://x.example/relay#' } },
      'value_error',
      ['body', 'model', 'url'],
    ],
    [
      'model URL with credentials',
      { model: { ...model, url: 'http://user:pw@x.example' } },
      'value_error',
      ['body', 'model', 'url'],
    ],
    ['model with an empty slug', { model: { ...model, slug: '' } }, 'value_error', ['body', 'model', 'slug']],
    [
      'placeholder model without retrieval_only',
      { model: { url: '', slug: '', name: 'retrieval-only' } },
      'value_error',
      ['body', 'model', 'url'],
    ],
  ])('422 for %s', async (_name, patch, type, loc) => {
    const r = await post(path, { prompt: 'hello', model, ...patch });
    expect(r.status).toBe(422);
    expect(r.body.detail).toContainEqual(expect.objectContaining({ type, loc }));
  });

  it('never echoes user_token or satellite tokens in validation errors', async () => {
    const r = await post(path, {
      prompt: '',
      model,
      user_token: 'hub-secret',
      endpoint_tokens: { bob: 'sat-secret' },
    });
    expect(r.status).toBe(422);
    expect(JSON.stringify(r.body)).not.toMatch(/secret/);
  });
});

describe('request size', () => {
  it('answers 413 for bodies over 2 MiB', async () => {
    const r = await post('/api/v1/chat', { prompt: 'x'.repeat(2 * 1024 * 1024 + 10), model });
    expect(r.status).toBe(413);
    expect(r.body).toEqual({ detail: 'Request body too large' });
  });
});

describe('conversation history caps', () => {
  const schema = createChatRequestSchema(testConfig());
  const turn = (i: number, size = 1) => ({
    role: i % 2 ? 'assistant' : 'user',
    content: `${i}`.padEnd(size, '.'),
  });

  it('keeps the newest 100 turns', () => {
    const parsed = schema.parse({
      prompt: 'q',
      model,
      messages: Array.from({ length: 130 }, (_, i) => turn(i)),
    });
    expect(parsed.messages).toHaveLength(100);
    expect(parsed.messages[0]!.content).toBe('30');
  });

  it('drops the oldest turns beyond 200,000 characters in total', () => {
    const messages = Array.from({ length: 5 }, (_, i) => turn(i, 60_000));
    const parsed = schema.parse({ prompt: 'q', model, messages });
    expect(parsed.messages.map((m) => m.content[0])).toEqual(['2', '3', '4']);
  });
});
