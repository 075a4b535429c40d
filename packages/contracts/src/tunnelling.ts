import { z } from 'zod';

// tunnelling.md: the hub's NATS routes (§3) and the envelopes that travel over NATS (§5). Envelope readers are
// lenient where the Go node is (unknown keys pass, optional fields may be absent); writers follow §5 exactly.

const BASE64URL = /^[A-Za-z0-9_-]*={0,2}$/;
/** 32 bytes are 43 unpadded base64 characters; the padded form adds exactly one `=`. */
const RAW_32_BYTES = /^[A-Za-z0-9_-]{43}=?$/;

/**
 * An X25519 public key as the wire carries it: URL-safe base64 of 32 bytes, with or without `=` padding
 * (§3.4, §6.1). Output is always unpadded, which is what the Go node can decode.
 */
export const X25519PublicKey = z
  .string()
  .min(1, { error: 'The key must not be empty', abort: true })
  .refine((value) => BASE64URL.test(value), { error: 'The key must be URL-safe base64', abort: true })
  .refine((value) => RAW_32_BYTES.test(value), 'The key must decode to exactly 32 bytes')
  .transform((value) => value.replace(/=$/, ''));

/** `POST /api/v1/peer-token` body (§3.1): names are not checked for existence or tunnel mode. */
export const PeerTokenRequest = z.object({
  target_usernames: z.array(z.string().min(1).max(100)).min(1).max(100),
});

/** `POST /api/v1/nats/guest-peer-token` body (§3.2): the names are only logged. */
export const GuestPeerTokenRequest = z.object({
  target_usernames: z
    .array(z.string().min(1).max(100))
    .max(100)
    .nullish()
    .transform((v) => v ?? []),
});

/** Both peer-token routes answer this (§3.1, §3.2). Peer tokens are not NATS credentials (§2.2). */
export const PeerTokenResponse = z
  .object({
    peer_token: z.string(),
    peer_channel: z.string(),
    expires_in: z.number().int(),
    nats_url: z.string(),
  })
  .meta({
    examples: [
      {
        peer_token: 'pt_Xy3kQ0bq9mC2r8JfL1tW5vZ7aN4eH6sD0uK3oP9iB2g',
        peer_channel: 'peer_8c1f0d6a2b7e4c3d9a5b1e0f7c6d2a19',
        expires_in: 120,
        nats_url: 'wss://hub.example.com/nats',
      },
    ],
  });

/** `GET /api/v1/nats/credentials` (§3.3): the token nodes present on the WebSocket listener. */
export const NatsCredentials = z.object({ nats_auth_token: z.string() });

/** `PUT /api/v1/nats/encryption-key` body (§3.4). */
export const EncryptionKeyRegistration = z.object({ encryption_public_key: X25519PublicKey });

/** `PUT /api/v1/nats/encryption-key` answer (§3.4). */
export const EncryptionKeyStored = z.object({ status: z.literal('ok') });

/** `GET /api/v1/nats/encryption-key/{username}` (§3.5): null until the user's node registered one. */
export const EncryptionKeyLookup = z.object({ encryption_public_key: z.string().nullable() });

/**
 * `GET /api/v1/nats/status` (ours): whether this hub runs the tunnel, so pages can say why a tunnelled endpoint
 * cannot be reached. `websocket_url` is where nodes dial in.
 */
export const TunnelStatus = z.object({ enabled: z.boolean(), websocket_url: z.string().nullable() });

/** `protocol` of every envelope (§5). */
export const TUNNEL_PROTOCOL = 'syfthub-tunnel/v1';

/** The cipher named in `encryption_info.algorithm` (§6). */
export const TUNNEL_ALGORITHM = 'X25519-ECDH-AES-256-GCM';

/** Error codes a node may send (§5.5); others are passed through as text. */
export const TUNNEL_ERROR_CODES = [
  'AUTH_FAILED',
  'ENDPOINT_NOT_FOUND',
  'ENDPOINT_DISABLED',
  'EXECUTION_FAILED',
  'INTERNAL_ERROR',
  'DECRYPTION_FAILED',
  'INVALID_REQUEST',
  'TIMEOUT',
  'POLICY_DENIED',
  'RATE_LIMIT_EXCEEDED',
] as const;

export const EncryptionInfo = z.object({
  algorithm: z.string(),
  ephemeral_public_key: z.string(),
  nonce: z.string(),
});

/** An `endpoint_request` (§5.1) as a node reads it. */
export const TunnelRequestEnvelope = z.looseObject({
  protocol: z.string().optional(),
  type: z.string(),
  correlation_id: z.string(),
  reply_to: z.string(),
  endpoint: z.looseObject({ slug: z.string(), type: z.string() }),
  payload: z.unknown().optional(),
  timeout_ms: z.number().int().nonnegative().optional(),
  satellite_token: z.string().optional(),
  encryption_info: EncryptionInfo.nullish(),
  encrypted_payload: z.string().nullish(),
});

export const TunnelError = z.looseObject({
  code: z.string(),
  message: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
});

/** An `endpoint_response` (§5.2) as the aggregator reads it. */
export const TunnelResponseEnvelope = z.looseObject({
  protocol: z.string().optional(),
  type: z.string().optional(),
  correlation_id: z.string(),
  status: z.enum(['success', 'error']),
  endpoint_slug: z.string().optional(),
  error: TunnelError.nullish(),
  timing: z.unknown().optional(),
  session_id: z.string().optional(),
  encryption_info: EncryptionInfo.nullish(),
  encrypted_payload: z.string().nullish(),
});

export type PeerTokenRequest = z.infer<typeof PeerTokenRequest>;
export type GuestPeerTokenRequest = z.input<typeof GuestPeerTokenRequest>;
export type PeerTokenResponse = z.infer<typeof PeerTokenResponse>;
export type NatsCredentials = z.infer<typeof NatsCredentials>;
export type EncryptionKeyRegistration = z.input<typeof EncryptionKeyRegistration>;
export type EncryptionKeyStored = z.infer<typeof EncryptionKeyStored>;
export type EncryptionKeyLookup = z.infer<typeof EncryptionKeyLookup>;
export type TunnelStatus = z.infer<typeof TunnelStatus>;
export type TunnelErrorCode = (typeof TUNNEL_ERROR_CODES)[number];
export type EncryptionInfo = z.infer<typeof EncryptionInfo>;
export type TunnelRequestEnvelope = z.infer<typeof TunnelRequestEnvelope>;
export type TunnelResponseEnvelope = z.infer<typeof TunnelResponseEnvelope>;
export type TunnelError = z.infer<typeof TunnelError>;
