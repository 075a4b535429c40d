import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSatelliteEnv } from '../src/env';
import { createSatellite, type Satellite } from '../src/satellite';
import { captureLogger, postJson, removeDir, tempDir } from './helpers';

const LABEL = '[Demo model: extractive answer, no language model configured]';
const NO_CONTEXT =
  'This demo model does not generate text: it can only quote sentences from documents that are supplied with ' +
  'the question, and none of the supplied text matched it. Set OPENAI_BASE_URL and OPENAI_MODEL on the satellite ' +
  'to connect an OpenAI-compatible language model and get real answers.';

/** The aggregator's case C layout (aggregator.md §7): numbered SOURCES, then the question block. */
const USER_MESSAGE = [
  'SOURCES:',
  "[1]: Satellites verify tokens locally with the hub's JWKS. Tokens expire after sixty seconds.",
  '[2]: The aggregator reranks documents with BM25. It keeps the best top_k documents.',
  '[3]: Library cards are free for residents.',
  '',
  '---',
  'USER QUESTION:',
  'How long do satellite tokens last before they expire?',
  '---',
].join('\n');
const MESSAGES = [
  { role: 'system', content: 'Answer from the sources.' },
  { role: 'user', content: USER_MESSAGE },
];

interface ModelBody {
  summary: {
    id: string;
    model: string;
    message: { role: string; content: string; tokens: number };
    finish_reason: string;
    usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
    provider_info: Record<string, unknown>;
  };
  references: null;
  cost: number;
  currency: string;
  policy_metadata: unknown;
}

let dir: string;
let satellite: Satellite;
let lines: string[];

async function complete(messages: unknown, extra: Record<string, unknown> = {}): Promise<ModelBody> {
  const res = await satellite.app.request(
    '/api/v1/endpoints/assistant/query',
    postJson({ messages, max_tokens: 256, temperature: 0.7, stream: false, stop_sequences: [], ...extra }),
  );
  expect(res.status).toBe(200);
  return (await res.json()) as ModelBody;
}

function contentOf(messages: unknown) {
  return complete(messages).then((body) => body.summary.message.content);
}

beforeAll(async () => {
  dir = await tempDir();
  const env = parseSatelliteEnv({
    SATELLITE_DOCS_DIR: dir,
    SATELLITE_REQUIRE_TOKEN: 'false',
    SATELLITE_PUBLISH: 'false',
  });
  const captured = captureLogger();
  lines = captured.lines;
  satellite = await createSatellite(env, captured.logger);
  await satellite.start();
});

afterAll(async () => {
  await satellite.stop();
  await removeDir(dir);
});

