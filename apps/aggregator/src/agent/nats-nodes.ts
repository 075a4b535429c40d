import { randomUUID } from 'node:crypto';
import type { Msg, NatsConnection, Subscription } from '@nats-io/nats-core';
import { createInbox } from '@nats-io/nats-core';
import { AGENT_MESSAGE_TYPES, type AgentUserMessage } from '@syfthub/contracts';
import {
  asAgentEventEnvelope,
  type LinkState,
  newPeerChannel,
  openAgentEvent,
  type PublicKeyInput,
  parseJsonObject,
  peerSubject,
  type SealedRequest,
  sealRequest,
  spaceSubject,
  TunnelCipherError,
} from '@syfthub/tunnel';
import type { Logger } from 'pino';
import {
  type AgentNodes,
  AgentStartError,
  type NodeSession,
  type NodeSessionEvents,
  type NodeStart,
} from './session';

// Agent sessions over the NATS tunnel (agent-sessions.md §9, tunnelling.md §4–§6): the start, user messages and
// cancel are sealed to the owner's node key and published on `syfthub.spaces.<owner>`; the node's events come back
// on the session's own `syfthub.peer.<channel>`, sealed to the start message's ephemeral key.

/** The aggregator's NATS connection as sessions use it (the tunnel's `NatsLink`). */
export interface AgentNatsLink {
  readonly connection: NatsConnection | null;
  onState(listener: (state: LinkState) => void): () => void;
}

/** Nodes' public keys (the tunnel's key directory): `kind` on a lookup error says whether the owner has none. */
export interface AgentNodeKeys {
  get(owner: string): Promise<PublicKeyInput>;
  evict(owner: string): void;
}

export interface NatsAgentNodesOptions {
  link: AgentNatsLink;
  keys: AgentNodeKeys;
  log: Logger;
  /**
   * How long the node has to show it runs the session: its first event or its refusal. Upstream waits forever
   * (§12 #10); after this the session fails with reason `timeout` and is cancelled on the node.
   */
  startDeadlineMs: number;
}

const MAX_TEXT = 1000;
/** Seconds a cancel is retried after NATS went away. */
const CANCEL_RETRIES = 30;
const clip = (text: string, max = MAX_TEXT) => (text.length > max ? `${text.slice(0, max)}…` : text);

function lookupKind(err: unknown): 'missing' | 'unavailable' | null {
  const kind = (err as { kind?: unknown } | null)?.kind;
  return kind === 'missing' || kind === 'unavailable' ? kind : null;
}

function describeSeconds(ms: number): string {
  const seconds = Math.max(1, Math.round(ms / 1000));
  return `${seconds} second${seconds === 1 ? '' : 's'}`;
}

export class NatsAgentNodes implements AgentNodes {
  constructor(private readonly options: NatsAgentNodesOptions) {}

  async open(start: NodeStart, events: NodeSessionEvents): Promise<NodeSession> {
    const { link, keys } = this.options;
    if (!link.connection) throw new AgentStartError('NATS_UNAVAILABLE');
    let nodeKey: PublicKeyInput;
    try {
      nodeKey = await keys.get(start.owner);
    } catch (err) {
      const kind = lookupKind(err);
      if (kind === null) throw err;
      const detail = kind === 'missing' ? 'no key is registered for this owner' : 'the hub did not answer';
      throw new AgentStartError('SPACE_KEY_ERROR', detail);
    }
    const connection = link.connection;
    if (!connection) throw new AgentStartError('NATS_UNAVAILABLE');
    const session = new NatsNodeSession(connection, start, nodeKey, events, this.options);
    await session.begin();
    return session;
  }
}

/** One session's leg on NATS: its reply channel, the start (resent once on a stale key), and what goes back. */
class NatsNodeSession implements NodeSession {
  private readonly channel = newPeerChannel();
  private readonly inbox = createInbox();
  private readonly subscriptions: Subscription[] = [];
  private readonly log: Logger;
  /** Correlation id and ephemeral key of each start sent (a second one after a stale key). */
  private readonly starts = new Map<string, SealedRequest>();
  private startAttempts = 0;
  /** The response key of the node that answered first; events under another key come from a second node. */
  private nodeEventKey: string | null = null;
  private lastSequence = 0;
  private accepted = false;
  private begun = false;
  private cancelled = false;
  private noResponders = false;
  private closed = false;
  private offState: (() => void) | null = null;
  private deadline: NodeJS.Timeout | undefined;

  constructor(
    private readonly connection: NatsConnection,
    private readonly start: NodeStart,
    private nodeKey: PublicKeyInput,
    private readonly events: NodeSessionEvents,
    private readonly options: NatsAgentNodesOptions,
  ) {
    this.log = options.log.child({ session_id: start.sessionId, owner: start.owner, slug: start.slug });
  }

