import { describe, expect, it } from 'vitest';
import { createChatRequestSchema, fastChatRequest, zodChatRequestSchema } from '../src/schema';
import { testConfig } from './helpers/aggregator';

const config = testConfig({ AGGREGATOR_MAX_PROMPT_CHARS: '50', AGGREGATOR_MAX_DATA_SOURCES: '3' });
const zod = zodChatRequestSchema(config);

// A small deterministic generator, so a failure is reproducible.
let seed = 11;
const random = () => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
};
const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)] as T;
/** Leaves `key` out half of the time; else mostly a value from the first half of `values`, rarely the rest. */
const maybe = (record: Record<string, unknown>, key: string, values: readonly unknown[]) => {
  if (random() < 0.5) return;
  const half = Math.ceil(values.length / 2);
  const value = random() < 0.9 ? pick(values.slice(0, half)) : pick(values.slice(half));
  if (value !== ABSENT) record[key] = value;
};
const ABSENT = Symbol('absent');

const TEXTS = ['', 'x', 'What notice?', 'é\u0301', null, 'y'.repeat(60), 3, true, [], {}];
const URLS = [
  'http://127.0.0.1:8003',
  'https://sat.example/base/',
  'tunneling:bob',
  'ftp://x',
  'http://u:p@h',
  'nope',
  7,
];
const NUMBERS = [ABSENT, 1, 5, 0.5, 0.7, 0, 1.5, 2, 1024, 20, 21, 2.5, -1, 32768, 32769, 2 ** 60, '5', null];
const FLAGS = [ABSENT, true, false, null, 'true', 0];

function ref(): unknown {
  if (random() < 0.05) return pick([null, 'ref', [], 1]);
  const r: Record<string, unknown> = {};
  maybe(r, 'url', URLS);
  if (random() < 0.9) r.url = pick(URLS.slice(0, 3));
  r.slug = random() < 0.9 ? pick(['docs', 'model', 'a b']) : pick(['', 3, null]);
  maybe(r, 'name', TEXTS);
  maybe(r, 'tenant_name', TEXTS);
  maybe(r, 'owner_username', ['alice', 'Bob', null, 3, ABSENT]);
  maybe(r, 'query_override', [null, 'q', 'z'.repeat(2001), 4]);
  maybe(r, 'extra', ['ignored']);
  return r;
}

function request(): unknown {
  if (random() < 0.03) return pick([null, 'text', [], 5]);
  const r: Record<string, unknown> = {
    prompt: random() < 0.9 ? 'What notice does termination need?' : pick(TEXTS),
  };
  r.model = ref();
  maybe(r, 'data_sources', [null, [], [ref()], [ref(), ref(), ref()], [ref(), ref(), ref(), ref()], 'docs']);
  maybe(r, 'endpoint_tokens', [
    null,
    {},
    { alice: 'token-a', bob: 'token-b' },
    { alice: 3 },
    JSON.parse('{"__proto__":"x","a":"b"}'),
    { '10': 'n', b: 'm', '2': 'k' },
    [],
  ]);
  maybe(r, 'messages', [
    null,
    [],
    [{ role: 'user', content: 'hi', name: 'dropped' }],
    [
      { role: 'assistant', content: 'a' },
      { role: 'system', content: 'b' },
    ],
    [{ role: 'robot', content: 'x' }],
    [{ role: 'user', content: 1 }],
    Array.from({ length: 101 }, () => ({ role: 'user', content: 'm' })),
    [{ role: 'user', content: 'c'.repeat(200_001) }],
  ]);
  maybe(r, 'top_k', NUMBERS);
  maybe(r, 'max_tokens', NUMBERS);
  maybe(r, 'temperature', NUMBERS);
  maybe(r, 'similarity_threshold', NUMBERS);
  maybe(r, 'custom_system_prompt', [null, 'Be brief.', 's'.repeat(8001), 5]);
  maybe(r, 'retrieval_only', FLAGS);
  maybe(r, 'auto_sources', FLAGS);
  maybe(r, 'stream', FLAGS);
  maybe(r, 'user_token', [null, 'hub-token', 5]);
  maybe(r, 'peer_token', [null, 'p', 5]);
  maybe(r, 'peer_channel', [null, 'c', false]);
  maybe(r, 'transaction_tokens', [null, { a: 1 }, 'x']);
  maybe(r, 'unknown_field', [1, 'x']);
  return r;
}

describe('the ChatRequest fast path', () => {
  it('accepts only what zod accepts, with the same result, key order included', () => {
    let fast = 0;
    for (let i = 0; i < 20_000; i += 1) {
      const data = request();
      const mine = fastChatRequest(data, config);
      const reference = zod.safeParse(data);
      if (mine === null) continue;
      fast += 1;
      expect(reference.success).toBe(true);
      expect(mine).toStrictEqual(reference.data);
      expect(JSON.stringify(mine)).toBe(JSON.stringify(reference.data));
    }
    // The generator reaches both paths plenty of times.
    expect(fast).toBeGreaterThan(300);
  });

  it('is what the route schema uses, and zod still words the refusals', () => {
    const schema = createChatRequestSchema(config);
    const body = {
      prompt: 'q',
      model: { url: 'http://127.0.0.1:8003', slug: 'model', owner_username: 'bob' },
      data_sources: [{ url: 'http://127.0.0.1:8003', slug: 'docs' }],
      endpoint_tokens: { bob: 't' },
    };
    expect(schema.safeParse(body)).toStrictEqual({ success: true, data: fastChatRequest(body, config) });
    const refused = schema.safeParse({ ...body, top_k: 0 });
    expect(refused.success).toBe(false);
    expect(refused.error?.issues).toStrictEqual(zod.safeParse({ ...body, top_k: 0 }).error?.issues);
  });
});
