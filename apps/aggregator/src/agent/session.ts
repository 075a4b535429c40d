import { randomUUID } from 'node:crypto';
import {
  AGENT_CLOSE,
  AgentClientFrame,
  type AgentHistoryMessage,
  AgentSessionStartPayload,
  type AgentUserMessage,
  UserConfirmPayload,
  UserDenyPayload,
  UserMessagePayload,
} from '@syfthub/contracts';
import type { Logger } from 'pino';
import type { z } from 'zod';
import {
  type AgentErrorSpec,
  createdFrame,
  describeDuration,
  errorFrame,
  eventFrame,
  fatalError,
  invalidError,
  normaliseConfig,
  PONG_FRAME,
} from './protocol';

// One client socket of `/api/v1/agent/session` (agent-sessions.md §6): waits for `session.start`, opens the
// session on the owner's node, then relays in both directions until a terminal event, a cancel, a timeout or a
// fault. Every early end cancels the node-side session (§6.3 fix) and is reported once through `onEnd`.

/** The socket as the session drives it. */
export interface AgentSocket {
  send(text: string): void;
  close(code: number): void;
  /** A WebSocket protocol ping: keep-alive only, a missing pong is not a failure (§8). */
  ping(): void;
}

/** What the aggregator asks the node to start (§9.1). */
export interface NodeStart {
  sessionId: string;
  owner: string;
  slug: string;
  prompt: string;
  satelliteToken: string;
  config: Record<string, unknown>;
  messages: AgentHistoryMessage[];
}

/** What the node link reports about one session. */
export interface NodeSessionEvents {
  /** A decrypted event of this session (§9.2); `data` as the node sent it. */
  event(type: string, data: unknown): void;
  /** The node answered the start with an error (§7.2). */
  startRefused(code: string, message: string): void;
  /** The node or NATS went away while the session ran. */
  lost(code: 'AGENT_OFFLINE' | 'NATS_UNAVAILABLE'): void;
}

/** A session open on the node. */
export interface NodeSession {
  send(message: AgentUserMessage): void;
  /** Sends `agent_session_cancel`; events keep coming until `close()` (the node's closing `session.failed`). */
  cancel(): void;
  /** Stops listening. */
  close(): void;
}

/** Why a session could not be opened; the code is the `agent.error` the client gets (§7.1). */
export class AgentStartError extends Error {
  constructor(
    readonly code: 'SPACE_KEY_ERROR' | 'NATS_UNAVAILABLE' | 'AGENT_OFFLINE',
    readonly detail = '',
  ) {
    super(`${code}${detail ? `: ${detail}` : ''}`);
    this.name = 'AgentStartError';
  }
}

/** Opens sessions on owners' nodes (the NATS relay; tests may use another). */
export interface AgentNodes {
  open(start: NodeStart, events: NodeSessionEvents): Promise<NodeSession>;
}

export interface AgentSessionTiming {
  /** Time allowed for the first frame (§8: 30 s). */
  startTimeoutMs: number;
  /** Silence in both directions that ends the session (§8: `AGGREGATOR_AGENT_INACTIVITY_SECONDS`). */
  inactivityMs: number;
  /** WebSocket protocol pings (§8: 30 s). */
  pingIntervalMs: number;
  /** After a cancel, how long the node's closing `session.failed` is awaited before the socket closes. */
  cancelGraceMs: number;
}

export type SessionOutcome = 'completed' | 'failed' | 'cancelled';

/** How a session ended: `reason` names the failure for the metrics and logs. */
export interface SessionEnd {
  outcome: SessionOutcome;
  reason: string;
}

type State =
  | 'initializing'
  | 'starting'
  | 'running'
  | 'awaiting_input'
  | 'cancelled'
  | 'completed'
  | 'failed'
  | 'timed_out'
  | 'ended';

const LIVE: ReadonlySet<State> = new Set(['running', 'awaiting_input']);

function issuesText(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
}

export interface AgentSessionOptions {
  socket: AgentSocket;
  nodes: AgentNodes;
  timing: AgentSessionTiming;
  log: Logger;
  /** Called once when the session is over (the socket is closing). */
  onEnd: (end: SessionEnd) => void;
  /** Called when `session.created` was sent. */
  onCreated?: () => void;
}

