import { z } from 'zod';

// agent-sessions.md: the aggregator's WebSocket `/api/v1/agent/session` (§4, §5, §7) and the agent messages that
// travel over the NATS tunnel (§9). Readers are lenient where upstream is (unknown keys pass); writers follow the
// spec exactly.

/** Chat's limits (§4.1, "Ours"). */
export const AGENT_MAX_PROMPT_CHARS = 32_000;
export const AGENT_MAX_HISTORY_ITEMS = 100;
export const AGENT_MAX_HISTORY_CHARS = 200_000;
/** An inbound WebSocket frame above this closes the socket with 1009 (§4.1). */
export const AGENT_MAX_FRAME_BYTES = 256 * 1024;

/** Close codes the aggregator uses (§6.3, §7.1). */
export const AGENT_CLOSE = {
  normal: 1000,
  goingAway: 1001,
  policy: 1008,
  tooBig: 1009,
  internal: 1011,
  tryAgainLater: 1013,
} as const;

/** `agent.error` codes raised by the aggregator (§7.1, upstream and ours). */
export const AGENT_ERROR_CODES = [
  'SESSION_START_TIMEOUT',
  'INVALID_MESSAGE',
  'INVALID_PAYLOAD',
  'SPACE_KEY_ERROR',
  'INTERNAL_ERROR',
  'SESSION_LIMIT',
  'NATS_UNAVAILABLE',
  'AGENT_OFFLINE',
] as const;
export type AgentErrorCode = (typeof AGENT_ERROR_CODES)[number];

// ─── Client → aggregator (§4) ─────────────────────────────────────────────────────────────────────────────

/** Every client frame: `{"type", "payload"?}`; `session_id`, `sequence` and `timestamp` are allowed and unread. */
export const AgentClientFrame = z.looseObject({
  type: z.string(),
  payload: z.unknown().optional(),
});

const USERNAME = /^[a-z0-9_-]{1,50}$/;
const SLUG = /^[a-z0-9][a-z0-9_-]{0,99}$/;

export const AgentHistoryMessage = z.looseObject({ role: z.string().max(50), content: z.string() });

/** `session.start` payload (§4.1); owner and slug are lowercased, unknown fields ignored. */
export const AgentSessionStartPayload = z.looseObject({
  prompt: z.string().min(1).max(AGENT_MAX_PROMPT_CHARS),
  endpoint: z.looseObject({
    owner: z.string().trim().toLowerCase().regex(USERNAME, 'must be a username'),
    slug: z.string().trim().toLowerCase().regex(SLUG, 'must be an endpoint slug'),
  }),
  satellite_token: z.string().min(1).max(8192),
  transaction_token: z.string().nullish(),
  peer_token: z.string().max(512).nullish(),
  peer_channel: z.string().max(512).nullish(),
  config: z.record(z.string(), z.unknown()).nullish(),
  messages: z
    .array(AgentHistoryMessage)
    .max(AGENT_MAX_HISTORY_ITEMS)
    .refine(
      (items) => items.reduce((sum, m) => sum + m.content.length, 0) <= AGENT_MAX_HISTORY_CHARS,
      `messages must hold at most ${AGENT_MAX_HISTORY_CHARS} characters`,
    )
    .nullish(),
});

export const UserMessagePayload = z.looseObject({ content: z.string().max(AGENT_MAX_PROMPT_CHARS) });
export const UserConfirmPayload = z.looseObject({ tool_call_id: z.string().min(1).max(200) });
export const UserDenyPayload = z.looseObject({
  tool_call_id: z.string().min(1).max(200),
  reason: z.string().max(2000).nullish(),
});

// ─── Aggregator → client (§5) ─────────────────────────────────────────────────────────────────────────────

/** Sent once the start message is on its way to the node (§5.1). */
export const SessionCreatedFrame = z.object({
  type: z.literal('session.created'),
  session_id: z.string(),
  payload: z.object({ session_id: z.string() }),
});

/** A relayed node event (§5.2): `sequence` counts per socket from 1; `timestamp` is UTC with microseconds. */
export const AgentEventFrame = z.object({
  type: z.string(),
  session_id: z.string(),
  sequence: z.number().int().positive(),
  timestamp: z.string(),
  payload: z.unknown(),
});

/** An error raised by the aggregator (§5.3, §7.1). */
export const AgentErrorFrame = z.object({
  type: z.literal('agent.error'),
  payload: z.object({ code: z.string(), message: z.string(), recoverable: z.boolean() }),
});

export const PongFrame = z.object({ type: z.literal('pong') });