  /** Subscribes, publishes the start, and waits one round trip so "no responders" is known before returning. */
  async begin(): Promise<void> {
    try {
      this.subscriptions.push(
        this.connection.subscribe(peerSubject(this.channel), { callback: (_err, msg) => this.onReply(msg) }),
        this.connection.subscribe(this.inbox, { callback: (_err, msg) => this.onInbox(msg) }),
      );
      this.publishStart();
      // The server answers a publish nobody receives before it answers the flush's PING.
      await this.connection.flush();
    } catch (err) {
      this.close();
      this.log.warn(
        { event: 'agent.nats.publish_failed', reason: (err as Error).message },
        'agent start not sent',
      );
      throw new AgentStartError('NATS_UNAVAILABLE');
    }
    if (this.noResponders) {
      this.close();
      throw new AgentStartError('AGENT_OFFLINE');
    }
    this.begun = true;
    this.offState = this.options.link.onState((state) => {
      if (state !== 'connected' && !this.closed) this.events.lost('NATS_UNAVAILABLE');
    });
    this.deadline = setTimeout(() => this.startDeadlinePassed(), this.options.startDeadlineMs);
  }

  private publishStart(): void {
    this.startAttempts += 1;
    const correlationId = randomUUID();
    const sealed = sealRequest({
      type: AGENT_MESSAGE_TYPES.start,
      correlationId,
      replyTo: this.channel,
      endpoint: { slug: '', type: 'agent' },
      timeoutMs: 0,
      satelliteToken: this.start.satelliteToken,
      // Never a transaction token (§9.1, ours).
      payload: {
        session_id: this.start.sessionId,
        prompt: this.start.prompt,
        endpoint_slug: this.start.slug,
        satellite_token: this.start.satelliteToken,
        config: this.start.config,
        messages: this.start.messages,
      },
      nodePublicKey: this.nodeKey,
    });
    this.starts.set(correlationId, sealed);
    this.publish(sealed);
  }

  private publish(sealed: SealedRequest): void {
    const limit = this.connection.info?.max_payload ?? 1024 * 1024;
    if (sealed.data.byteLength > limit) throw new Error('agent message larger than the server accepts');
    this.connection.publish(spaceSubject(this.start.owner), sealed.data, { reply: this.inbox });
  }

  /** A control message of this session for the node, sealed to its key and answered on the session's channel. */
  private seal(type: string, payload: unknown): SealedRequest {
    return sealRequest({
      type,
      correlationId: randomUUID(),
      replyTo: this.channel,
      endpoint: { slug: '', type: 'agent' },
      timeoutMs: 0,
      payload,
      nodePublicKey: this.nodeKey,
    });
  }

  /** Sends a sealed control message; a failure means the node is unreachable. */
  private control(type: string, payload: unknown): void {
    if (this.closed) return;
    try {
      this.publish(this.seal(type, payload));
    } catch (err) {
      this.log.warn(
        { event: 'agent.nats.publish_failed', type, reason: (err as Error).message },
        'agent message not sent',
      );
      if (type !== AGENT_MESSAGE_TYPES.cancel) this.events.lost('NATS_UNAVAILABLE');
    }
  }

  private onInbox(msg: Msg): void {
    if (msg.headers?.code !== 503 || this.closed || this.cancelled) return;
    // Nobody subscribes to the owner's subject: during the start that is "not connected" (§7.1, §12 #10); later
    // the node went away mid-session.
    if (!this.begun) {
      this.noResponders = true;
      return;
    }
    this.log.info({ event: 'agent.nats.no_responders' }, 'agent node is gone');
    this.events.lost('AGENT_OFFLINE');
  }

  private onReply(msg: Msg): void {
    if (this.closed) return;
    const value = parseJsonObject(msg.data);
    if (!value) return;
    if (value.type === AGENT_MESSAGE_TYPES.event) {
      this.onEvent(value);
      return;
    }
    // A refused start comes back as an `endpoint_response` error naming the start's correlation id (§7.2).
    if (value.status !== 'error' || typeof value.correlation_id !== 'string') return;
    if (!this.starts.has(value.correlation_id) || this.accepted) return;
    const error = (value.error ?? {}) as { code?: unknown; message?: unknown };
    const code = typeof error.code === 'string' && error.code !== '' ? clip(error.code, 64) : 'UNKNOWN';
    const message = typeof error.message === 'string' ? clip(error.message) : '';
    if (code === 'DECRYPTION_FAILED' && this.startAttempts === 1) {
      void this.resendWithFreshKey();
      return;
    }
    this.stopDeadline();
    this.log.info({ event: 'agent.nats.start_refused', code }, 'node refused the agent session');
    this.events.startRefused(code, message);
  }

