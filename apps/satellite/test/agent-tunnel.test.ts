import { join } from 'node:path';
import type { TestNatsServer } from '@syfthub/tunnel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Satellite } from '../src/satellite';
import type { FakeHub } from './fake-hub';
import {
  createSigningKey,
  eventually,
  guestClaims,
  type LocalServer,
  removeDir,
  type SigningKey,
  sendJson,
  signToken,
  startServer as startHttpServer,
  tempDir,
  userClaims,
  writeFiles,
} from './helpers';
import { type AgentEvent, AgentSessionError, startSession } from './sdk-agent-client';
import {
  launchTunnelSatellite,
  startNatsAndHub,
  startTunnelAggregator,
  type TunnelAggregator,
} from './tunnel-stack';

// The reference satellite in tunnel mode publishes its agent and runs sessions for the real aggregator over a
// project-started nats-server, with the demo model and with an OpenAI-compatible model; the client is written the
// way SyftHub's TypeScript SDK speaks (sdk-agent-client.ts).

const OWNER = 'agent-owner';
const OPENAI_OWNER = 'llm-owner';

let dir: string;
let key: SigningKey;
let hub: FakeHub;
let nats: TestNatsServer;
let demo: Satellite;
let llm: Satellite;
let openai: LocalServer;
const openaiRequests: Array<Record<string, unknown>> = [];
let aggregator: TunnelAggregator;
/** The aggregator base URL as the SDK holds it (`{hub}/aggregator/api/v1` behind nginx). */
let base: string;

const launch = (owner: string, extra: Record<string, string> = {}) =>
  launchTunnelSatellite({
    hub,
    nats,
    owner,
    dataDir: join(dir, `state-${owner}`),
    env: { SATELLITE_DOCS_DIR: join(dir, 'docs'), ...extra },
  });

/** A scripted OpenAI-compatible model: search, then read (needs confirmation), then the answer. */
function openaiReply(messages: Array<{ role: string; content?: string }>) {
  const tools = messages.filter((m) => m.role === 'tool').length;
  const call = (id: string, name: string, args: unknown) => ({
    id,
    type: 'function',
    function: { name, arguments: JSON.stringify(args) },
  });
  const message =
    tools === 0
      ? {
          role: 'assistant',
          content: 'Searching first.',
          tool_calls: [call('c1', 'search_documents', { query: 'annual leave' })],
        }
      : tools === 1
        ? {
            role: 'assistant',
            content: null,
            tool_calls: [call('c2', 'read_document', { source: 'documents', document: 'leave.md' })],
          }
        : { role: 'assistant', content: 'Staff have 25 days of annual leave (leave.md).' };
  return { id: 'cmpl-1', model: 'scripted', choices: [{ index: 0, message, finish_reason: 'stop' }] };
}

async function tokens(owner: string, claims = userClaims(owner)) {
  return {
    satelliteToken: await signToken(key, claims),
    peerToken: 'pt_ignored',
    peerChannel: 'peer_ignored_by_the_aggregator',
  };
}

async function collect(events: AsyncGenerator<AgentEvent>, onEvent: (e: AgentEvent) => void = () => {}) {
  const seen: AgentEvent[] = [];
  for await (const event of events) {
    seen.push(event);
    onEvent(event);
  }
  return seen;
}

beforeAll(async () => {
  dir = await tempDir();
  await writeFiles(dir, {
    'docs/leave.md': '# Leave\n\nStaff have 25 days of annual leave. Leave requests go to the team lead.',
    'docs/expenses.md': '# Expenses\n\nTravel expenses are refunded within 30 days of the claim.',
  });
  key = await createSigningKey('k1');
  ({ nats, hub } = await startNatsAndHub(key));
  openai = await startHttpServer((req, res, body) => {
    if (req.url === '/v1/models') return sendJson(res, 200, { data: [] });
    const parsed = JSON.parse(body) as Record<string, unknown>;
    openaiRequests.push(parsed);
    return sendJson(res, 200, openaiReply(parsed.messages as Array<{ role: string }>));
  });
  demo = await launch(OWNER);
  llm = await launch(OPENAI_OWNER, { OPENAI_BASE_URL: `${openai.url}/v1`, OPENAI_MODEL: 'scripted' });

  aggregator = await startTunnelAggregator(nats, hub.url);
  base = `${aggregator.url}/api/v1`;
}, 60_000);

