import type { IncomingHttpHeaders } from 'node:http';
import { startServer as listen } from '@syfthub/service';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseSatelliteEnv } from '../src/env';
import { createSatellite, type Satellite } from '../src/satellite';
import {
  captureLogger,
  type LocalServer,
  postJson,
  removeDir,
  sendJson,
  startServer,
  tempDir,
} from './helpers';

const API_KEY = 'sk-test-DO-NOT-LOG-4242';
const UPSTREAM_SECRET = 'upstream-private-error-text';

type Mode = 'json' | 'stream' | 'error' | 'hang' | 'broken' | 'ignore-stream';

const upstream = {
  mode: 'json' as Mode,
  modelsOk: true,
  modelsCalls: 0,
  requests: [] as Array<{ headers: IncomingHttpHeaders; body: Record<string, unknown> }>,
  release: (): void => {},
};

const COMPLETION = {
  id: 'chatcmpl-1',
  object: 'chat.completion',
  model: 'gpt-test-0613',
  choices: [
    {
      index: 0,
      message: { role: 'assistant', content: 'Clause 7 covers termination. [cite:1]' },
      finish_reason: 'stop',
    },
  ],
  usage: { prompt_tokens: 812, completion_tokens: 9, total_tokens: 821 },
};

function chunk(content: string | null, finish: string | null = null) {
  return JSON.stringify({
    id: 'r1',
    object: 'chat.completion.chunk',
    model: 'gpt-test-0613',
    choices: [{ index: 0, delta: content === null ? {} : { content }, finish_reason: finish }],
  });
}

let fake: LocalServer;
let dir: string;
let satellite: Satellite;
/** One logger for every satellite built here, so the final check covers all of their log lines. */
const { logger, lines } = captureLogger();

async function build(extra: Record<string, string> = {}): Promise<Satellite> {
  const env = parseSatelliteEnv({
    SATELLITE_DOCS_DIR: dir,
    SATELLITE_REQUIRE_TOKEN: 'false',
    SATELLITE_PUBLISH: 'false',
    OPENAI_BASE_URL: `${fake.url}/v1/`,
    OPENAI_MODEL: 'gpt-test',
    OPENAI_API_KEY: API_KEY,
    OPENAI_TIMEOUT_SECONDS: '1',
    ...extra,
  });
  const built = await createSatellite(env, logger);
  await built.start();
  return built;
}

function ask(body: Record<string, unknown>, app = satellite.app) {
  return app.request(
    '/api/v1/endpoints/assistant/query',
    postJson({ messages: [{ role: 'user', content: 'What does clause 7 cover?' }], ...body }),
  );
}

beforeAll(async () => {
  dir = await tempDir();
  fake = await startServer(async (req, res, raw) => {
    if (req.url === '/v1/models') {
      upstream.modelsCalls += 1;
      return sendJson(res, upstream.modelsOk ? 200 : 500, { object: 'list', data: [] });
    }
    if (req.url !== '/v1/chat/completions' || req.method !== 'POST') return sendJson(res, 404, {});
    upstream.requests.push({ headers: req.headers, body: JSON.parse(raw) });
    switch (upstream.mode) {
      case 'json':
      case 'ignore-stream':
        return sendJson(res, 200, COMPLETION);
      case 'error':
        return sendJson(res, 500, { error: { message: UPSTREAM_SECRET } });
      case 'hang':
        return;
      case 'broken':
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(`data: ${chunk('Clause ')}\n\n`);
        setTimeout(() => res.socket?.destroy(), 50);
        return;
      case 'stream': {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(`data: ${chunk('Clause 7 ')}\n\n`);
        await new Promise<void>((resolve) => {
          upstream.release = resolve;
        });
        res.write(`data: ${chunk('covers termination.')}\n\n`);
        res.write(`: keep-alive comment\n\ndata: ${chunk(null, 'stop')}\n\n`);
        res.end('data: [DONE]\n\n');
        return;
      }
    }
  });
  satellite = await build();
});

afterEach(() => {
  upstream.mode = 'json';
  upstream.requests = [];
});

afterAll(async () => {
  await satellite.stop();
  await fake.close();
  await removeDir(dir);
  const logs = lines.join('\n');
  expect(logs).not.toContain(API_KEY);
  expect(logs).not.toContain(UPSTREAM_SECRET);
  expect(logs).toContain('satellite.model.upstream_failed');
});