export class AgentSession {
  private state: State = 'initializing';
  private sessionId = '';
  private sequence = 0;
  private node: NodeSession | null = null;
  private nodeCancelled = false;
  /** Tool calls waiting for `user.confirm` / `user.deny` (§5.2 `requires_confirmation`). */
  private readonly pendingConfirmations = new Set<string>();
  /** Frames that arrived while the node was being asked (forwarded once the session exists). */
  private queued: string[] = [];
  /** Node reports that arrived before `session.created` went out (replayed right after it). */
  private nodeQueue: Array<() => void> = [];
  private startTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private graceTimer: NodeJS.Timeout | undefined;
  private log: Logger;

  constructor(private readonly options: AgentSessionOptions) {
    this.log = options.log;
  }

  /** The socket is open: the client has `startTimeoutMs` to send `session.start`. */
  opened(): void {
    const { timing } = this.options;
    this.startTimer = setTimeout(
      () =>
        this.fail(
          fatalError('SESSION_START_TIMEOUT', describeDuration(timing.startTimeoutMs)),
          'start_timeout',
        ),
      timing.startTimeoutMs,
    );
    this.pingTimer = setInterval(() => this.options.socket.ping(), timing.pingIntervalMs);
  }

  /** A text frame from the client. */
  received(text: string): void {
    if (this.state === 'ended') return;
    if (this.state === 'initializing') {
      void this.start(text);
      return;
    }
    if (this.state === 'starting') {
      this.queued.push(text);
      return;
    }
    this.touch();
    this.handleClientFrame(text);
  }

  /** The socket closed (client gone, or our own close completed). */
  closed(code: number): void {
    if (this.state === 'ended') return;
    this.log.info(
      { event: 'agent.session.client_closed', session_id: this.sessionId || null, code },
      'client left',
    );
    this.end(
      { outcome: 'failed', reason: code === AGENT_CLOSE.tooBig ? 'frame_too_large' : 'client_gone' },
      null,
    );
  }

  private async start(text: string): Promise<void> {
    clearTimeout(this.startTimer);
    const frame = parseFrame(text);
    if (frame === undefined) {
      this.fail(fatalError('INTERNAL_ERROR'), 'invalid_json');
      return;
    }
    if (frame === null || frame.type !== 'session.start') {
      const got = frame === null ? 'a frame without a type' : frame.type.slice(0, 100);
      this.fail(
        invalidError('INVALID_MESSAGE', `Expected session.start, got ${got}`, false),
        'invalid_message',
      );
      return;
    }
    const parsed = AgentSessionStartPayload.safeParse(frame.payload);
    if (!parsed.success) {
      this.fail(
        invalidError('INVALID_PAYLOAD', `Invalid session.start payload: ${issuesText(parsed.error)}`, false),
        'invalid_payload',
      );
      return;
    }
    const payload = parsed.data;
    this.state = 'starting';
    this.sessionId = randomUUID();
    this.log = this.log.child({
      session_id: this.sessionId,
      owner: payload.endpoint.owner,
      slug: payload.endpoint.slug,
    });
    let node: NodeSession;
    try {
      node = await this.options.nodes.open(
        {
          sessionId: this.sessionId,
          owner: payload.endpoint.owner,
          slug: payload.endpoint.slug,
          prompt: payload.prompt,
          satelliteToken: payload.satellite_token,
          config: normaliseConfig(payload.config),
          messages: (payload.messages ?? []).map((m) => ({ role: m.role, content: m.content })),
        },
        {
          event: (type, data) => this.fromNode(() => this.nodeEvent(type, data)),
          startRefused: (code, message) => this.fromNode(() => this.startRefused(code, message)),
          lost: (code) => this.fromNode(() => this.lost(code)),
        },
      );
    } catch (err) {
      if ((this.state as State) === 'ended') return;
      if (err instanceof AgentStartError) {
        const error =
          err.code === 'SPACE_KEY_ERROR' ? fatalError(err.code, err.detail) : fatalError(err.code);
        this.fail(error, err.code.toLowerCase());
      } else {
        this.log.error({ event: 'agent.session.start_failed', err }, 'agent session could not be opened');
        this.fail(fatalError('INTERNAL_ERROR'), 'internal');
      }
      return;
    }
    // The client left while the start was on its way.
    if ((this.state as State) !== 'starting') {
      node.cancel();
      node.close();
      return;
    }
    this.node = node;
    this.state = 'running';
    this.options.socket.send(createdFrame(this.sessionId));
    this.options.onCreated?.();
    this.log.info({ event: 'agent.session.created' }, 'agent session created');
    this.touch();
    const early = this.nodeQueue;
    this.nodeQueue = [];
    for (const report of early) report();
    const queued = this.queued;
    this.queued = [];
    for (const text of queued) {
      if ((this.state as State) === 'ended') break;
      this.handleClientFrame(text);
    }
  }