afterAll(async () => {
  await aggregator?.stop();
  await demo?.stop();
  await llm?.stop();
  await openai?.close();
  await hub?.close();
  await nats?.stop();
  await removeDir(dir);
});

describe('the reference agent on a tunnel-mode satellite', () => {
  it('publishes document-agent as an agent endpoint on the tunnel URL, with a README', async () => {
    await eventually(() => {
      const sync = hub
        .bodiesOf('/api/v1/endpoints/sync')
        .find((b) => JSON.stringify(b).includes('document-agent')) as
        | { endpoints: Array<Record<string, unknown>> }
        | undefined;
      const agent = sync?.endpoints.find((e) => e.slug === 'document-agent');
      expect(agent).toMatchObject({
        type: 'agent',
        policies: [{ type: 'signed_in_only' }],
        connect: [{ config: { url: `tunneling:${OWNER}` } }],
      });
      expect(agent?.readme).toContain('read_document');
    }, 10_000);
  });

  it('an SDK-style session with the demo model: search, confirmed read, tokens, completion', async () => {
    const session = await startSession(base, await tokens(OWNER), {
      prompt: 'How many days of annual leave do staff have?',
      endpoint: `${OWNER}/document-agent`,
      config: { maxTokens: 200, systemPrompt: 'Be brief.' },
    });
    expect(session.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    const seen = await collect(session.events(), (event) => {
      const payload = event.payload as { requires_confirmation?: boolean; tool_call_id?: string };
      if (event.type === 'agent.tool_call' && payload.requires_confirmation) {
        expect(session.state).toBe('running');
        session.confirm(payload.tool_call_id as string);
      }
    });
    const types = seen.map((e) => e.type);
    expect(types.slice(0, 4)).toEqual([
      'agent.status',
      'agent.thinking',
      'agent.tool_call',
      'agent.tool_result',
    ]);
    expect(types).toContain('agent.token');
    expect(types.at(-1)).toBe('session.completed');
    expect(session.state).toBe('completed');
    const message = seen.find((e) => e.type === 'agent.message')?.payload as { content: string };
    expect(message.content).toContain('Staff have 25 days of annual leave');
    await eventually(() => expect(demo.agents?.activeSessions).toBe(0));
  });

  it('an input request answered through the SDK, then a denied read', async () => {
    const session = await startSession(base, await tokens(OWNER), {
      prompt: 'qqqzzz',
      endpoint: { owner: OWNER, slug: 'document-agent' },
    });
    const seen = await collect(session.events(), (event) => {
      const payload = event.payload as { requires_confirmation?: boolean; tool_call_id?: string };
      if (event.type === 'agent.request_input') {
        expect(session.state).toBe('awaiting_input');
        session.sendMessage('travel expenses');
      }
      if (event.type === 'agent.tool_call' && payload.requires_confirmation) {
        session.deny(payload.tool_call_id as string, 'keep it short');
      }
    });
    const denied = seen.find(
      (e) => e.type === 'agent.tool_result' && (e.payload as { status: string }).status === 'error',
    );
    expect(denied?.payload).toMatchObject({ error: 'Not run: the user declined (keep it short).' });
    expect(seen.at(-1)?.type).toBe('session.completed');
  });

  it('with an OpenAI-compatible model: the model picks the tools; camelCase config reaches it renamed', async () => {
    openaiRequests.length = 0;
    const session = await startSession(base, await tokens(OPENAI_OWNER), {
      prompt: 'How much annual leave?',
      endpoint: `${OPENAI_OWNER}/document-agent`,
      config: { maxTokens: 321, systemPrompt: 'Answer in one sentence.' },
    });
    const seen = await collect(session.events(), (event) => {
      const payload = event.payload as { requires_confirmation?: boolean; tool_call_id?: string };
      if (event.type === 'agent.tool_call' && payload.requires_confirmation) {
        session.confirm(payload.tool_call_id as string);
      }
    });
    expect(seen.at(-1)?.type).toBe('session.completed');
    const calls = seen.filter((e) => e.type === 'agent.tool_call').map((e) => e.payload);
    expect(calls).toMatchObject([
      { tool_name: 'search_documents', arguments: { query: 'annual leave' }, requires_confirmation: false },
      {
        tool_name: 'read_document',
        arguments: { source: 'documents', document: 'leave.md' },
        requires_confirmation: true,
      },
    ]);
    expect(seen.find((e) => e.type === 'agent.thinking')?.payload).toMatchObject({
      content: 'Searching first.',
    });
    const message = seen.find((e) => e.type === 'agent.message')?.payload as { content: string };
    expect(message.content).toBe('Staff have 25 days of annual leave (leave.md).');
    expect(openaiRequests).toHaveLength(3);
    expect(openaiRequests[0]).toMatchObject({ model: 'scripted', max_tokens: 321 });
    const system = (openaiRequests[0]?.messages as Array<{ role: string; content: string }> | undefined)?.[0];
    expect(system?.content).toContain('Answer in one sentence.');
    const last = openaiRequests[2]?.messages as Array<{ role: string; content: string }>;
    expect(last.at(-1)?.content).toContain('Staff have 25 days of annual leave');
  });

  it('refusals reach the SDK as session.failed: a guest, a forged token; an unknown owner is an agent.error', async () => {
    const guest = await startSession(base, await tokens(OWNER, guestClaims(OWNER)), {
      prompt: 'hi',
      endpoint: `${OWNER}/document-agent`,
    });
    const guestEvents = await collect(guest.events());
    expect(guestEvents).toMatchObject([
      {
        type: 'session.failed',
        payload: {
          error:
            'failed to start agent session: access denied by policy "signed_in_only": Guests are not allowed',
          reason: 'execution_failed',
        },
      },
    ]);
    const forged = await startSession(
      base,
      { ...(await tokens(OWNER)), satelliteToken: 'not-a-jwt' },
      {
        prompt: 'hi',
        endpoint: `${OWNER}/document-agent`,
      },
    );
    expect(await collect(forged.events())).toMatchObject([
      {
        type: 'session.failed',
        payload: { error: 'agent session authentication failed', reason: 'auth_failed' },
      },
    ]);
    const refused = startSession(base, await tokens('nobody-here'), {
      prompt: 'hi',
      endpoint: 'nobody-here/agent',
    });
    await expect(refused).rejects.toThrow(AgentSessionError);
    await expect(refused).rejects.toMatchObject({ code: 'SPACE_KEY_ERROR' });
  });

  it('cancel and disconnect end the session on the satellite', async () => {
    const cancelled = await startSession(base, await tokens(OWNER), {
      prompt: 'annual leave',
      endpoint: `${OWNER}/document-agent`,
    });
    const seen = await collect(cancelled.events(), (event) => {
      const payload = event.payload as { requires_confirmation?: boolean };
      if (event.type === 'agent.tool_call' && payload.requires_confirmation) cancelled.cancel();
    });
    expect(seen.at(-1)).toMatchObject({
      type: 'session.failed',
      payload: { error: 'session cancelled', reason: 'handler_error' },
    });
    expect(cancelled.state).toBe('failed');

    const dropped = await startSession(base, await tokens(OWNER), {
      prompt: 'annual leave',
      endpoint: `${OWNER}/document-agent`,
    });
    for await (const event of dropped.events()) {
      if (
        event.type === 'agent.tool_call' &&
        (event.payload as { requires_confirmation: boolean }).requires_confirmation
      ) {
        expect(demo.agents?.activeSessions).toBe(1);
        dropped.ws.terminate();
      }
    }
    await eventually(() => expect(demo.agents?.activeSessions).toBe(0));
  });

  it('picked as a chat model, the agent runs one-shot: its answer, the read refused (nobody can confirm)', async () => {
    const res = await fetch(`${base}/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        prompt: 'How many days of annual leave do staff have?',
        model: {
          url: `tunneling:${OWNER}`,
          slug: 'document-agent',
          name: '',
          tenant_name: null,
          owner_username: OWNER,
        },
        data_sources: [],
        endpoint_tokens: { [OWNER]: (await tokens(OWNER)).satelliteToken },
      }),
    });
    const body = (await res.json()) as { response?: string };
    expect(res.status).toBe(200);
    expect(body.response).toContain('Staff have 25 days of annual leave');
    await eventually(() => expect(demo.agents?.activeSessions).toBe(0));
  });
});