// Event payloads (§5.2), as the node emits them and the web page reads them.
export const ThinkingPayload = z.looseObject({ content: z.string(), is_streaming: z.boolean().optional() });
export const ToolCallPayload = z.looseObject({
  tool_call_id: z.string(),
  tool_name: z.string(),
  arguments: z.record(z.string(), z.unknown()).nullish(),
  requires_confirmation: z.boolean().optional(),
  description: z.string().optional(),
});
export const ToolResultPayload = z.looseObject({
  tool_call_id: z.string(),
  status: z.enum(['success', 'error']),
  result: z.unknown().optional(),
  error: z.string().optional(),
  duration_ms: z.number().optional(),
});
export const MessagePayload = z.looseObject({ content: z.string(), is_complete: z.boolean().optional() });
export const TokenPayload = z.looseObject({ token: z.string() });
export const StatusPayload = z.looseObject({
  status: z.string(),
  detail: z.string().optional(),
  progress: z.number().min(0).max(1).optional(),
});
export const RequestInputPayload = z.looseObject({ prompt: z.string() });
export const SessionCompletedPayload = z.looseObject({ session_id: z.string() });
export const SessionFailedPayload = z.looseObject({ error: z.string(), reason: z.string().optional() });

/** The event types a node emits (§5.2); the two `session.*` ones are terminal. */
export const AGENT_EVENT_TYPES = [
  'agent.thinking',
  'agent.tool_call',
  'agent.tool_result',
  'agent.message',
  'agent.token',
  'agent.status',
  'agent.request_input',
  'session.completed',
  'session.failed',
] as const;
export const TERMINAL_EVENT_TYPES = ['session.completed', 'session.failed'] as const;

// ─── The NATS leg (§9) ────────────────────────────────────────────────────────────────────────────────────

/** Envelope `type`s of agent messages (aggregator → node) and of the events coming back. */
export const AGENT_MESSAGE_TYPES = {
  start: 'agent_session_start',
  userMessage: 'agent_user_message',
  cancel: 'agent_session_cancel',
  event: 'agent_event',
} as const;

/** Sealed plaintext of `agent_session_start` (§9.1); the node reads session_id, prompt, slug, messages, config. */
export const AgentSessionStartPlaintext = z.looseObject({
  session_id: z.string().min(1),
  prompt: z.string(),
  endpoint_slug: z.string(),
  satellite_token: z.string().optional(),
  config: z.record(z.string(), z.unknown()).nullish(),
  messages: z.array(AgentHistoryMessage).nullish(),
});

/** The inner message of `agent_user_message` (§9.1): all four keys always present, `""` when unused. */
export const AgentUserMessage = z.looseObject({
  type: z.enum(['user_message', 'user_confirm', 'user_deny']),
  content: z.string(),
  tool_call_id: z.string(),
  reason: z.string(),
});
export const AgentUserMessagePlaintext = z.looseObject({
  session_id: z.string().min(1),
  message: AgentUserMessage,
});
export const AgentSessionCancelPlaintext = z.looseObject({ session_id: z.string().min(1) });

/** An `agent_event` envelope on `syfthub.peer.<channel>` (§9.2); errors come as `endpoint_response` (§7.2). */
export const AgentEventEnvelope = z.looseObject({
  protocol: z.string().optional(),
  type: z.literal('agent_event'),
  correlation_id: z.string(),
  status: z.string().optional(),
  session_id: z.string(),
  endpoint_slug: z.string().optional(),
  encryption_info: z.object({ algorithm: z.string(), ephemeral_public_key: z.string(), nonce: z.string() }),
  encrypted_payload: z.string(),
});

/** Decrypted plaintext of an event (§9.2), written in this key order; `data` may be null. */
export const AgentEventPlaintext = z.looseObject({
  session_id: z.string(),
  event_type: z.string(),
  sequence: z.number().int(),
  data: z.unknown(),
});

export type AgentClientFrame = z.infer<typeof AgentClientFrame>;
export type AgentHistoryMessage = z.infer<typeof AgentHistoryMessage>;
export type AgentSessionStartPayload = z.infer<typeof AgentSessionStartPayload>;
export type SessionCreatedFrame = z.infer<typeof SessionCreatedFrame>;
export type AgentEventFrame = z.infer<typeof AgentEventFrame>;
export type AgentErrorFrame = z.infer<typeof AgentErrorFrame>;
export type ThinkingPayload = z.infer<typeof ThinkingPayload>;
export type ToolCallPayload = z.infer<typeof ToolCallPayload>;
export type ToolResultPayload = z.infer<typeof ToolResultPayload>;
export type MessagePayload = z.infer<typeof MessagePayload>;
export type TokenPayload = z.infer<typeof TokenPayload>;
export type StatusPayload = z.infer<typeof StatusPayload>;
export type RequestInputPayload = z.infer<typeof RequestInputPayload>;
export type SessionFailedPayload = z.infer<typeof SessionFailedPayload>;
export type AgentEventType = (typeof AGENT_EVENT_TYPES)[number];
export type AgentSessionStartPlaintext = z.infer<typeof AgentSessionStartPlaintext>;
export type AgentUserMessage = z.infer<typeof AgentUserMessage>;
export type AgentUserMessagePlaintext = z.infer<typeof AgentUserMessagePlaintext>;
export type AgentSessionCancelPlaintext = z.infer<typeof AgentSessionCancelPlaintext>;
export type AgentEventEnvelope = z.infer<typeof AgentEventEnvelope>;
export type AgentEventPlaintext = z.infer<typeof AgentEventPlaintext>;