describe('demo model (JSON)', () => {
  it('quotes the best sentences with citations, deterministically', async () => {
    const body = await complete(MESSAGES);
    expect(body.summary.message.content).toBe(
      `${LABEL}\n\nBased on the provided sources: Tokens expire after sixty seconds. [cite:1] ` +
        "Satellites verify tokens locally with the hub's JWKS. [cite:1]",
    );
    expect(body.summary).toMatchObject({
      model: 'syfthub-demo-extractive',
      message: { role: 'assistant', tokens: 28 },
      finish_reason: 'stop',
      // System 4 words + user message 48 words; the answer has 8 + 5 + 6 + 9 = 28.
      usage: { prompt_tokens: 52, completion_tokens: 28, total_tokens: 80 },
      provider_info: { provider: 'syfthub-demo', mode: 'extractive', llm: false },
    });
    expect(body.references).toBeNull();
    expect(body.policy_metadata).toEqual({ outcome: 'success', entries: [] });
    const again = await complete(MESSAGES);
    expect(again).toEqual(body);
    expect(lines.join('\n')).not.toContain('sixty seconds');
  });

  it('breaks score ties by passage number', async () => {
    const user = 'SOURCES:\n[2]: Roses like sun.\n[1]: Roses like rain.\n\n---\nUSER QUESTION:\nroses\n---';
    expect(await contentOf([{ role: 'user', content: user }])).toBe(
      `${LABEL}\n\nBased on the provided sources: Roses like rain. [cite:1] Roses like sun. [cite:2]`,
    );
  });

  it('quotes at most three sentences', async () => {
    const user = [
      'SOURCES:',
      '[1]: Tea is grown on hills. Tea needs rain. Green tea is steamed.',
      '[2]: Black tea is oxidised. Coffee is different.',
      '---',
      'USER QUESTION:',
      'tea',
      '---',
    ].join('\n');
    const content = await contentOf([{ role: 'user', content: user }]);
    expect(content.match(/\[cite:\d\]/g)).toHaveLength(3);
    expect(content).not.toContain('Coffee');
  });

  it('reads unnumbered <content> blocks without citing them', async () => {
    const user = [
      '<documents>',
      '<document index="1"><source>a/b</source><title>T</title><relevance>0.9</relevance>',
      '<content>Compost needs air &amp; water. Bees like &lt;lavender&gt;.</content></document>',
      '</documents>',
      '',
      '---',
      'USER QUESTION:',
      'What does compost need?',
      '---',
    ].join('\n');
    expect(await contentOf([{ role: 'user', content: user }])).toBe(
      `${LABEL}\n\nBased on the provided sources: Compost needs air & water.`,
    );
  });

  it('uses the last user message', async () => {
    const content = await contentOf([
      { role: 'user', content: USER_MESSAGE },
      { role: 'assistant', content: 'Sixty seconds.' },
      { role: 'user', content: 'And what about library cards?' },
    ]);
    expect(content).toBe(`${LABEL}\n\n${NO_CONTEXT}`);
  });

  it('explains itself when no context is supplied or nothing matches', async () => {
    expect(await contentOf([{ role: 'user', content: 'What is the capital of France?' }])).toBe(
      `${LABEL}\n\n${NO_CONTEXT}`,
    );
    const unrelated = USER_MESSAGE.replace('How long do satellite tokens last before they expire?', 'zebras');
    expect(await contentOf([{ role: 'user', content: unrelated }])).toBe(`${LABEL}\n\n${NO_CONTEXT}`);
  });
});

describe('demo model (streaming)', () => {
  it('streams one chunk per word, then the final chunk and [DONE]', async () => {
    const res = await satellite.app.request(
      '/api/v1/endpoints/assistant/query',
      postJson(
        { messages: MESSAGES, max_tokens: 256, temperature: 0.7, stream: true, stop_sequences: [] },
        { accept: 'text/event-stream, application/json' },
      ),
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const text = await res.text();
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    const frames = text.split('\n\n').filter((f) => f !== '');
    for (const frame of frames) expect(frame.startsWith('data: ')).toBe(true);
    const payloads = frames.slice(0, -1).map((f) => JSON.parse(f.slice(6)));
    const words = payloads.slice(0, -1);
    const final = payloads.at(-1);

    expect(words).toHaveLength(28);
    for (const chunk of words) {
      expect(chunk).toMatchObject({ object: 'chat.completion.chunk', model: 'syfthub-demo-extractive' });
      expect(chunk.choices[0].finish_reason).toBeNull();
      expect(chunk.choices[0].delta.content).toMatch(/^\S+\s*$/);
    }
    expect(words[0].choices[0].delta.content).toBe('[Demo ');
    const json = await complete(MESSAGES);
    expect(words.map((c) => c.choices[0].delta.content).join('')).toBe(json.summary.message.content);
    expect(final).toMatchObject({
      id: json.summary.id,
      choices: [{ index: 0, delta: {}, finish_reason: 'stop' }],
      usage: { prompt_tokens: 52, completion_tokens: 28, total_tokens: 80 },
      policy_metadata: { outcome: 'success', entries: [] },
    });
  });
});
