import { randomBytes } from 'node:crypto';
import { startNatsServer, type TestNatsServer } from '@syfthub/tunnel/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  openStream,
  postChat,
  postStream,
  type RunningAggregator,
  ref,
  type SseEvent,
  startAggregator,
} from './helpers/aggregator';
import { type KeyHub, startKeyHub } from './helpers/key-hub';
import { documentsBody, json, startSatellite, type TestSatellite } from './helpers/satellite';
import { type Action, defaultScript, type Script, UpstreamNode } from './helpers/upstream-node';

/** nats-server reads the token as config: one that starts with a digit or `-` may not parse. */
const natsToken = () => `t${randomBytes(18).toString('base64url')}`;

// tunnelling.md §5–§8 end to end: a real nats-server from the project's config (mode A, WebSocket + token), an
// upstream-style node written from the spec, and the real aggregator. The node's script decides per test how it
// answers, so every fault of issue 18 is one script away.

const OWNER = 'alice';
const TUNNEL = `tunneling:${OWNER}`;
const TUNNEL_TIMEOUT_S = 1.5;

let nats: TestNatsServer;
let hub: KeyHub;
let node: UpstreamNode;
let aggregator: RunningAggregator;
let httpSatellite: TestSatellite;

const source = (slug = 'legal-docs', url = TUNNEL) => ref(url, slug, OWNER);
const model = (url = TUNNEL) => ref(url, 'assistant', OWNER);
const tokens = { [OWNER]: 'satellite-token-for-alice' };

function chat(extra: Record<string, unknown> = {}) {
  return {
    prompt: 'what is clause 7?',
    model: model(),
    data_sources: [source()],
    endpoint_tokens: tokens,
    ...extra,
  };
}

const onlySource = (slug = 'legal-docs') => chat({ data_sources: [source(slug)], retrieval_only: true });

function sourceEvents(events: SseEvent[]) {
  return events.filter((e) => e.event === 'source_complete').map((e) => e.data);
}

function errorOf(events: SseEvent[]): string | undefined {
  return events.find((e) => e.event === 'error')?.data.message as string | undefined;
}

/** Retrieval-only JSON chat: the one source's status and message. */
async function querySourceOnce(slug = 'legal-docs') {
  const { res, body } = await postChat(aggregator.url, onlySource(slug));
  expect(res.status).toBe(200);
  const info = (body.retrieval_info as Array<Record<string, unknown>>)[0]!;
  return { status: info.status, message: info.error_message, body };
}

function setScript(script: Script) {
  node.script = script;
}

function once(action: (n: number) => Action): Script {
  let n = 0;
  return (req) => {
    n += 1;
    return n === 1 ? action(n) : defaultScript(req);
  };
}

/** The reply-channel subscriptions (`syfthub.peer.*`) a connection holds. */
async function replySubscriptionsOf(name: string): Promise<number> {
  const res = await fetch(`${nats.monitorUrl}/connz?subs=1`);
  const body = (await res.json()) as { connections: Array<{ name?: string; subscriptions_list?: string[] }> };
  const conn = body.connections.find((c) => c.name === name);
  return conn?.subscriptions_list?.filter((subject) => subject.startsWith('syfthub.peer.')).length ?? 0;
}

beforeAll(async () => {
  nats = await startNatsServer({ mode: 'token', token: natsToken() });
  hub = await startKeyHub();
  node = new UpstreamNode({ wsUrl: nats.wsUrl, token: nats.token, username: OWNER, script: defaultScript });
  await node.start();
  hub.keys.set(OWNER, node.publicKey);
  httpSatellite = await startSatellite((_req, res) =>
    json(res, 200, documentsBody([{ content: 'over plain HTTP', score: 0.5 }])),
  );
  aggregator = await startAggregator({
    AGGREGATOR_NATS_URL: nats.tcpUrl,
    AGGREGATOR_NATS_AUTH_TOKEN: nats.token,
    AGGREGATOR_SYFTHUB_URL: hub.url,
    AGGREGATOR_NATS_TUNNEL_TIMEOUT: String(TUNNEL_TIMEOUT_S),
    AGGREGATOR_HEARTBEAT_INTERVAL_MS: '200',
  });
  await aggregator.tunnel!.link.ready();
}, 30_000);

afterAll(async () => {
  await aggregator?.stop();
  await node?.stop();
  await httpSatellite?.close();
  await hub?.close();
  await nats?.stop();
});

afterEach(() => {
  setScript(defaultScript);
});

