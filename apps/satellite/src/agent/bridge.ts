import {
  AGENT_MESSAGE_TYPES,
  AgentSessionCancelPlaintext,
  AgentSessionStartPlaintext,
  AgentUserMessagePlaintext,
  type TunnelRequestEnvelope,
} from '@syfthub/contracts';
import {
  buildAgentEvent,
  buildResponse,
  decodePublicKey,
  generateKeyPair,
  importPublicKey,
  openRequest,
  peerSubject,
  TunnelCipherError,
  type X25519KeyPair,
} from '@syfthub/tunnel';
import type { Caller } from '../auth';
import { type Log, silentLog } from '../log';
import { type AgentHandler, AgentSessionContext, SessionCancelledError } from './session';

// The node's agent bridge (agent-sessions.md §6.1 node side, §7.2, §9): opens `agent_session_start`, checks the
// caller and the endpoint, runs one handler per session, and publishes its events sealed with one response key per
// session on `syfthub.peer.<reply_to>`. User messages and cancels find their session by id.

/** Upstream's cap per node (§8). */
export const MAX_AGENT_SESSIONS = 100;

const AGENT_TYPES: ReadonlySet<string> = new Set([
  AGENT_MESSAGE_TYPES.start,
  AGENT_MESSAGE_TYPES.userMessage,
  AGENT_MESSAGE_TYPES.cancel,
]);

/** Whether a request envelope is an agent message (the rest are endpoint requests, tunnelling.md §5.1). */
export function isAgentMessage(type: string): boolean {
  return AGENT_TYPES.has(type);
}

/** What the bridge finds for a slug: an agent, another type of endpoint, or nothing. */
export type AgentLookup =
  | { kind: 'agent'; handler: AgentHandler; allowGuests: boolean }
  | { kind: 'other' }
  | { kind: 'missing' };

/** A verified caller, or why the token was refused. */
export type TokenCheck = { ok: true; caller: Caller } | { ok: false; reason: string };

export interface AgentBridgeOptions {
  /** Publishes on NATS; headers only on events (§9.2). */
  publish: (subject: string, data: Uint8Array, headers?: Record<string, string>) => void;
  /** The server's `max_payload`: larger events are not published (§8). */
  maxPayload: () => number;
  nodeKey: () => X25519KeyPair;
  verify: (token: string) => Promise<TokenCheck>;
  lookup: (slug: string) => AgentLookup;
  maxSessions?: number;
  log?: Log;
}

interface RunningSession {
  context: AgentSessionContext;
  done: Promise<void>;
}

class StartRefused extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class AgentBridge {
  private readonly sessions = new Map<string, RunningSession>();
  private readonly log: Log;

  constructor(private readonly options: AgentBridgeOptions) {
    this.log = options.log ?? silentLog;
  }

  get activeSessions(): number {
    return this.sessions.size;
  }

  /** Handles one agent envelope; never throws (failures are answered or logged). */
  async handle(envelope: TunnelRequestEnvelope): Promise<void> {
    try {
      if (envelope.type === AGENT_MESSAGE_TYPES.start) await this.start(envelope);
      else if (envelope.type === AGENT_MESSAGE_TYPES.userMessage) this.userMessage(envelope);
      else if (envelope.type === AGENT_MESSAGE_TYPES.cancel) this.cancelMessage(envelope);
    } catch (err) {
      this.log.error(
        { event: 'satellite.agent.failed', type: envelope.type, reason: (err as Error).message },
        'agent message failed',
      );
    }
  }

  /** Opens a control message; a message that does not open is only logged (§7.2: no reply). */
  private openControl(envelope: TunnelRequestEnvelope): unknown {
    try {
      return openRequest(envelope, this.options.nodeKey().privateKey);
    } catch (err) {
      if (!(err instanceof TunnelCipherError)) throw err;
      this.log.warn({ event: 'satellite.agent.undecryptable', type: envelope.type }, 'agent message dropped');
      return undefined;
    }
  }

  private async start(envelope: TunnelRequestEnvelope): Promise<void> {
    let replySubject: string;
    try {
      replySubject = peerSubject(envelope.reply_to);
    } catch {
      return;
    }
    const refuse = (code: string, message: string) => {
      this.log.info({ event: 'satellite.agent.refused', code, reason: message }, 'agent session refused');
      this.options.publish(
        replySubject,
        buildResponse(envelope, { status: 'error', error: { code, message } }),
      );
    };
    try {
      const started = await this.accept(envelope);
      this.run(started, replySubject, envelope);
    } catch (err) {
      if (err instanceof StartRefused) refuse(err.code, err.message);
      else throw err;
    }
  }