  /** Node reports wait until the client has `session.created` (§5.1 comes first). */
  private fromNode(report: () => void): void {
    if (this.state === 'starting') this.nodeQueue.push(report);
    else report();
  }

  private handleClientFrame(text: string): void {
    const frame = parseFrame(text);
    if (frame === undefined || frame === null) {
      // Upstream's relay stops on a frame it cannot read; ours says why and cancels the node's session.
      this.fail(
        invalidError('INVALID_MESSAGE', 'Messages must be JSON objects with a type', false),
        'invalid_json',
      );
      return;
    }
    switch (frame.type) {
      case 'ping':
        this.options.socket.send(PONG_FRAME);
        return;
      case 'user.cancel':
      case 'session.close':
        this.cancel();
        return;
      case 'session.start':
        this.reject(invalidError('INVALID_MESSAGE', 'The session has already started', true));
        return;
      case 'user.message':
        this.userMessage(frame.payload);
        return;
      case 'user.confirm':
      case 'user.deny':
        this.toolAnswer(frame.type, frame.payload);
        return;
      default:
        // Unknown types are ignored (§4).
        return;
    }
  }

  private forwardable(): boolean {
    return LIVE.has(this.state) && this.node !== null;
  }

  private userMessage(payload: unknown): void {
    const parsed = UserMessagePayload.safeParse(payload);
    if (!parsed.success) {
      this.reject(
        invalidError('INVALID_PAYLOAD', `Invalid user.message payload: ${issuesText(parsed.error)}`, true),
      );
      return;
    }
    if (!this.forwardable()) return;
    this.node?.send({ type: 'user_message', content: parsed.data.content, tool_call_id: '', reason: '' });
  }

  private toolAnswer(type: 'user.confirm' | 'user.deny', payload: unknown): void {
    const parsed = (type === 'user.confirm' ? UserConfirmPayload : UserDenyPayload).safeParse(payload);
    if (!parsed.success) {
      this.reject(
        invalidError('INVALID_PAYLOAD', `Invalid ${type} payload: ${issuesText(parsed.error)}`, true),
      );
      return;
    }
    const id = parsed.data.tool_call_id;
    if (!this.pendingConfirmations.has(id)) {
      this.reject(
        invalidError('INVALID_MESSAGE', `No tool call ${id.slice(0, 100)} is waiting for confirmation`, true),
      );
      return;
    }
    if (!this.forwardable()) return;
    this.pendingConfirmations.delete(id);
    const reason = type === 'user.deny' ? ((parsed.data as { reason?: string | null }).reason ?? '') : '';
    this.node?.send({
      type: type === 'user.confirm' ? 'user_confirm' : 'user_deny',
      content: '',
      tool_call_id: id,
      reason,
    });
  }

  /** `user.cancel` / `session.close` (§4, §6.3): cancel on the node, relay its closing event, then close. */
  private cancel(): void {
    if (!this.forwardable()) return;
    this.state = 'cancelled';
    this.cancelNode();
    this.log.info({ event: 'agent.session.cancelled' }, 'client cancelled the agent session');
    this.graceTimer = setTimeout(
      () => this.end({ outcome: 'cancelled', reason: 'cancelled' }, AGENT_CLOSE.normal),
      this.options.timing.cancelGraceMs,
    );
  }

