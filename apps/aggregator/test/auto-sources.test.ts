import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postChat, postStream, type RunningAggregator, startAggregator } from './helpers/aggregator';
import { SATELLITE_OWNER, startHub, type TestHub } from './helpers/hub';
import { documentsBody, json, startSatellite, type TestSatellite } from './helpers/satellite';

// Automatic source selection (README "Automatic source selection") against a real hub: the backend on PostgreSQL
// (PGlite without DATABASE_URL) and the reference satellite publishing the demo catalogue in demo mode.

let hub: TestHub;
let agg: RunningAggregator;
let bobSatellite: TestSatellite;
let model: Record<string, unknown>;
let bob: { username: string; accessToken: string };
let alice: { username: string; accessToken: string };
/** What a client that minted the model's token itself sends (the hub may be down when the aggregator asks it). */
let modelTokens: Record<string, string>;

const LIBRARY = `${SATELLITE_OWNER}/larchmere-library`;
const OPENING_HOURS = 'What are the opening hours of the central library?';
const LEDGER_QUESTION = 'What does the Quillfeather spice ledger record about cardamom shipments?';

interface Selection {
  status: string;
  sources: Array<{ path: string; name: string; relevance_score: number }>;
  message: string | null;
  time_ms: number;
}
interface ChatBody {
  response: string;
  sources: Record<string, { slug: string; content: string }>;
  retrieval_info: Array<{ path: string; status: string; documents_retrieved: number }>;
  metadata: { source_selection?: Selection };
}

const ask = (prompt: string, extra: Record<string, unknown> = {}) => ({
  prompt,
  model,
  auto_sources: true,
  ...extra,
});

beforeAll(async () => {
  hub = await startHub();
  const models = await hub.api<Array<{ slug: string; connect: Array<{ config: { url: string } }> }>>(
    'GET',
    `/api/v1/endpoints/public/by-owner/${SATELLITE_OWNER}`,
  );
  const assistant = models.body.find((e) => e.slug === 'assistant');
  model = {
    url: assistant?.connect[0]?.config.url,
    slug: 'assistant',
    name: 'Assistant',
    owner_username: SATELLITE_OWNER,
  };
  bobSatellite = await startSatellite((_req, res) =>
    json(
      res,
      200,
      documentsBody([
        {
          content: 'The Quillfeather spice ledger records three cardamom shipments from Kochi in 1871.',
          title: 'Ledger › Cardamom',
        },
      ]),
    ),
  );
  const guest = await hub.api<{ target_token: string }>('GET', `/api/v1/token/guest?aud=${SATELLITE_OWNER}`);
  modelTokens = { [SATELLITE_OWNER]: guest.body.target_token };
  bob = await hub.registerUser('bob');
  alice = await hub.registerUser('alice');
  const created = await hub.api('POST', '/api/v1/endpoints', bob.accessToken, {
    name: 'Quillfeather Spice Ledger',
    type: 'data_source',
    visibility: 'private',
    description: 'A private ledger of spice shipments: cardamom, cloves and pepper.',
    connect: [{ type: 'http', config: { url: bobSatellite.url } }],
  });
  expect(created.status).toBe(201);
  agg = await startAggregator({ AGGREGATOR_SYFTHUB_URL: hub.url });
}, 120_000);

afterAll(async () => {
  await agg?.stop();
  await bobSatellite?.close();
  await hub?.close();
});