describe('an upstream-style node behind the tunnel', () => {
  it('answers a data-source query and a model request through the stream route', async () => {
    const { res, events } = await postStream(aggregator.url, chat());
    expect(res.status).toBe(200);
    expect(sourceEvents(events)).toEqual([{ path: 'alice/legal-docs', status: 'success', documents: 1 }]);
    const names = events.map((e) => e.event);
    expect(names).toContain('generation_start');
    expect(names.at(-1)).toBe('done');
    const text = events
      .filter((e) => e.event === 'token')
      .map((e) => e.data.content)
      .join('');
    expect(text).toContain('tunnelled answer to');
    const done = events.at(-1)!.data;
    expect(JSON.stringify(done.sources)).toContain('clause 7 says: what is clause 7?');

    const [dataSourceCall, modelCall] = node.seen.slice(-2);
    expect(dataSourceCall!.envelope).toMatchObject({
      protocol: 'syfthub-tunnel/v1',
      type: 'endpoint_request',
      endpoint: { slug: 'legal-docs', type: 'data_source' },
      payload: null,
      timeout_ms: TUNNEL_TIMEOUT_S * 1000,
      satellite_token: tokens[OWNER],
    });
    expect(dataSourceCall!.envelope.reply_to).toMatch(/^peer_[0-9a-f]{32}$/);
    expect(dataSourceCall!.envelope.encryption_info?.ephemeral_public_key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(dataSourceCall!.payload).toEqual({
      messages: 'what is clause 7?',
      limit: 5,
      similarity_threshold: 0.5,
      include_metadata: true,
    });
    expect(modelCall!.envelope.endpoint).toEqual({ slug: 'assistant', type: 'model' });
    expect(modelCall!.payload).toMatchObject({ stream: false, stop_sequences: [] });
    // One chat, one reply channel for all its tunnelled calls.
    expect(modelCall!.envelope.reply_to).toBe(dataSourceCall!.envelope.reply_to);
  });

  it('answers the JSON route, and mixes HTTP and tunnelled sources in one chat', async () => {
    const { res, body } = await postChat(
      aggregator.url,
      chat({ data_sources: [source(), ref(httpSatellite.url, 'plain', 'bob')] }),
    );
    expect(res.status).toBe(200);
    expect(body.response).toContain('tunnelled answer to');
    expect(body.retrieval_info).toEqual([
      { path: 'alice/legal-docs', documents_retrieved: 1, status: 'success', error_message: null },
      { path: 'bob/plain', documents_retrieved: 1, status: 'success', error_message: null },
    ]);
  });

  it('looks the key up once and serves later chats from the cache', async () => {
    const before = hub.lookups(OWNER);
    await querySourceOnce();
    await querySourceOnce();
    expect(hub.lookups(OWNER)).toBe(before);
  });

  it('reports NATS as ok on /ready', async () => {
    const res = await fetch(`${aggregator.url}/ready`);
    expect(((await res.json()) as { checks: { nats: string } }).checks.nats).toBe('ok');
  });
});

describe('node error codes (tunnelling.md §8.2)', () => {
  const cases: Array<[string, string, string]> = [
    ['AUTH_FAILED', 'error', 'Tunnel authentication failed: missing token'],
    ['RATE_LIMIT_EXCEEDED', 'error', 'Rate limited by alice/legal-docs'],
    ['TIMEOUT', 'timeout', 'Request timed out'],
    ['ENDPOINT_NOT_FOUND', 'error', 'ENDPOINT_NOT_FOUND: missing token'],
    ['EXECUTION_FAILED', 'error', 'EXECUTION_FAILED: missing token'],
  ];
  for (const [code, status, message] of cases) {
    it(`maps ${code} on a data source`, async () => {
      setScript(() => ({ kind: 'error', code, message: 'missing token' }));
      expect(await querySourceOnce()).toMatchObject({ status, message });
    });
  }

  it('aborts the chat on POLICY_DENIED, as on an HTTP 403', async () => {
    setScript(({ envelope }) =>
      envelope.endpoint.type === 'data_source'
        ? { kind: 'error', code: 'POLICY_DENIED', message: 'members only' }
        : defaultScript({ envelope, payload: null }),
    );
    const { events } = await postStream(aggregator.url, chat());
    expect(sourceEvents(events)[0]).toMatchObject({ status: 'access_denied' });
    expect(errorOf(events)).toContain('alice/legal-docs: members only');
    expect(events.some((e) => e.event === 'generation_start')).toBe(false);
  });

  it('maps model errors to the generation error event', async () => {
    setScript(({ envelope, payload }) =>
      envelope.endpoint.type === 'model'
        ? { kind: 'error', code: 'AUTH_FAILED', message: 'token rejected' }
        : defaultScript({ envelope, payload }),
    );
    const { events } = await postStream(aggregator.url, chat());
    expect(errorOf(events)).toBe(
      'Model generation failed: Model request failed: AUTH_FAILED - token rejected',
    );
  });

  it('refuses a tunnelled model without a satellite token before sending anything', async () => {
    const seen = node.seen.length;
    const { events } = await postStream(aggregator.url, chat({ data_sources: [], endpoint_tokens: {} }));
    expect(errorOf(events)).toBe(
      'Model generation failed: Missing satellite token for tunneling endpoint owner alice',
    );
    expect(node.seen.length).toBe(seen);
  });
});

describe('faults', () => {
  it('refuses a tampered ciphertext', async () => {
    setScript((req) => ({ kind: 'tamper', payload: (defaultScript(req) as { payload: unknown }).payload }));
    expect(await querySourceOnce()).toMatchObject({
      status: 'error',
      message: 'DECRYPTION_FAILED: the reply could not be decrypted',
    });
  });

  it('ignores replies with a wrong correlation id or on another channel, and times out', async () => {
    for (const kind of ['wrong_correlation', 'wrong_channel'] as const) {
      setScript(() => ({ kind, payload: { references: { documents: [] } } }));
      const started = Date.now();
      expect(await querySourceOnce()).toMatchObject({ status: 'timeout', message: 'Request timed out' });
      expect(Date.now() - started).toBeLessThan(TUNNEL_TIMEOUT_S * 1000 + 1500);
    }
  });

  it('refuses a malformed envelope that names the call, and ignores noise on the channel', async () => {
    setScript(({ envelope }) => ({
      kind: 'raw',
      data: JSON.stringify({ correlation_id: envelope.correlation_id, status: 42 }),
    }));
    expect(await querySourceOnce()).toMatchObject({
      status: 'error',
      message: 'Invalid response from data source',
    });
    setScript(() => ({ kind: 'raw', data: 'this is not JSON {' }));
    expect(await querySourceOnce()).toMatchObject({ status: 'timeout' });
    setScript(() => ({ kind: 'answer', payload: { references: { documents: 'not a list' } } }));
    expect(await querySourceOnce()).toMatchObject({
      status: 'error',
      message: 'Invalid response from data source',
    });
  });

  it('times out a node that never answers, for a data source and a model', async () => {
    setScript(() => ({ kind: 'silent' }));
    const { events } = await postStream(aggregator.url, chat());
    expect(sourceEvents(events)[0]).toMatchObject({ status: 'timeout' });
    expect(errorOf(events)).toBe('Model generation failed: Model request timed out');
    expect(events.some((e) => e.event === 'generation_heartbeat')).toBe(true);
  });

  it('drops an answer that comes after the deadline and serves the next chat', async () => {
    setScript(once(() => ({ kind: 'answer', payload: { references: { documents: [] } }, delayMs: 2500 })));
    expect(await querySourceOnce()).toMatchObject({ status: 'timeout' });
    await new Promise((r) => setTimeout(r, 1200));
    expect(await querySourceOnce()).toMatchObject({ status: 'success' });
  });

  it('reports a reply the node refused to send as too large', async () => {
    setScript(() => ({
      kind: 'error',
      code: 'EXECUTION_FAILED',
      message: 'Response too large for the tunnel',
    }));
    expect(await querySourceOnce()).toMatchObject({ status: 'error', message: 'Response too large' });
  });

  it('survives a node whose reply is over 1 MB (the server refuses it), and the node comes back', async () => {
    const connections = node.connections;
    setScript(once(() => ({ kind: 'oversize', bytes: 1_200_000 })));
    expect(await querySourceOnce()).toMatchObject({ status: 'timeout' });
    await node.waitForConnections(connections + 1);
    expect(await querySourceOnce()).toMatchObject({ status: 'success' });
  });

  it('refuses replies above AGGREGATOR_MAX_RESPONSE_BYTES', async () => {
    const small = await startAggregator({
      AGGREGATOR_NATS_URL: nats.tcpUrl,
      AGGREGATOR_NATS_AUTH_TOKEN: nats.token,
      AGGREGATOR_SYFTHUB_URL: hub.url,
      AGGREGATOR_NATS_TUNNEL_TIMEOUT: String(TUNNEL_TIMEOUT_S),
      AGGREGATOR_MAX_RESPONSE_BYTES: '2048',
    });
    try {
      await small.tunnel!.link.ready();
      setScript(() => ({
        kind: 'answer',
        payload: { references: { documents: [{ content: 'y'.repeat(5000) }] } },
      }));
      const { body } = await postChat(small.url, onlySource());
      expect((body.retrieval_info as Array<Record<string, unknown>>)[0]).toMatchObject({
        status: 'error',
        error_message: 'Response too large',
      });
    } finally {
      await small.stop();
    }
  });

  it('says "not connected" for an owner without a key, an unknown owner, and an owner with no node', async () => {
    hub.keys.set('nokey', null);
    hub.keys.set('offline', node.publicKey);
    for (const owner of ['nokey', 'ghost', 'offline']) {
      const started = Date.now();
      const { body } = await postChat(aggregator.url, {
        ...onlySource(),
        data_sources: [ref(`tunneling:${owner}`, 'docs', owner)],
      });
      expect((body.retrieval_info as Array<Record<string, unknown>>)[0]).toMatchObject({
        status: 'error',
        error_message: `The data source '${owner}/docs' is not connected to the tunnel.`,
      });
      // "No responders" answers at once instead of waiting for the tunnel timeout.
      expect(Date.now() - started).toBeLessThan(1000);
    }
    const { events } = await postStream(
      aggregator.url,
      chat({ data_sources: [], model: model('tunneling:ghost') }),
    );
    expect(errorOf(events)).toBe(
      "Model generation failed: The model endpoint 'alice/assistant' is not connected to the tunnel.",
    );
  });

  it('fetches a stale key again and resends once when the node restarted with a new key', async () => {
    await querySourceOnce();
    const lookups = hub.lookups(OWNER);
    const refused = node.undecryptable.length;
    node.rotateKey();
    hub.keys.set(OWNER, node.publicKey);
    expect(await querySourceOnce()).toMatchObject({ status: 'success' });
    expect(node.undecryptable.length).toBe(refused + 1);
    expect(hub.lookups(OWNER)).toBe(lookups + 1);
  });

  it('gives up after one resend when the node still cannot decrypt', async () => {
    const refused = node.undecryptable.length;
    node.rotateKey();
    expect(await querySourceOnce()).toMatchObject({
      status: 'error',
      message: 'DECRYPTION_FAILED: failed to decrypt request',
    });
    expect(node.undecryptable.length).toBe(refused + 2);
    hub.keys.set(OWNER, node.publicKey);
  });

  it('stops waiting and unsubscribes when the client disconnects', async () => {
    setScript(() => ({ kind: 'silent' }));
    const seen = node.seen.length;
    const stream = await openStream(aggregator.url, chat({ data_sources: [] }));
    await stream.waitFor('generation_start');
    for (let i = 0; i < 100 && node.seen.length === seen; i += 1) await new Promise((r) => setTimeout(r, 10));
    expect(await replySubscriptionsOf('syfthub-aggregator')).toBe(1);
    stream.abort();
    await stream.finished;
    for (let i = 0; i < 100 && (await replySubscriptionsOf('syfthub-aggregator')) > 0; i += 1) {
      await new Promise((r) => setTimeout(r, 20));
    }
    // The connection's shared "no responders" inbox stays; the call's reply channel is gone.
    expect(await replySubscriptionsOf('syfthub-aggregator')).toBe(0);
  });

  it('fails chats at once while NATS restarts, and both sides recover by themselves', async () => {
    setScript((req) => ({ ...(defaultScript(req) as { kind: 'answer'; payload: unknown }), delayMs: 4000 }));
    const connections = node.connections;
    const pending = postStream(aggregator.url, chat());
    for (let i = 0; i < 200 && node.seen.at(-1)?.envelope.endpoint.slug !== 'legal-docs'; i += 1) {
      await new Promise((r) => setTimeout(r, 10));
    }
    await nats.restart();
    const { events } = await pending;
    expect(sourceEvents(events)[0]).toMatchObject({ status: 'error' });
    expect(errorOf(events)).toBe('Model generation failed: Tunnelled endpoints are not available right now.');
    setScript(defaultScript);
    await node.waitForConnections(connections + 1);
    await aggregator.tunnel!.link.ready(15_000);
    const again = await postStream(aggregator.url, chat());
    expect(again.events.at(-1)!.event).toBe('done');
    expect(sourceEvents(again.events)[0]).toMatchObject({ status: 'success' });
  }, 30_000);
});

describe('failure reports', () => {
  it('reports tunnel failures like HTTP ones, without tokens or contents', async () => {
    const reports: Array<Record<string, unknown>> = [];
    const reporting = await startAggregator(
      {
        AGGREGATOR_NATS_URL: nats.tcpUrl,
        AGGREGATOR_NATS_AUTH_TOKEN: nats.token,
        AGGREGATOR_SYFTHUB_URL: hub.url,
        AGGREGATOR_NATS_TUNNEL_TIMEOUT: String(TUNNEL_TIMEOUT_S),
      },
      { reportFailure: (failure) => reports.push({ ...failure }) },
    );
    try {
      await reporting.tunnel!.link.ready();
      setScript(() => ({ kind: 'error', code: 'EXECUTION_FAILED', message: 'boom' }));
      await postStream(reporting.url, chat());
      expect(reports).toEqual([
        {
          kind: 'data_source',
          path: 'alice/legal-docs',
          url: TUNNEL,
          statusCode: null,
          message: 'EXECUTION_FAILED: boom',
        },
        {
          kind: 'model',
          path: 'alice/assistant',
          url: TUNNEL,
          statusCode: null,
          message: 'Model request failed: EXECUTION_FAILED - boom',
        },
      ]);
    } finally {
      await reporting.stop();
    }
  });
});

describe('hostile tunnel names', () => {
  it('lowercases owners and refuses names that are not one subject token', async () => {
    const { body } = await postChat(aggregator.url, {
      ...onlySource(),
      data_sources: [
        ref('tunneling:ALICE', 'legal-docs', OWNER),
        ref('tunneling:a.>', 'x', 'a'),
        ref('tunneling:', 'y'),
      ],
    });
    expect((body.retrieval_info as Array<Record<string, unknown>>).map((i) => i.error_message)).toEqual([
      null,
      'Invalid endpoint URL',
      'Invalid endpoint URL',
    ]);
    const { events } = await postStream(
      aggregator.url,
      chat({ data_sources: [], model: model('tunneling:*') }),
    );
    expect(errorOf(events)).toBe(
      'Model generation failed: Cannot reach model endpoint at tunneling:*: Invalid endpoint URL',
    );
  });
});

describe('mode A′: no token on the internal listener (nats/nats.split.conf)', () => {
  it('serves a tunnelled chat with the aggregator on plain TCP and the node on WebSocket with the token', async () => {
    const split = await startNatsServer({ mode: 'split', token: natsToken() });
    const splitNode = new UpstreamNode({
      wsUrl: split.wsUrl,
      token: split.token,
      username: 'carol',
      script: defaultScript,
    });
    const splitHub = await startKeyHub();
    const splitAggregator = await startAggregator({
      AGGREGATOR_NATS_URL: split.tcpUrl,
      AGGREGATOR_SYFTHUB_URL: splitHub.url,
    });
    try {
      await splitNode.start();
      splitHub.keys.set('carol', splitNode.publicKey);
      await splitAggregator.tunnel!.link.ready();
      const { body } = await postChat(splitAggregator.url, {
        prompt: 'hello',
        model: ref('tunneling:carol', 'assistant', 'carol'),
        data_sources: [ref('tunneling:carol', 'docs', 'carol')],
        endpoint_tokens: { carol: 'token' },
      });
      expect(body.response).toContain('tunnelled answer to');
    } finally {
      await splitAggregator.stop();
      await splitNode.stop();
      await splitHub.close();
      await split.stop();
    }
  });
});

describe('without NATS', () => {
  it('keeps the old message when tunnelling is not configured', async () => {
    const plain = await startAggregator();
    try {
      const { body } = await postChat(plain.url, onlySource());
      expect((body.retrieval_info as Array<Record<string, unknown>>)[0]).toMatchObject({
        error_message: 'Tunnelled endpoints are not supported by this aggregator.',
      });
      const ready = (await (await fetch(`${plain.url}/ready`)).json()) as { checks: { nats: string } };
      expect(ready.checks.nats).toBe('disabled');
    } finally {
      await plain.stop();
    }
  });

  it('says tunnelling is unavailable while the server is unreachable, and /ready says error', async () => {
    const down = await startAggregator({
      AGGREGATOR_NATS_URL: 'nats://127.0.0.1:1',
      AGGREGATOR_SYFTHUB_URL: hub.url,
    });
    try {
      const { body } = await postChat(down.url, onlySource());
      expect((body.retrieval_info as Array<Record<string, unknown>>)[0]).toMatchObject({
        status: 'error',
        error_message: 'Tunnelled endpoints are not available right now.',
      });
      const ready = await fetch(`${down.url}/ready`);
      expect(ready.status).toBe(200);
      expect(((await ready.json()) as { checks: { nats: string } }).checks.nats).toBe('error');
    } finally {
      await down.stop();
    }
  });
});