  private nodeEvent(type: string, data: unknown): void {
    if (this.state === 'ended') return;
    this.touch();
    this.sequence += 1;
    this.options.socket.send(eventFrame(type, this.sessionId, this.sequence, data));
    const fields = (data ?? {}) as Record<string, unknown>;
    if (type === 'session.completed' || type === 'session.failed') {
      const cancelled = this.state === 'cancelled';
      this.node?.close();
      this.node = null;
      this.end(
        type === 'session.completed'
          ? { outcome: 'completed', reason: 'completed' }
          : cancelled
            ? { outcome: 'cancelled', reason: 'cancelled' }
            : { outcome: 'failed', reason: 'session_failed' },
        AGENT_CLOSE.normal,
      );
      return;
    }
    if (
      type === 'agent.tool_call' &&
      fields.requires_confirmation === true &&
      typeof fields.tool_call_id === 'string'
    ) {
      this.pendingConfirmations.add(fields.tool_call_id);
    } else if (type === 'agent.tool_result' && typeof fields.tool_call_id === 'string') {
      this.pendingConfirmations.delete(fields.tool_call_id);
    }
    if (this.state === 'cancelled') return;
    this.state = type === 'agent.request_input' ? 'awaiting_input' : 'running';
  }

  /** The node refused the start (§7.2 fix): `session.failed` with its message, then close 1000. */
  private startRefused(code: string, message: string): void {
    if (this.state === 'ended') return;
    this.log.info({ event: 'agent.session.refused', code }, 'node refused the agent session');
    this.node?.close();
    this.node = null;
    this.sequence += 1;
    this.options.socket.send(
      eventFrame('session.failed', this.sessionId, this.sequence, {
        error: message,
        reason: code.toLowerCase(),
      }),
    );
    this.end({ outcome: 'failed', reason: 'node_refused' }, AGENT_CLOSE.normal);
  }

  private lost(code: 'AGENT_OFFLINE' | 'NATS_UNAVAILABLE'): void {
    if (this.state === 'ended') return;
    this.log.warn({ event: 'agent.session.lost', code }, 'agent session lost its node');
    this.fail(fatalError(code), code.toLowerCase());
  }

  /** Inactivity in both directions (§8, ours): `session.failed` with reason `timeout`, cancel, close 1000. */
  private timedOut(): void {
    if (!LIVE.has(this.state) && this.state !== 'cancelled') return;
    this.state = 'timed_out';
    this.sequence += 1;
    const limit = describeDuration(this.options.timing.inactivityMs);
    this.options.socket.send(
      eventFrame('session.failed', this.sessionId, this.sequence, {
        error: `Session timed out after ${limit} of inactivity.`,
        reason: 'timeout',
      }),
    );
    this.end({ outcome: 'failed', reason: 'timeout' }, AGENT_CLOSE.normal);
  }

  private cancelNode(): void {
    if (this.nodeCancelled) return;
    this.nodeCancelled = true;
    this.node?.cancel();
  }

  private touch(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.timedOut(), this.options.timing.inactivityMs);
  }

  /** One bad frame; the session goes on. */
  private reject(error: AgentErrorSpec): void {
    this.options.socket.send(errorFrame(error));
  }

  /** A fatal error: `agent.error`, then close with its code. */
  private fail(error: AgentErrorSpec, reason: string): void {
    if (this.state === 'ended') return;
    this.options.socket.send(errorFrame(error));
    this.end({ outcome: 'failed', reason }, error.close);
  }

  /** Tears down once: timers, the node side (cancelled unless it already ended), the socket. */
  private end(end: SessionEnd, closeCode: number | null): void {
    if (this.state === 'ended') return;
    this.state = 'ended';
    clearTimeout(this.startTimer);
    clearTimeout(this.idleTimer);
    clearTimeout(this.graceTimer);
    clearInterval(this.pingTimer);
    this.queued = [];
    this.nodeQueue = [];
    if (this.node) {
      this.cancelNode();
      this.node.close();
      this.node = null;
    }
    if (closeCode !== null) this.options.socket.close(closeCode);
    this.log.info(
      { event: 'agent.session.ended', outcome: end.outcome, reason: end.reason },
      'agent session ended',
    );
    this.options.onEnd(end);
  }

  /** Ends the session from the server side (shutdown): the node is cancelled, the client told to come back. */
  shutdown(): void {
    if (this.state === 'ended') return;
    this.options.socket.send(errorFrame(fatalError('NATS_UNAVAILABLE')));
    this.end({ outcome: 'failed', reason: 'shutdown' }, AGENT_CLOSE.goingAway);
  }
}

/** A client frame: undefined when not JSON, null when JSON without a string `type`. */
function parseFrame(text: string): AgentClientFrame | null | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const frame = AgentClientFrame.safeParse(value);
  return frame.success ? frame.data : null;
}
