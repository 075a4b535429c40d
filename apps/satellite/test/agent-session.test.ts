import type { Subscription } from '@nats-io/nats-core';
import {
  type AgentSocketClient,
  agentSessionUrl,
  type Frame,
  openAgentSocket,
} from '@syfthub/aggregator/testing';
import { createMetrics } from '@syfthub/service';
import {
  connectNats,
  generateKeyPair,
  openRequest,
  parseRequestEnvelope,
  spaceSubject,
  toBase64Url,
} from '@syfthub/tunnel';
import { startNatsServer, type TestNatsServer } from '@syfthub/tunnel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentNode, startAgentNode } from './agent-node';
import { type LocalServer, sendJson, startServer as startHttpServer } from './helpers';
import { startTunnelAggregator, type TunnelAggregator } from './tunnel-stack';

// Agent sessions end to end over a real nats-server (agent-sessions.md §6–§9): the aggregator's WebSocket, the
// NATS leg with its encryption, and the reference satellite's agent running as a tunnelled node.

/** `AGGREGATOR_NATS_TUNNEL_TIMEOUT`: how long a node has to answer the start. */
const START_DEADLINE_MS = 1000;

let nats: TestNatsServer;
let hub: Awaited<ReturnType<typeof startKeyHub>>;
let node: AgentNode;
let agg: TunnelAggregator;
let url: string;
const metrics = createMetrics({ service: 'aggregator', defaultMetrics: false });

/** The hub's key route (tunnelling.md §3.5): 404 for unknown users; counts lookups per user. */
async function startKeyHub() {
  const keys = new Map<string, string | null>();
  const counts = new Map<string, number>();
  const server: LocalServer = await startHttpServer((req, res) => {
    const match = /^\/api\/v1\/nats\/encryption-key\/([^/?]+)$/.exec(req.url ?? '');
    if (req.method !== 'GET' || !match) return sendJson(res, 404, { detail: 'Not Found' });
    const username = decodeURIComponent(match[1] ?? '');
    counts.set(username, (counts.get(username) ?? 0) + 1);
    if (!keys.has(username)) return sendJson(res, 404, { detail: `User '${username}' not found.` });
    return sendJson(res, 200, { encryption_public_key: keys.get(username) ?? null });
  });
  return { url: server.url, keys, lookups: (u: string) => counts.get(u) ?? 0, close: () => server.close() };
}

function start(prompt: string, extra: Record<string, unknown> = {}) {
  return {
    type: 'session.start',
    payload: {
      prompt,
      endpoint: { owner: 'alice', slug: 'research-agent' },
      satellite_token: 'good',
      ...extra,
    },
  };
}

async function gauge(): Promise<number> {
  const values = (await metrics.registry.getSingleMetric('aggregator_agent_sessions_active')?.get())?.values;
  return values?.[0]?.value ?? 0;
}