  /** The node restarted with a new key (§5.7): fetch it again and send the start once more. */
  private async resendWithFreshKey(): Promise<void> {
    const { keys } = this.options;
    keys.evict(this.start.owner);
    this.log.info(
      { event: 'agent.nats.key_stale' },
      'node could not decrypt the start; fetching its key again',
    );
    try {
      this.nodeKey = await keys.get(this.start.owner);
      if (this.closed) return;
      this.publishStart();
    } catch (err) {
      if (this.closed) return;
      this.stopDeadline();
      this.log.warn(
        { event: 'agent.nats.key_refetch_failed', reason: (err as Error).message },
        'key refetch',
      );
      this.events.startRefused('DECRYPTION_FAILED', 'failed to decrypt agent message');
    }
  }

  private onEvent(value: Record<string, unknown>): void {
    const envelope = asAgentEventEnvelope(value);
    if (!envelope || envelope.session_id !== this.start.sessionId) return;
    const key = envelope.encryption_info.ephemeral_public_key;
    if (this.nodeEventKey !== null && key !== this.nodeEventKey) return;
    let event: ReturnType<typeof openAgentEvent> | null = null;
    for (const sealed of this.starts.values()) {
      try {
        event = openAgentEvent(envelope, sealed.ephemeral.privateKey);
        break;
      } catch (err) {
        if (!(err instanceof TunnelCipherError)) throw err;
      }
    }
    // Undecryptable events are dropped (§9.3 fix), as are events of another session or replays.
    if (!event) {
      this.log.warn({ event: 'agent.nats.event_undecryptable' }, 'dropped an agent event that did not open');
      return;
    }
    if (event.session_id !== this.start.sessionId || event.sequence <= this.lastSequence) return;
    this.nodeEventKey = key;
    this.lastSequence = event.sequence;
    this.accepted = true;
    this.stopDeadline();
    this.events.event(clip(event.event_type, 100), event.data);
  }

  private startDeadlinePassed(): void {
    this.deadline = undefined;
    if (this.accepted || this.closed) return;
    this.log.warn({ event: 'agent.nats.start_deadline' }, 'agent node did not answer the start in time');
    this.cancel();
    this.events.startRefused(
      'TIMEOUT',
      `The agent did not answer within ${describeSeconds(this.options.startDeadlineMs)}.`,
    );
  }

  private stopDeadline(): void {
    clearTimeout(this.deadline);
    this.deadline = undefined;
  }

  send(message: AgentUserMessage): void {
    this.control(AGENT_MESSAGE_TYPES.userMessage, {
      session_id: this.start.sessionId,
      message: {
        type: message.type,
        content: message.content,
        tool_call_id: message.tool_call_id,
        reason: message.reason,
      },
    });
  }

  cancel(): void {
    this.stopDeadline();
    this.cancelled = true;
    // While NATS is down a cancel would be lost (or reach no node that has re-subscribed yet): deliver it later.
    if (this.options.link.connection)
      this.control(AGENT_MESSAGE_TYPES.cancel, { session_id: this.start.sessionId });
    else void this.cancelWhenBack();
  }

  /**
   * Resends the cancel once a second, for up to {@link CANCEL_RETRIES} seconds, until the server reports a
   * subscriber on the owner's subject (no "no responders" answer): the §6.3 fix must also hold across a NATS restart.
   */
  private async cancelWhenBack(): Promise<void> {
    const payload = { session_id: this.start.sessionId };
    for (let attempt = 1; attempt <= CANCEL_RETRIES; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 1000).unref());
      const connection = this.options.link.connection;
      if (!connection) continue;
      let noResponders = false;
      const inbox = createInbox();
      const sub = connection.subscribe(inbox, {
        callback: (_err, msg) => {
          if (msg.headers?.code === 503) noResponders = true;
        },
      });
      try {
        const sealed = this.seal(AGENT_MESSAGE_TYPES.cancel, payload);
        connection.publish(spaceSubject(this.start.owner), sealed.data, { reply: inbox });
        await connection.flush();
      } catch {
        continue;
      } finally {
        sub.unsubscribe();
      }
      if (!noResponders) {
        this.log.info(
          { event: 'agent.nats.cancel_delivered', attempt },
          'cancel delivered after NATS came back',
        );
        return;
      }
    }
    this.log.warn({ event: 'agent.nats.cancel_lost' }, 'the node was not back in time to receive the cancel');
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopDeadline();
    this.offState?.();
    for (const sub of this.subscriptions) {
      try {
        sub.unsubscribe();
      } catch {
        // The connection is already closed.
      }
    }
  }
}
