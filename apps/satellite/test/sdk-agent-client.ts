import WebSocket from 'ws';

// An agent-session client written from agent-sessions.md §11 the way SyftHub's TypeScript SDK speaks
// (`client.agent.startSession`, `TS:resources/agent.ts:56-351`): the URL rule, the `session.start` it sends (the
// config object passed through unchanged, so camelCase keys), the wait for `session.created` or `agent.error`, and
// the session's methods with their exact message shapes. It pins what the SDK sends and expects.

export type AgentEvent = { type: string; session_id?: string; sequence?: number; payload?: unknown };

export class AgentSessionError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'AgentSessionError';
  }
}

export interface StartSessionOptions {
  prompt: string;
  endpoint: string | { owner: string; slug: string };
  config?: { maxTokens?: number; temperature?: number; systemPrompt?: string; metadata?: unknown };
  messages?: Array<{ role: string; content: string }>;
}

/** What the SDK fetched from the hub before dialling (`GET /token?aud=`, `POST /peer-token`). */
export interface SdkTokens {
  satelliteToken: string;
  peerToken: string;
  peerChannel: string;
}

const TERMINAL = new Set(['session.completed', 'session.failed']);

/** `http` → `ws`, `https` → `wss`, plus `/agent/session` on the aggregator base URL (§2). */
export function agentWebSocketUrl(aggregatorBaseUrl: string): string {
  return `${aggregatorBaseUrl.replace(/^http/, 'ws').replace(/\/+$/, '')}/agent/session`;
}

export class SdkAgentSession {
  state: 'running' | 'awaiting_input' | 'completed' | 'failed' | 'cancelled' | 'error' = 'running';
  private readonly queue: Array<AgentEvent | null> = [];
  private wake: (() => void) | null = null;

  constructor(
    readonly ws: WebSocket,
    readonly sessionId: string,
  ) {
    ws.on('message', (data) => {
      let event: AgentEvent;
      try {
        event = JSON.parse(data.toString()) as AgentEvent;
      } catch {
        return;
      }
      if (event.type === 'agent.request_input') this.state = 'awaiting_input';
      else if (event.type === 'session.completed') this.state = 'completed';
      else if (event.type === 'session.failed') this.state = 'failed';
      else if (event.type === 'agent.error') this.state = 'error';
      else if (this.state === 'awaiting_input') this.state = 'running';
      this.queue.push(event);
      this.wake?.();
    });
    ws.on('close', () => {
      this.queue.push(null);
      this.wake?.();
    });
  }

  /** Every event until a terminal one or the socket's close. */
  async *events(): AsyncGenerator<AgentEvent> {
    for (;;) {
      if (this.queue.length === 0) await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = null;
      const event = this.queue.shift();
      if (event === undefined) continue;
      if (event === null) return;
      yield event;
      if (TERMINAL.has(event.type)) return;
    }
  }

  sendMessage(content: string): void {
    this.ws.send(JSON.stringify({ type: 'user.message', payload: { content } }));
  }

  confirm(toolCallId: string): void {
    this.ws.send(JSON.stringify({ type: 'user.confirm', payload: { tool_call_id: toolCallId } }));
  }

  deny(toolCallId: string, reason?: string): void {
    const payload: Record<string, string> = { tool_call_id: toolCallId };
    if (reason !== undefined) payload.reason = reason;
    this.ws.send(JSON.stringify({ type: 'user.deny', payload }));
  }

  cancel(): void {
    this.state = 'cancelled';
    this.ws.send(JSON.stringify({ type: 'user.cancel' }));
  }

  close(): void {
    this.ws.send(JSON.stringify({ type: 'session.close' }));
    this.ws.close();
  }
}

/** `client.agent.startSession`: waits (no timeout) for `session.created` or `agent.error`, ignoring other frames. */
export async function startSession(
  aggregatorBaseUrl: string,
  tokens: SdkTokens,
  options: StartSessionOptions,
): Promise<SdkAgentSession> {
  const [owner, slug] =
    typeof options.endpoint === 'string'
      ? options.endpoint.split('/')
      : [options.endpoint.owner, options.endpoint.slug];
  if (!owner || !slug) throw new Error('endpoint must be "owner/slug"');
  const ws = new WebSocket(agentWebSocketUrl(aggregatorBaseUrl));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const payload: Record<string, unknown> = {
    prompt: options.prompt,
    endpoint: { owner, slug },
    satellite_token: tokens.satelliteToken,
    peer_token: tokens.peerToken,
    peer_channel: tokens.peerChannel,
  };
  if (options.config) payload.config = options.config;
  if (options.messages) payload.messages = options.messages;
  return new Promise<SdkAgentSession>((resolve, reject) => {
    const onMessage = (data: Buffer) => {
      const frame = JSON.parse(data.toString()) as AgentEvent & { payload?: Record<string, unknown> };
      if (frame.type === 'agent.error') {
        ws.off('message', onMessage);
        reject(new AgentSessionError(String(frame.payload?.message), String(frame.payload?.code)));
      } else if (frame.type === 'session.created') {
        ws.off('message', onMessage);
        // The session listens from this very frame on: several frames can arrive in one read.
        resolve(new SdkAgentSession(ws, String(frame.session_id ?? frame.payload?.session_id)));
      }
    };
    ws.on('message', onMessage);
    ws.once('close', () => reject(new AgentSessionError('connection closed', 'CONNECTION_CLOSED')));
    ws.send(JSON.stringify({ type: 'session.start', payload }));
  });
}
