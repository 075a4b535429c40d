import type { AgentUserMessage } from '@syfthub/contracts';
import { createMetrics } from '@syfthub/service';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AgentNodes,
  AgentStartError,
  type NodeSessionEvents,
  type NodeStart,
} from '../src/agent/session';
import { type AgentSocketClient, agentSessionUrl, openAgentSocket } from './helpers/agent-socket';
import { type RunningAggregator, startAggregator } from './helpers/aggregator';

// The WebSocket contract of agent-sessions.md §3–§8 with the node side played in memory: what the client may send,
// what it gets back, the limits and every close code. The NATS leg is tested against a real nats-server in
// agent-nats.test.ts.

interface ScriptedSession {
  start: NodeStart;
  events: NodeSessionEvents;
  sent: AgentUserMessage[];
  cancelled: number;
  closed: number;
}

/** Records what reaches "the node" and lets the test speak for it. */
class ScriptedNodes implements AgentNodes {
  readonly sessions: ScriptedSession[] = [];
  failNext: AgentStartError | null = null;
  private waiters: Array<(s: ScriptedSession) => void> = [];

  async open(start: NodeStart, events: NodeSessionEvents) {
    if (this.failNext) {
      const error = this.failNext;
      this.failNext = null;
      throw error;
    }
    const session: ScriptedSession = { start, events, sent: [], cancelled: 0, closed: 0 };
    this.sessions.push(session);
    for (const wake of this.waiters.splice(0)) wake(session);
    return {
      send: (message: AgentUserMessage) => session.sent.push(message),
      cancel: () => {
        session.cancelled += 1;
      },
      close: () => {
        session.closed += 1;
      },
    };
  }

  last(): ScriptedSession {
    const session = this.sessions.at(-1);
    if (!session) throw new Error('no session');
    return session;
  }
}

const START = {
  type: 'session.start',
  payload: {
    prompt: 'What are the opening hours?',
    endpoint: { owner: 'Alice', slug: 'Research-Agent' },
    satellite_token: 'sat.jwt.token',
    peer_token: 'pt_x',
    peer_channel: 'peer_client_channel',
    config: { maxTokens: 256, systemPrompt: 'Be brief.', temperature: 0.1 },
    messages: [{ role: 'user', content: 'earlier question' }],
  },
};

const nodes = new ScriptedNodes();
const metrics = createMetrics({ service: 'aggregator', defaultMetrics: false });
let agg: RunningAggregator;
let url: string;

async function gauge(): Promise<number> {
  const values = (await metrics.registry.getSingleMetric('aggregator_agent_sessions_active')?.get())?.values;
  return values?.[0]?.value ?? 0;
}

async function waitForGauge(value: number): Promise<void> {
  for (let i = 0; i < 200 && (await gauge()) !== value; i += 1) await new Promise((r) => setTimeout(r, 10));
  expect(await gauge()).toBe(value);
}

/** The node-side session got exactly one cancel (the server may see the close after the client does). */
async function cancelledOnce(session: ScriptedSession): Promise<void> {
  for (let i = 0; i < 200 && session.cancelled === 0; i += 1) await new Promise((r) => setTimeout(r, 5));
  expect(session.cancelled).toBe(1);
}

/** A socket with a created session. */
async function started(): Promise<{ client: AgentSocketClient; session: ScriptedSession; id: string }> {
  const client = await openAgentSocket(url);
  client.send(START);
  const created = await client.next();
  expect(created.type).toBe('session.created');
  return { client, session: nodes.last(), id: created.session_id as string };
}

beforeAll(async () => {
  agg = await startAggregator(
    {
      AGGREGATOR_METRICS_ENABLED: 'true',
      AGGREGATOR_AGENT_SESSIONS_PER_IP: '3',
      AGGREGATOR_AGENT_MAX_SESSIONS: '4',
      AGGREGATOR_AGENT_INACTIVITY_SECONDS: '0.4',
      AGGREGATOR_CORS_ORIGINS: 'https://app.example',
    },
    { agentNodes: nodes, metrics, agentTiming: { startTimeoutMs: 300, cancelGraceMs: 200 } },
  );
  url = agentSessionUrl(agg.url);
});

afterAll(async () => {
  await agg.stop();
});

