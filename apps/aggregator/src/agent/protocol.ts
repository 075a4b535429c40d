import { AGENT_CLOSE, type AgentErrorCode } from '@syfthub/contracts';

// The aggregator's side of agent-sessions.md §5 and §7.1: frames it writes to the client and what each error
// means for the socket.

/** Message and close code of each aggregator error (§7.1); messages never carry tokens. */
const ERRORS: Record<Exclude<AgentErrorCode, 'INVALID_MESSAGE' | 'INVALID_PAYLOAD'>, [string, number]> = {
  SESSION_START_TIMEOUT: ['No session.start message received within ', AGENT_CLOSE.policy],
  SPACE_KEY_ERROR: ['Failed to get space encryption key: ', AGENT_CLOSE.internal],
  INTERNAL_ERROR: ['An unexpected error occurred', AGENT_CLOSE.internal],
  SESSION_LIMIT: ['Too many agent sessions; try again later.', AGENT_CLOSE.tryAgainLater],
  NATS_UNAVAILABLE: ['Agent sessions are not available right now.', AGENT_CLOSE.internal],
  AGENT_OFFLINE: ['The agent endpoint is not connected.', AGENT_CLOSE.internal],
};

export interface AgentErrorSpec {
  code: AgentErrorCode;
  message: string;
  close: number;
  /** Recoverable errors answer one bad message and leave the session running. */
  recoverable: boolean;
}

/** A fatal error of §7.1 with its fixed message (a suffix is appended where the spec has one). */
export function fatalError(code: keyof typeof ERRORS, suffix = ''): AgentErrorSpec {
  const [message, close] = ERRORS[code];
  return { code, message: message + suffix, close, recoverable: false };
}

/** A bad frame: fatal before the session exists (1008), recoverable afterwards unless stated. */
export function invalidError(
  code: 'INVALID_MESSAGE' | 'INVALID_PAYLOAD',
  message: string,
  recoverable: boolean,
): AgentErrorSpec {
  return { code, message, close: AGENT_CLOSE.policy, recoverable };
}

export function errorFrame(error: AgentErrorSpec): string {
  return JSON.stringify({
    type: 'agent.error',
    payload: { code: error.code, message: error.message, recoverable: error.recoverable },
  });
}

export function createdFrame(sessionId: string): string {
  return JSON.stringify({
    type: 'session.created',
    session_id: sessionId,
    payload: { session_id: sessionId },
  });
}

export const PONG_FRAME = JSON.stringify({ type: 'pong' });

/** UTC ISO 8601 with microseconds and `+00:00`, as upstream writes it (§5.2). */
export function timestamp(now: Date = new Date()): string {
  return `${now.toISOString().slice(0, 23)}000+00:00`;
}

export function eventFrame(type: string, sessionId: string, sequence: number, payload: unknown): string {
  return JSON.stringify({ type, session_id: sessionId, sequence, timestamp: timestamp(), payload });
}

/** Renames the TS SDK's camelCase config keys to what the node reads (§4.1 fix); other keys pass unchanged. */
export function normaliseConfig(config: Record<string, unknown> | null | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config ?? {})) {
    const name = key === 'maxTokens' ? 'max_tokens' : key === 'systemPrompt' ? 'system_prompt' : key;
    // An explicit snake_case key wins over its camelCase twin.
    if (name !== key && name in (config ?? {})) continue;
    out[name] = value;
  }
  return out;
}

/** "30 minutes", "1 second": the inactivity message names the configured limit. */
export function describeDuration(ms: number): string {
  if (ms < 1000) return `${ms} milliseconds`;
  const seconds = Math.round(ms / 1000);
  if (seconds >= 60 && seconds % 60 === 0) {
    const minutes = seconds / 60;
    return `${minutes} minute${minutes === 1 ? '' : 's'}`;
  }
  return `${seconds} second${seconds === 1 ? '' : 's'}`;
}
