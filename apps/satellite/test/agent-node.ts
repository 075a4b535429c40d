import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type NatsConnection, headers as natsHeaders, type Subscription } from '@nats-io/nats-core';
import {
  connectNats,
  generateKeyPair,
  parseRequestEnvelope,
  spaceSubject,
  type X25519KeyPair,
} from '@syfthub/tunnel';
import { AgentBridge, isAgentMessage } from '../src/agent/bridge';
import type { OpenAiAgentOptions } from '../src/agent/llm';
import { createReferenceAgent } from '../src/agent/reference';
import { DocumentTools } from '../src/agent/tools';
import type { Caller } from '../src/auth';
import { parseCatalogue } from '../src/catalogue';
import { DataSource } from '../src/data-source/data-source';

// The reference satellite's agent as a tunnelled node: a NATS WebSocket connection with the shared token (as
// nodes dial `<hub>/nats`), a subscription to `syfthub.spaces.<owner>`, and the satellite's agent bridge running
// the reference agent over a small folder of documents.

export const AGENT_DOCS: Record<string, string> = {
  'opening-hours.md':
    '# Opening hours\n\nThe reading room is open from 9 am to 5 pm on weekdays. On Saturdays the reading room ' +
    'opens at 10 am and closes at 2 pm. It is closed on Sundays and public holidays.\n',
  'parking.md':
    '# Parking\n\nVisitors park in the north car park. Parking is free for the first two hours; a day ticket ' +
    'costs four euros.\n',
};

/** Tokens the node's verifier accepts: `good` (a user), `guest`; anything else is refused. */
export async function testVerify(token: string) {
  if (token === 'good') {
    return { ok: true as const, caller: { role: 'user', sub: '7', username: 'bob' } satisfies Caller };
  }
  if (token === 'guest')
    return { ok: true as const, caller: { role: 'guest', sub: 'guest', username: null } };
  return { ok: false as const, reason: 'invalid token' };
}

export interface AgentNode {
  bridge: AgentBridge;
  keys: X25519KeyPair;
  connection: NatsConnection;
  /** Every envelope type the node received, in order. */
  received: string[];
  stop(): Promise<void>;
}

export interface AgentNodeOptions {
  wsUrl: string;
  token: string;
  owner: string;
  openai?: Omit<OpenAiAgentOptions, 'tools'>;
  maxSessions?: number;
}

export async function startAgentNode(options: AgentNodeOptions): Promise<AgentNode> {
  const docs = mkdtempSync(join(tmpdir(), 'syfthub-agent-docs-'));
  for (const [name, text] of Object.entries(AGENT_DOCS)) writeFileSync(join(docs, name), text);
  const [entry] = parseCatalogue(
    { endpoints: [{ slug: 'documents', name: 'Documents', type: 'data_source', docs_dir: docs }] },
    docs,
  );
  if (!entry) throw new Error('no catalogue entry');
  const source = new DataSource(entry);
  await source.rescan();
  const tools = new DocumentTools(() => [source]);
  const agent = createReferenceAgent({ tools, openai: options.openai });

  const keys = generateKeyPair();
  const connection = await connectNats({
    url: options.wsUrl,
    token: options.token,
    name: `syfthub-space-${options.owner}`,
  });
  const bridge = new AgentBridge({
    publish: (subject, data, headers) => {
      const h = natsHeaders();
      for (const [name, value] of Object.entries(headers ?? {})) h.set(name, value);
      connection.publish(subject, data, headers ? { headers: h } : {});
    },
    maxPayload: () => connection.info?.max_payload ?? 1024 * 1024,
    nodeKey: () => keys,
    verify: testVerify,
    lookup: (slug) =>
      slug === 'research-agent'
        ? { kind: 'agent', handler: agent, allowGuests: false }
        : slug === 'documents'
          ? { kind: 'other' }
          : { kind: 'missing' },
    ...(options.maxSessions !== undefined ? { maxSessions: options.maxSessions } : {}),
  });
  const received: string[] = [];
  const subscription: Subscription = connection.subscribe(spaceSubject(options.owner), {
    callback: (_err, msg) => {
      const envelope = parseRequestEnvelope(msg.data);
      if (!envelope) return;
      received.push(envelope.type);
      if (isAgentMessage(envelope.type)) void bridge.handle(envelope);
    },
  });
  await connection.flush();
  return {
    bridge,
    keys,
    connection,
    received,
    async stop() {
      await bridge.stop();
      subscription.unsubscribe();
      await connection.drain().catch(() => connection.close());
      rmSync(docs, { recursive: true, force: true });
    },
  };
}