  /** The checks of the Go node, in its order (§6.1): decrypt, token, endpoint, policy, cap. */
  private async accept(envelope: TunnelRequestEnvelope) {
    if (!envelope.encryption_info || !envelope.encrypted_payload) {
      throw new StartRefused('DECRYPTION_FAILED', 'agent messages must be encrypted');
    }
    let plaintext: unknown;
    try {
      plaintext = openRequest(envelope, this.options.nodeKey().privateKey);
    } catch (err) {
      if (!(err instanceof TunnelCipherError)) throw err;
      throw new StartRefused('DECRYPTION_FAILED', 'failed to decrypt agent message');
    }
    const parsed = AgentSessionStartPlaintext.safeParse(plaintext);
    if (!parsed.success) throw new StartRefused('INVALID_REQUEST', 'failed to parse session start payload');
    const start = parsed.data;
    // The Go node reads the token from the envelope (tunnelling.md §12).
    const token = envelope.satellite_token ?? start.satellite_token;
    if (!token) throw new StartRefused('AUTH_FAILED', 'missing satellite token');
    const checked = await this.options.verify(token);
    if (!checked.ok) throw new StartRefused('AUTH_FAILED', 'agent session authentication failed');
    const slug = start.endpoint_slug.toLowerCase();
    const found = this.options.lookup(slug);
    const prefix = 'failed to start agent session: ';
    if (found.kind === 'missing')
      throw new StartRefused('EXECUTION_FAILED', `${prefix}endpoint not found: ${slug}`);
    if (found.kind === 'other') {
      throw new StartRefused('EXECUTION_FAILED', `${prefix}endpoint ${slug} is not an agent endpoint`);
    }
    if (checked.caller.role === 'guest' && !found.allowGuests) {
      throw new StartRefused(
        'EXECUTION_FAILED',
        `${prefix}access denied by policy "signed_in_only": Guests are not allowed`,
      );
    }
    const max = this.options.maxSessions ?? MAX_AGENT_SESSIONS;
    if (this.sessions.size >= max) {
      throw new StartRefused('EXECUTION_FAILED', `${prefix}max sessions limit reached (${max})`);
    }
    if (this.sessions.has(start.session_id)) {
      throw new StartRefused('EXECUTION_FAILED', `${prefix}session ${start.session_id} already exists`);
    }
    return { start, slug, caller: checked.caller, handler: found.handler };
  }

  private run(
    accepted: Awaited<ReturnType<AgentBridge['accept']>>,
    replySubject: string,
    envelope: TunnelRequestEnvelope,
  ): void {
    const { start, slug, caller, handler } = accepted;
    // Imported once: every event of the session is sealed to it.
    const startEphemeral = importPublicKey(
      decodePublicKey(envelope.encryption_info?.ephemeral_public_key ?? ''),
    );
    // One response pair per session (§9.4).
    const responsePair = generateKeyPair();
    let sequence = 0;
    let ended = false;
    const emit = (eventType: string, data: unknown) => {
      if (ended) return;
      sequence += 1;
      const event = buildAgentEvent({
        sessionId: start.session_id,
        slug,
        sequence,
        eventType,
        data,
        startEphemeralPublic: startEphemeral,
        responsePair,
      });
      if (event.data.byteLength > this.options.maxPayload()) {
        this.log.warn(
          { event: 'satellite.agent.event_too_large', session_id: start.session_id, type: eventType },
          'agent event larger than the server accepts; not sent',
        );
        return;
      }
      try {
        this.options.publish(replySubject, event.data, event.headers);
      } catch (err) {
        // The connection went away; the handler goes on until it is cancelled or ends.
        this.log.warn(
          {
            event: 'satellite.agent.publish_failed',
            session_id: start.session_id,
            reason: (err as Error).message,
          },
          'agent event not sent',
        );
      }
    };
    const context = new AgentSessionContext({
      id: start.session_id,
      slug,
      prompt: start.prompt,
      messages: start.messages ?? [],
      config: start.config ?? {},
      user: caller,
      emit,
    });
    this.log.info(
      { event: 'satellite.agent.started', session_id: start.session_id, slug, caller_role: caller.role },
      'agent session started',
    );
    const done = (async () => {
      try {
        await handler(context);
        if (context.cancelled) throw new SessionCancelledError();
        emit('session.completed', { session_id: start.session_id });
      } catch (err) {
        const cancelled = context.cancelled || err instanceof SessionCancelledError;
        const message = cancelled ? 'session cancelled' : (err as Error).message || 'agent failed';
        if (!cancelled) {
          this.log.warn(
            { event: 'satellite.agent.handler_failed', session_id: start.session_id, reason: message },
            'agent handler failed',
          );
        }
        emit('session.failed', { error: message, reason: 'handler_error' });
      } finally {
        ended = true;
        this.sessions.delete(start.session_id);
        this.log.info(
          { event: 'satellite.agent.ended', session_id: start.session_id },
          'agent session ended',
        );
      }
    })();
    this.sessions.set(start.session_id, { context, done });
  }

  private userMessage(envelope: TunnelRequestEnvelope): void {
    const parsed = AgentUserMessagePlaintext.safeParse(this.openControl(envelope));
    if (!parsed.success) return;
    const session = this.sessions.get(parsed.data.session_id);
    const { message } = parsed.data;
    const delivered = session?.context.deliver({
      type: message.type,
      content: message.content,
      toolCallId: message.tool_call_id,
      reason: message.reason,
    });
    if (!delivered) {
      this.log.info(
        { event: 'satellite.agent.message_dropped', session_id: parsed.data.session_id },
        'user message for no running session, or its inbox is full',
      );
    }
  }

  private cancelMessage(envelope: TunnelRequestEnvelope): void {
    const parsed = AgentSessionCancelPlaintext.safeParse(this.openControl(envelope));
    if (!parsed.success) return;
    const session = this.sessions.get(parsed.data.session_id);
    if (!session) return;
    this.log.info({ event: 'satellite.agent.cancelled', session_id: parsed.data.session_id }, 'cancelled');
    session.context.cancel();
  }

  /** Cancels every session and waits for their closing events (shutdown, §10). */
  async stop(): Promise<void> {
    const running = [...this.sessions.values()];
    for (const session of running) session.context.cancel();
    await Promise.all(running.map((s) => s.done));
  }
}