describe('agent session WebSocket', () => {
  it('answers a plain GET with 426 and refuses foreign origins with 403', async () => {
    const res = await fetch(`${agg.url}/api/v1/agent/session`);
    expect(res.status).toBe(426);
    expect(await res.json()).toEqual({ detail: 'This route only accepts WebSocket connections.' });
    await expect(openAgentSocket(url, { origin: 'https://evil.example' })).rejects.toThrow('HTTP 403');
    const allowed = await openAgentSocket(url, { origin: 'https://app.example' });
    allowed.ws.close();
    const sameHost = await openAgentSocket(url, { origin: `http://${new URL(agg.url).host}` });
    sameHost.ws.close();
    await waitForGauge(0);
  });

  it('runs a session: created, relayed events with sequence and timestamp, confirmation, completion', async () => {
    const { client, session, id } = await started();
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(client.frames[0]).toEqual({
      type: 'session.created',
      session_id: id,
      payload: { session_id: id },
    });
    // Owner and slug lowercased, the TS SDK's camelCase config renamed, history passed on (§4.1).
    expect(session.start).toEqual({
      sessionId: id,
      owner: 'alice',
      slug: 'research-agent',
      prompt: 'What are the opening hours?',
      satelliteToken: 'sat.jwt.token',
      config: { max_tokens: 256, system_prompt: 'Be brief.', temperature: 0.1 },
      messages: [{ role: 'user', content: 'earlier question' }],
    });

    session.events.event('agent.thinking', { content: 'hmm', is_streaming: false });
    const thinking = await client.next();
    expect(thinking).toEqual({
      type: 'agent.thinking',
      session_id: id,
      sequence: 1,
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/),
      payload: { content: 'hmm', is_streaming: false },
    });

    client.send({ type: 'ping' });
    expect(await client.next()).toEqual({ type: 'pong' });
    client.send({ type: 'something.new', payload: {} });
    client.send({ type: 'user.confirm', payload: { tool_call_id: 'confirm-1' } });
    expect(await client.next()).toEqual({
      type: 'agent.error',
      payload: {
        code: 'INVALID_MESSAGE',
        message: 'No tool call confirm-1 is waiting for confirmation',
        recoverable: true,
      },
    });
    client.send(START);
    expect((await client.next()).payload).toMatchObject({ code: 'INVALID_MESSAGE', recoverable: true });

    session.events.event('agent.tool_call', {
      tool_call_id: 'confirm-1',
      tool_name: 'read_document',
      arguments: { document: 'a.md' },
      requires_confirmation: true,
    });
    expect((await client.next()).sequence).toBe(2);
    client.send({ type: 'user.confirm', payload: { tool_call_id: 'confirm-1' } });
    session.events.event('agent.request_input', { prompt: 'More?' });
    expect((await client.next()).type).toBe('agent.request_input');
    client.send({ type: 'user.message', payload: { content: 'yes please' } });
    client.send({ type: 'user.deny', payload: { tool_call_id: 'confirm-1', reason: 'late' } });
    await client.next(); // the recoverable error for the second answer to confirm-1
    session.events.event('agent.token', null);
    expect((await client.next()).payload).toBeNull();
    session.events.event('session.completed', { session_id: id });
    expect(await client.next()).toMatchObject({ type: 'session.completed', sequence: 5 });
    expect(await client.closed).toBe(1000);
    expect(session.sent).toEqual([
      { type: 'user_confirm', content: '', tool_call_id: 'confirm-1', reason: '' },
      { type: 'user_message', content: 'yes please', tool_call_id: '', reason: '' },
    ]);
    expect(session.cancelled).toBe(0);
    await waitForGauge(0);
  });

  it('cancels: user.cancel reaches the node, its closing session.failed is relayed, then close 1000', async () => {
    const { client, session } = await started();
    client.send({ type: 'user.cancel' });
    await cancelledOnce(session);
    session.events.event('session.failed', { error: 'session cancelled', reason: 'handler_error' });
    expect((await client.next()).type).toBe('session.failed');
    expect(await client.closed).toBe(1000);

    // A node that never confirms the cancel: the socket still closes after the grace period.
    const second = await started();
    second.client.send({ type: 'session.close' });
    expect(await second.client.closed).toBe(1000);
    expect(second.session.cancelled).toBe(1);
    await waitForGauge(0);
  });

  it('bad first frames: start timeout, not JSON, wrong type, invalid payload', async () => {
    const silent = await openAgentSocket(url);
    expect((await silent.next()).payload).toEqual({
      code: 'SESSION_START_TIMEOUT',
      message: 'No session.start message received within 300 milliseconds',
      recoverable: false,
    });
    expect(await silent.closed).toBe(1008);

    const garbage = await openAgentSocket(url);
    garbage.sendRaw('{not json');
    expect((await garbage.next()).payload).toMatchObject({ code: 'INTERNAL_ERROR' });
    expect(await garbage.closed).toBe(1011);

    const wrong = await openAgentSocket(url);
    wrong.send({ type: 'user.message', payload: { content: 'hi' } });
    expect((await wrong.next()).payload).toMatchObject({
      code: 'INVALID_MESSAGE',
      message: 'Expected session.start, got user.message',
    });
    expect(await wrong.closed).toBe(1008);

    const invalid = await openAgentSocket(url);
    invalid.send({ type: 'session.start', payload: { ...START.payload, satellite_token: undefined } });
    const error = await invalid.next();
    expect(error.payload).toMatchObject({ code: 'INVALID_PAYLOAD' });
    expect((error.payload as { message: string }).message).toMatch(
      /^Invalid session\.start payload: satellite_token/,
    );
    expect(await invalid.closed).toBe(1008);
    await waitForGauge(0);
  });

  it('faults mid-session cancel the node: malformed JSON, oversized frame, client gone, node lost, inactivity', async () => {
    const malformed = await started();
    malformed.client.sendRaw('[oops');
    expect((await malformed.client.next()).payload).toMatchObject({
      code: 'INVALID_MESSAGE',
      recoverable: false,
    });
    expect(await malformed.client.closed).toBe(1008);
    expect(malformed.session.cancelled).toBe(1);

    const big = await started();
    big.client.send({ type: 'user.message', payload: { content: 'x'.repeat(300 * 1024) } });
    expect(await big.client.closed).toBe(1009);
    await cancelledOnce(big.session);

    const gone = await started();
    gone.client.ws.terminate();
    await cancelledOnce(gone.session);

    const lost = await started();
    lost.session.events.lost('AGENT_OFFLINE');
    expect((await lost.client.next()).payload).toEqual({
      code: 'AGENT_OFFLINE',
      message: 'The agent endpoint is not connected.',
      recoverable: false,
    });
    expect(await lost.client.closed).toBe(1011);
    expect(lost.session.cancelled).toBe(1);

    const idle = await started();
    const timeout = await idle.client.next(2000);
    expect(timeout).toMatchObject({
      type: 'session.failed',
      payload: { error: 'Session timed out after 400 milliseconds of inactivity.', reason: 'timeout' },
    });
    expect(await idle.client.closed).toBe(1000);
    expect(idle.session.cancelled).toBe(1);
    await waitForGauge(0);
  });

  it('node refusals and start failures give the spec codes', async () => {
    const refused = await started();
    refused.session.events.startRefused(
      'EXECUTION_FAILED',
      'failed to start agent session: max sessions limit reached (100)',
    );
    expect(await refused.client.next()).toMatchObject({
      type: 'session.failed',
      sequence: 1,
      payload: {
        error: 'failed to start agent session: max sessions limit reached (100)',
        reason: 'execution_failed',
      },
    });
    expect(await refused.client.closed).toBe(1000);

    for (const [error, code, close] of [
      [new AgentStartError('AGENT_OFFLINE'), 'AGENT_OFFLINE', 1011],
      [new AgentStartError('NATS_UNAVAILABLE'), 'NATS_UNAVAILABLE', 1011],
      [new AgentStartError('SPACE_KEY_ERROR', 'no key is registered'), 'SPACE_KEY_ERROR', 1011],
    ] as const) {
      nodes.failNext = error;
      const client = await openAgentSocket(url);
      client.send(START);
      expect((await client.next()).payload).toMatchObject({ code, recoverable: false });
      expect(await client.closed).toBe(close);
    }
    await waitForGauge(0);
  });

  it('caps sessions per IP and in total with SESSION_LIMIT and close 1013', async () => {
    const held = await Promise.all([openAgentSocket(url), openAgentSocket(url), openAgentSocket(url)]);
    const refused = await openAgentSocket(url);
    expect(await refused.next()).toEqual({
      type: 'agent.error',
      payload: {
        code: 'SESSION_LIMIT',
        message: 'Too many agent sessions; try again later.',
        recoverable: false,
      },
    });
    expect(await refused.closed).toBe(1013);
    for (const client of held) client.ws.close();
    await Promise.all(held.map((c) => c.closed));
    await waitForGauge(0);
    const text = await metrics.render();
    expect(text).toMatch(/aggregator_agent_sessions_failed_total\{reason="session_limit"\} [1-9]/);
    expect(text).toMatch(/aggregator_agent_sessions_opened_total [1-9]/);
  });
});
