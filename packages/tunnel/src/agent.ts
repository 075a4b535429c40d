import type { KeyObject } from 'node:crypto';
import {
  AGENT_MESSAGE_TYPES,
  type AgentEventEnvelope,
  AgentEventEnvelope as AgentEventEnvelopeSchema,
  type AgentEventPlaintext,
  AgentEventPlaintext as AgentEventPlaintextSchema,
  TUNNEL_PROTOCOL,
} from '@syfthub/contracts';
import {
  decryptResponse,
  encryptResponse,
  type PublicKeyInput,
  TunnelCipherError,
  type X25519KeyPair,
} from './cipher';

// Agent events on the NATS leg (agent-sessions.md §9.2, §9.4): the node seals every event of a session with one
// response key pair made for that session, to the start message's ephemeral key, with the event's own
// correlation id (`<session_id>-<sequence>`) as associated data.

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** NATS headers the Go node sets on every event (§9.2). */
export const AGENT_EVENT_HEADERS = {
  sessionId: 'Syft-Session-Id',
  type: 'Syft-Msg-Type',
  sequence: 'Syft-Sequence',
} as const;

export interface AgentEventSpec {
  sessionId: string;
  slug: string;
  /** The node's own counter, from 1 per session. */
  sequence: number;
  eventType: string;
  /** The event's payload; `undefined` is written as `null`. */
  data: unknown;
  /** `encryption_info.ephemeral_public_key` of the session's start message (raw, or imported once per session). */
  startEphemeralPublic: PublicKeyInput;
  /** The session's response pair (one per session, §9.4). */
  responsePair: X25519KeyPair;
}

export interface BuiltAgentEvent {
  data: Uint8Array;
  headers: Record<string, string>;
}

/** An `agent_event` envelope as the node publishes it on `syfthub.peer.<reply_to>`. */
export function buildAgentEvent(spec: AgentEventSpec): BuiltAgentEvent {
  const correlationId = `${spec.sessionId}-${spec.sequence}`;
  // Key order as the Go node writes it: session_id, event_type, sequence, data.
  const plaintext = JSON.stringify({
    session_id: spec.sessionId,
    event_type: spec.eventType,
    sequence: spec.sequence,
    data: spec.data ?? null,
  });
  const sealed = encryptResponse(encoder.encode(plaintext), spec.startEphemeralPublic, correlationId, {
    ephemeral: spec.responsePair,
  });
  const envelope = {
    protocol: TUNNEL_PROTOCOL,
    type: AGENT_MESSAGE_TYPES.event,
    correlation_id: correlationId,
    status: 'success',
    session_id: spec.sessionId,
    endpoint_slug: spec.slug,
    encryption_info: sealed.encryption_info,
    encrypted_payload: sealed.encrypted_payload,
  };
  return {
    data: encoder.encode(JSON.stringify(envelope)),
    headers: {
      [AGENT_EVENT_HEADERS.sessionId]: spec.sessionId,
      [AGENT_EVENT_HEADERS.type]: spec.eventType,
      [AGENT_EVENT_HEADERS.sequence]: String(spec.sequence),
    },
  };
}

/** Any JSON object on a reply channel, or null when the bytes are not one. */
export function parseJsonObject(data: Uint8Array): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(decoder.decode(data));
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/** An `agent_event` envelope, or null when the object is not one. */
export function asAgentEventEnvelope(value: unknown): AgentEventEnvelope | null {
  const result = AgentEventEnvelopeSchema.safeParse(value);
  return result.success ? result.data : null;
}

/** Opens an event with the start message's ephemeral private key; throws TunnelCipherError when it cannot. */
export function openAgentEvent(envelope: AgentEventEnvelope, startPrivate: KeyObject): AgentEventPlaintext {
  const plaintext = decryptResponse(
    { encryption_info: envelope.encryption_info, encrypted_payload: envelope.encrypted_payload },
    startPrivate,
    envelope.correlation_id,
  );
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(plaintext));
  } catch {
    throw new TunnelCipherError('the decrypted event is not JSON');
  }
  const result = AgentEventPlaintextSchema.safeParse(value);
  if (!result.success) throw new TunnelCipherError('the decrypted event is not an agent event');
  return result.data;
}
