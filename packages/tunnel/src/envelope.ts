import type { KeyObject } from 'node:crypto';
import {
  TUNNEL_PROTOCOL,
  type TunnelError,
  type TunnelRequestEnvelope,
  TunnelRequestEnvelope as TunnelRequestSchema,
  type TunnelResponseEnvelope,
  TunnelResponseEnvelope as TunnelResponseSchema,
} from '@syfthub/contracts';
import {
  decodePublicKey,
  decryptRequest,
  decryptResponse,
  encryptRequest,
  encryptResponse,
  type PublicKeyInput,
  type SealedPayload,
  type SealOptions,
  TunnelCipherError,
  type X25519KeyPair,
} from './cipher';

// Building and reading the JSON envelopes of tunnelling.md §5. Payloads are always sealed (§6); the envelope
// itself is clear text and is never trusted beyond its shape.

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export interface RequestSpec {
  /** `endpoint_request`, or an agent message type (agent-sessions.md §9). */
  type?: string;
  correlationId: string;
  /** The reply channel, without the `syfthub.peer.` prefix. */
  replyTo: string;
  endpoint: { slug: string; type: string };
  timeoutMs: number;
  /** Travels in clear text, as the Go node reads it from the envelope (§5.1, §12). */
  satelliteToken?: string | undefined;
  /** Any JSON value; sealed to the node's key. */
  payload: unknown;
  /** Raw, or imported once with `importPublicKey` (cheaper for a key used on many requests). */
  nodePublicKey: PublicKeyInput;
}

export interface SealedRequest {
  /** The UTF-8 JSON to publish on `syfthub.spaces.<owner>`. */
  data: Uint8Array;
  /** Opens the reply; keep it until the reply arrives. */
  ephemeral: X25519KeyPair;
}

function parseJson(data: Uint8Array): unknown {
  try {
    return JSON.parse(decoder.decode(data));
  } catch {
    return undefined;
  }
}

/** Seals `payload` and wraps it in a request envelope (§5.1, §6.2). `payload` on the wire is always null. */
export function sealRequest(spec: RequestSpec, options: SealOptions = {}): SealedRequest {
  const plaintext = encoder.encode(JSON.stringify(spec.payload));
  const { sealed, ephemeral } = encryptRequest(plaintext, spec.nodePublicKey, spec.correlationId, options);
  const envelope: Record<string, unknown> = {
    protocol: TUNNEL_PROTOCOL,
    type: spec.type ?? 'endpoint_request',
    correlation_id: spec.correlationId,
    reply_to: spec.replyTo,
    endpoint: spec.endpoint,
    payload: null,
    timeout_ms: Math.max(0, Math.round(spec.timeoutMs)),
  };
  if (spec.satelliteToken) envelope.satellite_token = spec.satelliteToken;
  envelope.encryption_info = sealed.encryption_info;
  envelope.encrypted_payload = sealed.encrypted_payload;
  return { data: encoder.encode(JSON.stringify(envelope)), ephemeral };
}

/** A response envelope, or null when the bytes are not JSON of that shape. */
export function parseResponseEnvelope(data: Uint8Array): TunnelResponseEnvelope | null {
  return asResponseEnvelope(parseJson(data));
}

/** A response envelope, or null when the parsed JSON value is not one. */
export function asResponseEnvelope(value: unknown): TunnelResponseEnvelope | null {
  const result = TunnelResponseSchema.safeParse(value);
  return result.success ? result.data : null;
}

function sealedOf(envelope: {
  encryption_info?: SealedPayload['encryption_info'] | null | undefined;
  encrypted_payload?: string | null | undefined;
}): SealedPayload {
  if (!envelope.encryption_info || !envelope.encrypted_payload) {
    throw new TunnelCipherError('the message is not encrypted');
  }
  return { encryption_info: envelope.encryption_info, encrypted_payload: envelope.encrypted_payload };
}

function jsonOf(plaintext: Buffer): unknown {
  const value = parseJson(plaintext);
  if (value === undefined) throw new TunnelCipherError('the decrypted payload is not JSON');
  return value;
}

/** The decrypted JSON payload of a response (§6.3); throws TunnelCipherError when it cannot be opened. */
export function openResponse(envelope: TunnelResponseEnvelope, ephemeralPrivate: KeyObject): unknown {
  return jsonOf(decryptResponse(sealedOf(envelope), ephemeralPrivate, envelope.correlation_id));
}

/** A request envelope as a node reads it, or null when the bytes are not JSON of that shape. */
export function parseRequestEnvelope(data: Uint8Array): TunnelRequestEnvelope | null {
  const result = TunnelRequestSchema.safeParse(parseJson(data));
  return result.success ? result.data : null;
}

/** The decrypted JSON payload of a request (node side); plaintext requests are refused (§5.5). */
export function openRequest(envelope: TunnelRequestEnvelope, nodePrivate: KeyObject): unknown {
  return jsonOf(decryptRequest(sealedOf(envelope), nodePrivate, envelope.correlation_id));
}

export interface ResponseTiming {
  receivedAt: Date;
  processedAt: Date;
}

export type ResponseSpec =
  | { status: 'success'; payload: unknown; timing?: ResponseTiming }
  | { status: 'error'; error: TunnelError; payload?: unknown };

/**
 * A node's reply to `request` (§5.2): sealed to the request's ephemeral key when the request was encrypted (error
 * replies seal `null` unless given a payload), clear only when the request itself was.
 */
export function buildResponse(
  request: Pick<TunnelRequestEnvelope, 'correlation_id' | 'endpoint' | 'encryption_info'>,
  spec: ResponseSpec,
  options: SealOptions = {},
): Uint8Array {
  const envelope: Record<string, unknown> = {
    protocol: TUNNEL_PROTOCOL,
    type: 'endpoint_response',
    correlation_id: request.correlation_id,
    status: spec.status,
    endpoint_slug: request.endpoint.slug,
  };
  if (spec.status === 'error') envelope.error = spec.error;
  if (spec.status === 'success' && spec.timing) {
    envelope.timing = {
      received_at: spec.timing.receivedAt.toISOString(),
      processed_at: spec.timing.processedAt.toISOString(),
      duration_ms: spec.timing.processedAt.getTime() - spec.timing.receivedAt.getTime(),
    };
  }
  const payload = spec.payload ?? null;
  if (request.encryption_info) {
    const sealed = encryptResponse(
      encoder.encode(JSON.stringify(payload)),
      decodePublicKey(request.encryption_info.ephemeral_public_key),
      request.correlation_id,
      options,
    );
    envelope.encryption_info = sealed.encryption_info;
    envelope.encrypted_payload = sealed.encrypted_payload;
  } else {
    envelope.encryption_info = null;
    envelope.encrypted_payload = '';
  }
  return encoder.encode(JSON.stringify(envelope));
}
