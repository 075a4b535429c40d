import type { NatsConnection } from '@nats-io/nats-core';
import { headers as natsHeaders } from '@nats-io/nats-core';
import type { SatelliteVerifyResult } from '@syfthub/auth';
import { ModelQuery, type TunnelRequestEnvelope } from '@syfthub/contracts';
import type { ResponseSpec, X25519KeyPair } from '@syfthub/tunnel';
import { type Endpoints, findEntry } from '../endpoints';
import type { SatelliteEnv } from '../env';
import type { Log } from '../log';
import { AgentBridge, type TokenCheck } from './bridge';
import { createReferenceAgent } from './reference';
import { AgentSessionContext } from './session';
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
  /**
   * An agent picked as a chat model runs one-shot (tunnelling.md §5.4): null when `slug` is not an agent, so the
   * request goes to the query route as usual.
   */
  oneShot: (request: {
    slug: string;
    payload: unknown;
    satelliteToken: string | undefined;
    signal: AbortSignal;
  }) => Promise<ResponseSpec> | null;
}

const ONE_SHOT_INPUT_NOTE =
  '\n\n(The agent asked for more input; open an interactive session on its agent page to continue.)';
const ONE_SHOT_EMPTY = 'Agent completed without producing a message.';

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

  /** The Go node's one-shot rule: the last user message in, the agent's messages out; input requests end it. */
  async function runOnce(
    request: Parameters<SatelliteAgents['oneShot']>[0],
    allowGuests: boolean,
  ): Promise<ResponseSpec> {
    const error = (code: string, message: string): ResponseSpec => ({
      status: 'error',
      error: { code, message },
    });
    if (!request.satelliteToken) return error('AUTH_FAILED', 'missing token');
    const checked = await verify(request.satelliteToken);
    if (!checked.ok) return error('AUTH_FAILED', `Invalid satellite token: ${checked.reason}`);
    if (checked.caller.role === 'guest' && !allowGuests) {
      return error('POLICY_DENIED', 'This endpoint requires a signed-in SyftHub user');
    }
    const parsed = ModelQuery.safeParse(request.payload);
    if (!parsed.success) return error('INVALID_REQUEST', 'invalid model request');
    const messages = parsed.data.messages;
    const prompt = [...messages].reverse().find((m) => m.role === 'user')?.content ?? '';
    const said: string[] = [];
    let askedForInput = false;
    const context: AgentSessionContext = new AgentSessionContext({
      id: `oneshot-${Date.now().toString(36)}`,
      slug: request.slug,
      prompt,
      messages: [],
      config: { max_tokens: parsed.data.max_tokens, temperature: parsed.data.temperature },
      user: checked.caller,
      emit: (type, data) => {
        const fields = (data ?? {}) as Record<string, unknown>;
        if (type === 'agent.message' && typeof fields.content === 'string') said.push(fields.content);
        else if (type === 'agent.request_input') {
          askedForInput = true;
          context.cancel();
        } else if (type === 'agent.tool_call' && fields.requires_confirmation === true) {
          // Nobody can confirm in a one-shot run: the tool is refused and the agent goes on without it.
          queueMicrotask(() =>
            context.deliver({
              type: 'user_deny',
              content: '',
              toolCallId: String(fields.tool_call_id),
              reason: 'one-shot run',
            }),
          );
        }
      },
    });
    const onAbort = () => context.cancel();
    request.signal.addEventListener('abort', onAbort, { once: true });
    try {
      await handler(context);
    } catch (err) {
      if (!askedForInput) {
        if (request.signal.aborted) return error('TIMEOUT', 'request deadline exceeded');
        return error('EXECUTION_FAILED', (err as Error).message || 'agent failed');
      }
    } finally {
      request.signal.removeEventListener('abort', onAbort);
    }
    const content = (said.join('\n\n') || ONE_SHOT_EMPTY) + (askedForInput ? ONE_SHOT_INPUT_NOTE : '');
    return {
      status: 'success',
      payload: {
        summary: {
          id: context.id,
          model: request.slug,
          message: { role: 'assistant', content, tokens: null },
          finish_reason: 'stop',
          usage: null,
          provider_info: { provider: 'syfthub-reference-agent', mode: 'one-shot' },
        },
        references: null,
        cost: 0,
        currency: 'USD',
        policy_metadata: { outcome: 'success', entries: [] },
      },
    };
  }

  return {
    oneShot: (request) => {
      const entry = findEntry(endpoints, request.slug);
      if (entry?.type !== 'agent') return null;
      return runOnce(request, entry.allowGuests);
    },
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