describe('auto_sources with a real hub', () => {
  it('answers a question about the library’s opening hours from the library handbook, with citations', async () => {
    const { res, body } = await postChat(agg.url, ask(OPENING_HOURS));
    expect(res.status).toBe(200);
    const chat = body as unknown as ChatBody;
    const selection = chat.metadata.source_selection;
    expect(selection?.status).toBe('selected');
    expect(selection?.message).toBeNull();
    expect(selection?.sources[0]?.path).toBe(LIBRARY);
    expect(selection?.sources[0]?.relevance_score).toBeGreaterThanOrEqual(0.5);
    expect(selection?.sources.length).toBeLessThanOrEqual(3);
    expect(chat.retrieval_info.find((info) => info.path === LIBRARY)).toMatchObject({ status: 'success' });
    expect(chat.response).toMatch(/\[cite:\d+(,\d+)*-\d+:\d+\]/);
    expect(chat.response, chat.response).toContain('9:00 to 20:00');
    expect(Object.values(chat.sources).some((doc) => doc.slug === LIBRARY)).toBe(true);
  });

  it('shows the choice in the stream through retrieval_start and source_complete', async () => {
    const { res, events } = await postStream(agg.url, ask(OPENING_HOURS));
    expect(res.status).toBe(200);
    expect(
      events.map((e) => e.event).filter((name) => !['token', 'generation_heartbeat'].includes(name)),
    ).toEqual(
      expect.arrayContaining([
        'retrieval_start',
        'source_complete',
        'retrieval_complete',
        'generation_start',
        'done',
      ]),
    );
    const start = events[0]!;
    expect(start.event).toBe('retrieval_start');
    const selection = start.data.source_selection as Selection;
    expect(selection.status).toBe('selected');
    expect(start.data.sources).toBe(selection.sources.length);
    const library = events.find((e) => e.event === 'source_complete' && e.data.path === LIBRARY);
    expect(library?.data).toMatchObject({
      status: 'success',
      relevance_score: selection.sources[0]!.relevance_score,
    });
    const done = events.at(-1)!;
    expect(done.event).toBe('done');
    expect((done.data.metadata as ChatBody['metadata']).source_selection).toEqual(selection);
    expect(done.data.response).toMatch(/\[cite:\d+/);
  });

  it('chooses nothing for a question no source covers, and the answer says so', async () => {
    const { res, body } = await postChat(
      agg.url,
      ask('How do I tune the carburettor of a vintage motorbike?'),
    );
    expect(res.status).toBe(200);
    const chat = body as unknown as ChatBody;
    expect(chat.metadata.source_selection).toMatchObject({ status: 'none_relevant', sources: [] });
    expect(chat.retrieval_info).toEqual([]);
    expect(chat.sources).toEqual({});
    expect(chat.response.startsWith('No data source on this hub covers this question')).toBe(true);
    expect(chat.response).not.toContain('[cite:');
  });

  it('never chooses another user’s private data source, and chooses the owner’s own for the owner', async () => {
    for (const token of [alice.accessToken, undefined]) {
      const { body } = await postChat(agg.url, ask(LEDGER_QUESTION, token ? { user_token: token } : {}));
      const chat = body as unknown as ChatBody;
      expect(chat.metadata.source_selection?.sources.map((s) => s.path)).not.toContain(
        `${bob.username}/quillfeather-spice-ledger`,
      );
    }
    const before = bobSatellite.requests.length;
    const { res, body } = await postChat(agg.url, ask(LEDGER_QUESTION, { user_token: bob.accessToken }));
    expect(res.status).toBe(200);
    const chat = body as unknown as ChatBody;
    expect(chat.metadata.source_selection?.sources[0]?.path).toBe(
      `${bob.username}/quillfeather-spice-ledger`,
    );
    expect(chat.response).toContain('three cardamom shipments');
    expect(chat.response).toMatch(/\[cite:1/);
    // The satellite got a token the aggregator minted for the owner, as the owner.
    const seen = bobSatellite.requests.slice(before);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.headers.authorization).toMatch(/^Bearer ey/);
  });

  it('skips a source its satellite reports unhealthy', async () => {
    const report = await hub.api('POST', '/api/v1/endpoints/health', bob.accessToken, {
      endpoints: [
        { slug: 'quillfeather-spice-ledger', status: 'unhealthy', checked_at: new Date().toISOString() },
      ],
    });
    expect(report.status).toBe(200);
    try {
      const { body } = await postChat(agg.url, ask(LEDGER_QUESTION, { user_token: bob.accessToken }));
      expect(
        (body as unknown as ChatBody).metadata.source_selection?.sources.map((s) => s.path),
      ).not.toContain(`${bob.username}/quillfeather-spice-ledger`);
    } finally {
      await hub.api('POST', '/api/v1/endpoints/health', bob.accessToken, {
        endpoints: [
          { slug: 'quillfeather-spice-ledger', status: 'healthy', checked_at: new Date().toISOString() },
        ],
      });
    }
  });

  it('lets explicit data sources win, and leaves requests without the flag unchanged', async () => {
    const explicit = {
      url: bobSatellite.url,
      slug: 'quillfeather-spice-ledger',
      name: '',
      owner_username: bob.username,
    };
    const { body } = await postChat(
      agg.url,
      ask(OPENING_HOURS, { data_sources: [explicit], endpoint_tokens: modelTokens }),
    );
    const chat = body as unknown as ChatBody;
    expect(chat.metadata.source_selection).toBeUndefined();
    expect(chat.retrieval_info.map((info) => info.path)).toEqual([
      `${bob.username}/quillfeather-spice-ledger`,
    ]);
    const plain = (await postChat(agg.url, { prompt: OPENING_HOURS, model, endpoint_tokens: modelTokens }))
      .body as unknown as ChatBody;
    expect(plain.metadata.source_selection).toBeUndefined();
    expect(plain.retrieval_info).toEqual([]);
  });

  it('chooses nothing for a question of stop words and emoji, and says why', async () => {
    for (const prompt of ['What is the?', '🙂🎉🙂', '¿¡…!?']) {
      const { res, body } = await postChat(agg.url, ask(prompt));
      expect(res.status, JSON.stringify(body)).toBe(200);
      const chat = body as unknown as ChatBody;
      expect(chat.metadata.source_selection).toMatchObject({ status: 'no_search_terms', sources: [] });
      expect(chat.response.startsWith('The question has no words to look data sources up by')).toBe(true);
    }
  });
});

describe('auto_sources when the hub’s search fails', () => {
  it('goes on without sources when the hub cannot be reached, saying why in the metadata', async () => {
    const closed = await new Promise<number>((resolve) => {
      const server = http.createServer();
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const down = await startAggregator({ AGGREGATOR_SYFTHUB_URL: `http://127.0.0.1:${closed}` });
    try {
      const { res, body } = await postChat(down.url, ask(OPENING_HOURS, { endpoint_tokens: modelTokens }));
      expect(res.status).toBe(200);
      const chat = body as unknown as ChatBody;
      expect(chat.metadata.source_selection).toMatchObject({ status: 'search_unavailable', sources: [] });
      expect(chat.metadata.source_selection?.message).toMatch(/could not be reached/);
      expect(chat.response).toMatch(/^Data sources could not be chosen for this question/);
    } finally {
      await down.stop();
    }
  });

  it('stops waiting for a slow search after the timeout, on both routes', async () => {
    const slow = await startSatellite(() => undefined);
    const errors = await startSatellite((_req, res) => json(res, 503, { detail: 'maintenance' }));
    const waiting = await startAggregator({
      AGGREGATOR_SYFTHUB_URL: slow.url,
      AGGREGATOR_AUTO_SOURCES_TIMEOUT: '0.4',
    });
    const failing = await startAggregator({ AGGREGATOR_SYFTHUB_URL: errors.url });
    try {
      const started = performance.now();
      const { res, body } = await postChat(waiting.url, ask(OPENING_HOURS, { endpoint_tokens: modelTokens }));
      expect(res.status).toBe(200);
      expect(performance.now() - started).toBeLessThan(5000);
      const selection = (body as unknown as ChatBody).metadata.source_selection;
      expect(selection).toMatchObject({ status: 'search_unavailable', sources: [] });
      expect(selection?.message).toBe("The hub's search did not answer within 0.4 s.");

      const stream = await postStream(waiting.url, ask(OPENING_HOURS, { endpoint_tokens: modelTokens }));
      expect(stream.res.status).toBe(200);
      expect(stream.events[0]?.data).toMatchObject({
        sources: 0,
        source_selection: { status: 'search_unavailable' },
      });
      expect(stream.events.at(-1)?.event).toBe('done');

      const refused = await postChat(failing.url, ask(OPENING_HOURS, { endpoint_tokens: modelTokens }));
      expect(refused.res.status).toBe(200);
      expect((refused.body as unknown as ChatBody).metadata.source_selection?.message).toBe(
        "The hub's search answered HTTP 503.",
      );
    } finally {
      await Promise.all([waiting.stop(), failing.stop()]);
      await Promise.all([slow.close(), errors.close()]);
    }
  });
});