async function eventually(check: () => boolean | Promise<boolean>, what: string, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Reads until `type` and returns every frame read on the way (the last one included). */
async function readUntil(client: AgentSocketClient, type: string, ms = 8000): Promise<Frame[]> {
  const seen: Frame[] = [];
  for (;;) {
    const frame = await client.next(ms);
    seen.push(frame);
    if (frame.type === type) return seen;
  }
}

beforeAll(async () => {
  nats = await startNatsServer();
  hub = await startKeyHub();
  node = await startAgentNode({ wsUrl: nats.wsUrl, token: nats.token, owner: 'alice' });
  hub.keys.set('alice', toBase64Url(node.keys.publicKey));
  // Sessions ride the tunnel's own connection and key cache, as `main` wires them.
  agg = await startTunnelAggregator(nats, hub.url, {
    env: {
      AGGREGATOR_AGENT_SESSIONS_PER_IP: '50',
      AGGREGATOR_NATS_TUNNEL_TIMEOUT: String(START_DEADLINE_MS / 1000),
      AGGREGATOR_METRICS_ENABLED: 'true',
    },
    app: { metrics, agentTiming: { cancelGraceMs: 2000 } },
  });
  url = agentSessionUrl(agg.url);
}, 30_000);

afterAll(async () => {
  await agg?.stop();
  await node?.stop();
  await hub?.close();
  await nats?.stop();
});

describe('agent sessions over NATS with the reference agent', () => {
  it('runs a session: thinking, a search, a confirmed read, streamed tokens, completion', async () => {
    const client = await openAgentSocket(url);
    client.send(start('When does the reading room open on Saturdays?'));
    const created = await client.next();
    expect(created.type).toBe('session.created');
    const id = created.session_id as string;

    const upToConfirm = await readUntil(client, 'agent.tool_call');
    const search = upToConfirm.at(-1) as Frame;
    expect(upToConfirm.map((f) => f.type)).toEqual(['agent.status', 'agent.thinking', 'agent.tool_call']);
    expect(search.payload).toMatchObject({
      tool_name: 'search_documents',
      arguments: { query: 'When does the reading room open on Saturdays?', limit: 5 },
      requires_confirmation: false,
    });
    const result = await client.next();
    expect(result.type).toBe('agent.tool_result');
    const hits = (result.payload as { result: Array<{ document: string }> }).result;
    expect(hits[0]?.document).toBe('opening-hours.md');
    expect((await client.next()).type).toBe('agent.thinking');
    const confirm = await client.next();
    expect(confirm).toMatchObject({
      type: 'agent.tool_call',
      session_id: id,
      payload: {
        tool_name: 'read_document',
        arguments: { source: 'documents', document: 'opening-hours.md' },
        requires_confirmation: true,
      },
    });
    const toolCallId = (confirm.payload as { tool_call_id: string }).tool_call_id;
    client.send({ type: 'user.confirm', payload: { tool_call_id: toolCallId } });

    const rest = await readUntil(client, 'session.completed');
    const read = rest.find((f) => f.type === 'agent.tool_result');
    expect(read?.payload).toMatchObject({
      tool_call_id: toolCallId,
      status: 'success',
      result: { title: 'Opening hours', truncated: false },
    });
    const tokens = rest
      .filter((f) => f.type === 'agent.token')
      .map((f) => (f.payload as { token: string }).token);
    const message = rest.find((f) => f.type === 'agent.message')?.payload as { content: string };
    expect(tokens.length).toBeGreaterThan(5);
    expect(tokens.join('')).toBe(message.content);
    expect(message.content).toContain('Saturdays the reading room opens at 10 am');
    expect(rest.at(-1)).toMatchObject({ type: 'session.completed', payload: { session_id: id } });

    // Our own sequence from 1 without gaps, each with a timestamp (§5.2).
    const events = client.frames.slice(1);
    expect(events.map((f) => f.sequence)).toEqual(events.map((_, i) => i + 1));
    for (const frame of events) expect(frame.timestamp).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+\+00:00$/);
    expect(await client.closed).toBe(1000);
    await eventually(() => node.bridge.activeSessions === 0, 'node session to end');
    await eventually(async () => (await gauge()) === 0, 'gauge to return to zero');
  });

  it('a denied read is reported as a failed tool call and the agent answers from the excerpts', async () => {
    const client = await openAgentSocket(url);
    client.send(start('parking day ticket price'));
    const confirm = (await readUntil(client, 'agent.tool_call')).at(-1) as Frame;
    expect(confirm.payload).toMatchObject({ tool_name: 'search_documents' });
    const ask = await client.until('agent.tool_call');
    const toolCallId = (ask.payload as { tool_call_id: string }).tool_call_id;
    client.send({ type: 'user.deny', payload: { tool_call_id: toolCallId, reason: 'private' } });
    const rest = await readUntil(client, 'session.completed');
    expect(rest.find((f) => f.type === 'agent.tool_result')?.payload).toMatchObject({
      tool_call_id: toolCallId,
      status: 'error',
      error: 'Not run: the user declined (private).',
    });
    const message = rest.find((f) => f.type === 'agent.message')?.payload as { content: string };
    expect(message.content).toContain('day ticket costs four euros');
    expect(await client.closed).toBe(1000);
  });

  it('asks for input when the search finds nothing, and goes on with the answer', async () => {
    const client = await openAgentSocket(url);
    client.send(start('zyxwv'));
    const ask = (await readUntil(client, 'agent.request_input')).at(-1) as Frame;
    expect(ask.payload).toEqual({
      prompt: 'I found nothing about "zyxwv" in the documents. What should I search for instead?',
    });
    client.send({ type: 'user.message', payload: { content: 'parking' } });
    const search = await client.until('agent.tool_call');
    expect(search.payload).toMatchObject({ tool_name: 'search_documents', arguments: { query: 'parking' } });
    const confirm = await client.until('agent.tool_call');
    client.send({
      type: 'user.confirm',
      payload: { tool_call_id: (confirm.payload as { tool_call_id: string }).tool_call_id },
    });
    await readUntil(client, 'session.completed');
    expect(await client.closed).toBe(1000);
  });

  it('user.cancel cancels the node-side session; its closing session.failed is relayed', async () => {
    const client = await openAgentSocket(url);
    client.send(start('opening hours'));
    await readUntil(client, 'agent.tool_call');
    await client.until('agent.tool_call');
    expect(node.bridge.activeSessions).toBe(1);
    client.send({ type: 'user.cancel' });
    const failed = await client.until('session.failed');
    expect(failed.payload).toEqual({ error: 'session cancelled', reason: 'handler_error' });
    expect(await client.closed).toBe(1000);
    await eventually(() => node.bridge.activeSessions === 0, 'node session to end');
  });

  it('a client that goes away mid-session has its node-side session cancelled', async () => {
    const client = await openAgentSocket(url);
    client.send(start('opening hours'));
    await readUntil(client, 'agent.tool_call');
    await client.until('agent.tool_call');
    expect(node.bridge.activeSessions).toBe(1);
    client.ws.terminate();
    await eventually(() => node.bridge.activeSessions === 0, 'node session to be cancelled');
    await eventually(async () => (await gauge()) === 0, 'gauge to return to zero');
  });

  it('node errors during start-up reach the client as session.failed (§7.2 fix)', async () => {
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [{ satellite_token: 'forged' }, 'agent session authentication failed', 'auth_failed'],
      [
        { endpoint: { owner: 'alice', slug: 'documents' } },
        'failed to start agent session: endpoint documents is not an agent endpoint',
        'execution_failed',
      ],
      [
        { endpoint: { owner: 'alice', slug: 'nothing-here' } },
        'failed to start agent session: endpoint not found: nothing-here',
        'execution_failed',
      ],
      [
        { satellite_token: 'guest' },
        'failed to start agent session: access denied by policy "signed_in_only": Guests are not allowed',
        'execution_failed',
      ],
    ];
    for (const [extra, error, reason] of cases) {
      const client = await openAgentSocket(url);
      client.send(start('hello', extra));
      expect((await client.next()).type).toBe('session.created');
      const failed = await client.next();
      expect(failed).toMatchObject({ type: 'session.failed', sequence: 1, payload: { error, reason } });
      expect(await client.closed).toBe(1000);
    }
  });

  it('a stale cached key is refreshed once: the node answers DECRYPTION_FAILED, the start is resent', async () => {
    // The aggregator caches a key the node no longer has (it restarted with a new one).
    hub.keys.set('alice', toBase64Url(generateKeyPair().publicKey));
    agg.tunnel.keys.evict('alice');
    await agg.tunnel.keys.get('alice');
    hub.keys.set('alice', toBase64Url(node.keys.publicKey));
    const before = hub.lookups('alice');
    const client = await openAgentSocket(url);
    client.send(start('opening hours'));
    expect((await client.next()).type).toBe('session.created');
    expect((await client.next()).type).toBe('agent.status');
    expect(hub.lookups('alice') - before).toBe(1);
    client.send({ type: 'user.cancel' });
    await client.until('session.failed');
    expect(await client.closed).toBe(1000);
  });

  it('no node subscribed: AGENT_OFFLINE at once; no key: SPACE_KEY_ERROR', async () => {
    hub.keys.set('carol', toBase64Url(generateKeyPair().publicKey));
    const offline = await openAgentSocket(url);
    const started = Date.now();
    offline.send(start('hi', { endpoint: { owner: 'carol', slug: 'research-agent' } }));
    expect(await offline.next()).toEqual({
      type: 'agent.error',
      payload: { code: 'AGENT_OFFLINE', message: 'The agent endpoint is not connected.', recoverable: false },
    });
    expect(await offline.closed).toBe(1011);
    expect(Date.now() - started).toBeLessThan(START_DEADLINE_MS);

    const keyless = await openAgentSocket(url);
    keyless.send(start('hi', { endpoint: { owner: 'dave', slug: 'research-agent' } }));
    expect(await keyless.next()).toEqual({
      type: 'agent.error',
      payload: {
        code: 'SPACE_KEY_ERROR',
        message: 'Failed to get space encryption key: no key is registered for this owner',
        recoverable: false,
      },
    });
    expect(await keyless.closed).toBe(1011);
  });

  it('a node that never answers the start: session.failed with reason timeout, and a cancel is sent', async () => {
    const silentKeys = generateKeyPair();
    hub.keys.set('erin', toBase64Url(silentKeys.publicKey));
    const silent = await connectNats({ url: nats.wsUrl, token: nats.token, name: 'syfthub-space-erin' });
    const seen: Array<{ type: string; plaintext: unknown }> = [];
    const sub: Subscription = silent.subscribe(spaceSubject('erin'), {
      callback: (_err, msg) => {
        const envelope = parseRequestEnvelope(msg.data);
        if (envelope)
          seen.push({ type: envelope.type, plaintext: openRequest(envelope, silentKeys.privateKey) });
      },
    });
    await silent.flush();
    try {
      const client = await openAgentSocket(url);
      client.send(start('hi', { endpoint: { owner: 'erin', slug: 'research-agent' } }));
      const created = await client.next();
      expect(created.type).toBe('session.created');
      const failed = await client.next(START_DEADLINE_MS + 3000);
      expect(failed).toMatchObject({
        type: 'session.failed',
        payload: { error: 'The agent did not answer within 1 second.', reason: 'timeout' },
      });
      expect(await client.closed).toBe(1000);
      await eventually(() => seen.length === 2, 'start and cancel at the node');
      expect(seen.map((m) => m.type)).toEqual(['agent_session_start', 'agent_session_cancel']);
      expect(seen[0]?.plaintext).toEqual({
        session_id: created.session_id,
        prompt: 'hi',
        endpoint_slug: 'research-agent',
        satellite_token: 'good',
        config: {},
        messages: [],
      });
      expect(seen[1]?.plaintext).toEqual({ session_id: created.session_id });
    } finally {
      sub.unsubscribe();
      await silent.close();
    }
  });

  it('a node that drops off mid-session: the next message finds no responders, AGENT_OFFLINE', async () => {
    const frank = await startAgentNode({ wsUrl: nats.wsUrl, token: nats.token, owner: 'frank' });
    hub.keys.set('frank', toBase64Url(frank.keys.publicKey));
    try {
      const client = await openAgentSocket(url);
      client.send(start('opening hours', { endpoint: { owner: 'frank', slug: 'research-agent' } }));
      await readUntil(client, 'agent.tool_call');
      const confirm = await client.until('agent.tool_call');
      // Gone without a word: no closing event, no unsubscribe.
      await frank.connection.close();
      client.send({
        type: 'user.confirm',
        payload: { tool_call_id: (confirm.payload as { tool_call_id: string }).tool_call_id },
      });
      expect((await client.until('agent.error')).payload).toEqual({
        code: 'AGENT_OFFLINE',
        message: 'The agent endpoint is not connected.',
        recoverable: false,
      });
      expect(await client.closed).toBe(1011);
      await eventually(async () => (await gauge()) === 0, 'gauge to return to zero');
    } finally {
      await frank.bridge.stop();
    }
  });

  it('NATS restarting mid-session: NATS_UNAVAILABLE to the client, the node session cancelled once back, the gauge back to zero', async () => {
    const client = await openAgentSocket(url);
    client.send(start('opening hours'));
    await readUntil(client, 'agent.tool_call');
    await client.until('agent.tool_call');
    await nats.restart();
    const error = await client.until('agent.error');
    expect(error.payload).toEqual({
      code: 'NATS_UNAVAILABLE',
      message: 'Agent sessions are not available right now.',
      recoverable: false,
    });
    expect(await client.closed).toBe(1011);
    await eventually(async () => (await gauge()) === 0, 'gauge to return to zero');
    // Both sides reconnect by themselves; the next session runs.
    await agg.tunnel.link.ready(15_000);
    await eventually(
      async () => {
        const next = await openAgentSocket(url);
        next.send(start('opening hours'));
        const frames = await readUntil(next, 'agent.tool_call', 3000).catch(() => null);
        next.ws.close();
        return frames !== null;
      },
      'a session after the restart',
      20_000,
    );
    // The cancel lost with the old connection is delivered once the node is back (§6.3 across a restart).
    await eventually(() => node.bridge.activeSessions === 0, 'the node-side session to be cancelled', 20_000);
  }, 40_000);
});
