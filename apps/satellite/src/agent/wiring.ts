import type { NatsConnection } from '@nats-io/nats-core';
import { headers as natsHeaders } from '@nats-io/nats-core';
import type { SatelliteVerifyResult } from '@syfthub/auth';
import type { TunnelRequestEnvelope } from '@syfthub/contracts';
import type { X25519KeyPair } from '@syfthub/tunnel';
import { type Endpoints, findEntry } from '../endpoints';
import type { SatelliteEnv } from '../env';
import type { Log } from '../log';
import { AgentBridge, type TokenCheck } from './bridge';
import { createReferenceAgent } from './reference';
import { DocumentTools } from './tools';

// The satellite's agents in tunnel mode: every `agent` entry of the catalogue runs the reference agent over the
// satellite's own data sources, with the OpenAI-compatible model when one is configured.

export interface AgentWiringOptions {
  env: SatelliteEnv;
  endpoints: Endpoints;
  nodeKeys: X25519KeyPair;
  verify: (token: string, audience: string) => Promise<SatelliteVerifyResult>;
  /** The satellite owner, the audience of every token; null until the hub answered. */
  owner: () => string | null;
  log: Log;
  fetch?: typeof fetch;
}

export interface SatelliteAgents {
  /** The tunnel node's `agentMessages` hook. */
  handle: (envelope: TunnelRequestEnvelope, connection: NatsConnection) => Promise<void>;
  stop: () => Promise<void>;
  readonly activeSessions: number;
}

export function createAgentBridge(options: AgentWiringOptions): SatelliteAgents {
  const { env, endpoints } = options;
  const tools = new DocumentTools(() => [...endpoints.dataSources.values()]);
  const handler = createReferenceAgent({
    tools,
    log: options.log,
    openai:
      env.OPENAI_BASE_URL !== undefined && env.OPENAI_MODEL !== undefined
        ? {
            baseUrl: env.OPENAI_BASE_URL,
            model: env.OPENAI_MODEL,
            apiKey: env.OPENAI_API_KEY,
            timeoutMs: env.OPENAI_TIMEOUT_SECONDS * 1000,
            ...(options.fetch ? { fetch: options.fetch } : {}),
          }
        : undefined,
  });
  // Events of running sessions go out on the connection the node is on now (it may have re-dialled).
  let connection: NatsConnection | null = null;

  async function verify(token: string): Promise<TokenCheck> {
    if (!env.SATELLITE_REQUIRE_TOKEN) {
      return { ok: true, caller: { role: 'anonymous', sub: null, username: null } };
    }
    const owner = options.owner();
    if (owner === null) return { ok: false, reason: 'not connected to the hub yet' };
    const result = await options.verify(token, owner);
    if (!result.valid) return { ok: false, reason: result.message };
    const { claims } = result;
    const guest = claims.sub === 'guest' || claims.role === 'guest';
    return {
      ok: true,
      caller: {
        role: guest ? 'guest' : (claims.role ?? 'user'),
        sub: claims.sub,
        username: guest ? null : (claims.username ?? null),
      },
    };
  }

  const bridge = new AgentBridge({
    publish: (subject, data, headers) => {
      if (!connection) return;
      const h = natsHeaders();
      for (const [name, value] of Object.entries(headers ?? {})) h.set(name, value);
      try {
        connection.publish(subject, data, headers ? { headers: h } : {});
      } catch (error) {
        options.log.warn(
          { event: 'satellite.agent.publish_failed', reason: (error as Error).message },
          'agent event not sent',
        );
      }
    },
    maxPayload: () => connection?.info?.max_payload ?? 1024 * 1024,
    nodeKey: () => options.nodeKeys,
    verify,
    lookup: (slug) => {
      const entry = findEntry(endpoints, slug);
      if (!entry) return { kind: 'missing' };
      if (entry.type !== 'agent') return { kind: 'other' };
      return { kind: 'agent', handler, allowGuests: entry.allowGuests };
    },
    log: options.log,
  });

  return {
    handle: (envelope, current) => {
      connection = current;
      return bridge.handle(envelope);
    },
    stop: () => bridge.stop(),
    get activeSessions() {
      return bridge.activeSessions;
    },
  };
}
