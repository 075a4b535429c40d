import type { AgentHistoryMessage } from '@syfthub/contracts';
import type { Caller } from '../auth';

// The node-side session an agent handler drives (agent-sessions.md §10): helpers that emit the events of §5.2,
// and waits for the user's messages. The bridge owns the transport; this only knows how to say things in order.

/** A message from the user, as the node receives it (§9.1 inner message). */
export interface UserInput {
  type: 'user_message' | 'user_confirm' | 'user_deny';
  content: string;
  toolCallId: string;
  reason: string;
}

export interface ToolCallSpec {
  name: string;
  arguments: Record<string, unknown>;
  description?: string;
}

export interface ToolResultSpec {
  toolCallId: string;
  status: 'success' | 'error';
  result?: unknown;
  error?: string;
  durationMs?: number;
}

export interface Confirmation {
  confirmed: boolean;
  toolCallId: string;
  /** The user's reason on a denial, or their typed reply when they answered with a message instead. */
  reason: string;
}

/** Thrown by waits once the session is cancelled (the handler should let it propagate). */
export class SessionCancelledError extends Error {
  constructor() {
    super('session cancelled');
    this.name = 'SessionCancelledError';
  }
}

/** User messages beyond this many unread ones are dropped, as the Go node does (§8). */
const INBOX_LIMIT = 100;

export interface AgentSessionInit {
  id: string;
  slug: string;
  prompt: string;
  messages: AgentHistoryMessage[];
  config: Record<string, unknown>;
  user: Caller;
  emit: (eventType: string, data: unknown) => void;
}

export class AgentSessionContext {
  readonly id: string;
  readonly slug: string;
  readonly prompt: string;
  readonly messages: AgentHistoryMessage[];
  readonly config: Record<string, unknown>;
  readonly user: Caller;
  private readonly controller = new AbortController();
  private readonly inbox: UserInput[] = [];
  private waiter: ((input: UserInput | null) => void) | null = null;
  private toolCalls = 0;
  private readonly emit: (eventType: string, data: unknown) => void;

  constructor(init: AgentSessionInit) {
    this.id = init.id;
    this.slug = init.slug;
    this.prompt = init.prompt;
    this.messages = init.messages;
    this.config = init.config;
    this.user = init.user;
    this.emit = init.emit;
  }

  /** Aborted when the session is cancelled (client cancel or disconnect, node shutdown). */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get cancelled(): boolean {
    return this.controller.signal.aborted;
  }

  private check(): void {
    if (this.cancelled) throw new SessionCancelledError();
  }

  thinking(content: string): void {
    this.check();
    this.emit('agent.thinking', { content, is_streaming: false });
  }

  /** Announces a tool call that runs without asking; returns its id for the result. */
  toolCall(call: ToolCallSpec): string {
    this.check();
    this.toolCalls += 1;
    const id = `call-${this.toolCalls}`;
    this.emit('agent.tool_call', this.toolCallData(id, call, false));
    return id;
  }

  toolResult(result: ToolResultSpec): void {
    this.check();
    const data: Record<string, unknown> = { tool_call_id: result.toolCallId, status: result.status };
    if (result.result !== undefined) data.result = result.result;
    if (result.error !== undefined) data.error = result.error;
    if (result.durationMs !== undefined) data.duration_ms = Math.round(result.durationMs);
    this.emit('agent.tool_result', data);
  }

  message(content: string): void {
    this.check();
    this.emit('agent.message', { content, is_complete: true });
  }

  token(token: string): void {
    this.check();
    this.emit('agent.token', { token });
  }

  status(status: string, detail: string, progress?: number): void {
    this.check();
    const data: Record<string, unknown> = { status, detail };
    if (progress !== undefined) data.progress = Math.min(1, Math.max(0, progress));
    this.emit('agent.status', data);
  }

  /** The next user message of any kind. */
  receive(): Promise<UserInput> {
    this.check();
    const ready = this.inbox.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve, reject) => {
      this.waiter = (input) => {
        this.waiter = null;
        if (input) resolve(input);
        else reject(new SessionCancelledError());
      };
    });
  }

  /** Emits `agent.request_input` and waits for the reply (confirmations meanwhile count as empty replies). */
  async requestInput(prompt: string): Promise<string> {
    this.check();
    this.emit('agent.request_input', { prompt });
    const input = await this.receive();
    return input.type === 'user_message' ? input.content : '';
  }

  /**
   * Emits a `tool_call` with `requires_confirmation` and waits: confirmed only by a `user_confirm`; a denial or any
   * other message counts as no (§10).
   */
  async requestConfirmation(call: ToolCallSpec): Promise<Confirmation> {
    this.check();
    this.toolCalls += 1;
    const id = `confirm-${this.toolCalls}`;
    this.emit('agent.tool_call', this.toolCallData(id, call, true));
    const input = await this.receive();
    if (input.type === 'user_confirm') return { confirmed: true, toolCallId: id, reason: '' };
    return {
      confirmed: false,
      toolCallId: id,
      reason: input.type === 'user_deny' ? input.reason : input.content,
    };
  }

  private toolCallData(id: string, call: ToolCallSpec, confirm: boolean): Record<string, unknown> {
    const data: Record<string, unknown> = {
      tool_call_id: id,
      tool_name: call.name,
      arguments: call.arguments,
      requires_confirmation: confirm,
    };
    if (call.description !== undefined) data.description = call.description;
    return data;
  }

  /** A user message from the aggregator (bridge side). */
  deliver(input: UserInput): boolean {
    if (this.cancelled) return false;
    if (this.waiter) {
      this.waiter(input);
      return true;
    }
    if (this.inbox.length >= INBOX_LIMIT) return false;
    this.inbox.push(input);
    return true;
  }

  /** Cancels the session (bridge side); waits reject. */
  cancel(): void {
    if (this.cancelled) return;
    this.controller.abort(new SessionCancelledError());
    this.waiter?.(null);
  }
}

export type AgentHandler = (session: AgentSessionContext) => Promise<void>;