describe('OpenAI-compatible proxy (JSON)', () => {
  it('forwards the request and maps the completion into a summary', async () => {
    const res = await ask({ max_tokens: 100, temperature: 0.2, stream: false, stop_sequences: ['END'] });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      summary: {
        id: 'chatcmpl-1',
        model: 'gpt-test-0613',
        message: { role: 'assistant', content: 'Clause 7 covers termination. [cite:1]', tokens: 9 },
        finish_reason: 'stop',
        usage: { prompt_tokens: 812, completion_tokens: 9, total_tokens: 821 },
        provider_info: { provider: 'openai-compatible', host: new URL(fake.url).host },
      },
      references: null,
      cost: 0,
      currency: 'USD',
      policy_metadata: { outcome: 'success', entries: [] },
    });
    const [request] = upstream.requests;
    expect(request?.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(request?.body).toEqual({
      model: 'gpt-test',
      messages: [{ role: 'user', content: 'What does clause 7 cover?' }],
      max_tokens: 100,
      temperature: 0.2,
      stream: false,
      stop: ['END'],
    });
  });

  it('leaves out stop when there are no stop sequences and forwards the correlation id', async () => {
    const res = await satellite.app.request(
      '/api/v1/endpoints/assistant/query',
      postJson({ messages: [{ role: 'user', content: 'hi' }] }, { 'x-correlation-id': 'corr-123' }),
    );
    expect(res.status).toBe(200);
    expect(upstream.requests[0]?.body).not.toHaveProperty('stop');
    expect(upstream.requests[0]?.headers['x-correlation-id']).toBe('corr-123');
  });

  it('maps an upstream error to 502 without echoing its body', async () => {
    upstream.mode = 'error';
    const res = await ask({});
    expect(res.status).toBe(502);
    expect(await res.json()).toEqual({ detail: 'Upstream model error: HTTP 500' });
  });

  it('maps an upstream timeout to 504', async () => {
    upstream.mode = 'hang';
    const res = await ask({});
    expect(res.status).toBe(504);
    expect(await res.json()).toEqual({ detail: 'Upstream model timed out' });
  });

  it('maps a connection failure to 502', async () => {
    const offline = await build({ OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' });
    const res = await ask({}, offline.app);
    expect(res.status).toBe(502);
    expect(await res.json()).toEqual({ detail: 'Upstream model unreachable' });
    await offline.stop();
  });

  it('answers with JSON when the upstream ignores stream: true', async () => {
    upstream.mode = 'ignore-stream';
    const res = await ask({ stream: true });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  });
});

describe('OpenAI-compatible proxy (streaming)', () => {
  it('passes chunks through as they arrive and ends with [DONE]', async () => {
    upstream.mode = 'stream';
    const running = await listen(satellite.app, { port: 0, logger, handleSignals: false });
    try {
      const res = await fetch(
        `http://127.0.0.1:${running.port}/api/v1/endpoints/assistant/query`,
        postJson({ messages: [{ role: 'user', content: 'clause 7?' }], stream: true }),
      );
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      let received = '';
      // The upstream holds back everything after the first chunk until we have seen it here.
      while (!received.includes('\n\n')) received += decoder.decode((await reader.read()).value);
      expect(received).toBe(`data: ${chunk('Clause 7 ')}\n\n`);
      upstream.release();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        received += decoder.decode(value);
      }
      expect(received).toBe(
        [chunk('Clause 7 '), chunk('covers termination.'), chunk(null, 'stop'), '[DONE]']
          .map((payload) => `data: ${payload}\n\n`)
          .join(''),
      );
      expect(upstream.requests[0]?.headers.accept).toContain('text/event-stream');
      expect(upstream.requests[0]?.body.stream).toBe(true);
    } finally {
      await running.stop();
    }
  });

  it('ends an interrupted stream with an error chunk and [DONE]', async () => {
    upstream.mode = 'broken';
    const res = await ask({ stream: true });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toBe(
      `data: ${chunk('Clause ')}\n\ndata: {"error":{"message":"Upstream model stream interrupted"}}\n\ndata: [DONE]\n\n`,
    );
  });

  it('maps an upstream error before streaming to 502', async () => {
    upstream.mode = 'error';
    const res = await ask({ stream: true });
    expect(res.status).toBe(502);
  });
});

describe('model health', () => {
  it('checks GET /models with the key at most once per interval', async () => {
    const health = (await (await satellite.app.request('/health')).json()) as {
      mode: string;
      endpoints: Array<{ slug: string; status: string }>;
    };
    expect(health.mode).toBe('proxy');
    expect(health.endpoints.find((e) => e.slug === 'assistant')?.status).toBe('healthy');
    const calls = upstream.modelsCalls;
    expect(await satellite.endpoints.model.isHealthy()).toBe(true);
    expect(upstream.modelsCalls).toBe(calls);
  });

  it('reports the model unhealthy when the check fails', async () => {
    upstream.modelsOk = false;
    const failing = await build();
    await failing.endpoints.model.isHealthy();
    const health = (await (await failing.app.request('/health')).json()) as {
      endpoints: Array<{ slug: string; status: string }>;
    };
    expect(health.endpoints.find((e) => e.slug === 'assistant')?.status).toBe('unhealthy');
    upstream.modelsOk = true;
    await failing.stop();
  });
});
