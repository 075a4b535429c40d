import { z } from 'zod';
import { Role } from './users';

// backend-api.md §10: the identity provider: satellite tokens, their verification and the JWKS.

/** `GET /api/v1/token` and `/token/guest` (§10.1). */
export const SatelliteToken = z
  .object({ target_token: z.string(), expires_in: z.number().int() })
  .meta({ examples: [{ target_token: 'eyJhbGciOiJSUzI1NiJ9.e30.c2ln', expires_in: 60 }] });

/** `GET /api/v1/token/audiences` (§10.1): at most 100 active usernames, sorted. */
export const TokenAudiences = z.object({
  allowed_audiences: z.array(z.string()),
  idp_configured: z.boolean(),
});

export const VERIFY_ERRORS = [
  'invalid_token_format',
  'missing_kid',
  'unknown_key',
  'token_expired',
  'audience_mismatch',
  'invalid_issuer',
  'invalid_signature',
  'decode_error',
  'verification_error',
  'invalid_token',
  'invalid_user_id',
  'user_not_found',
  'user_inactive',
] as const;

/** `POST /api/v1/verify` success (§10.4); guests verify to the fixed guest identity. */
export const VerifiedToken = z.object({
  valid: z.literal(true),
  sub: z.string(),
  email: z.string(),
  username: z.string(),
  role: Role,
  aud: z.string(),
  exp: z.number().int(),
  iat: z.number().int(),
});

/** `POST /api/v1/verify` failure: still a 200 (§10.4). */
export const RejectedToken = z.object({
  valid: z.literal(false),
  error: z.enum(VERIFY_ERRORS),
  message: z.string(),
});

/** `POST /api/v1/verify` (§10.4). */
export const VerifyResult = z.discriminatedUnion('valid', [VerifiedToken, RejectedToken]).meta({
  examples: [
    {
      valid: true,
      sub: '17',
      email: 'bob@example.com',
      username: 'bob',
      role: 'user',
      aud: 'alice',
      exp: 1783500000,
      iat: 1783499940,
    },
    { valid: false, error: 'token_expired', message: 'Token has expired.' },
  ],
});

/** One public key of the JWKS (§10.5): base64url `n` and `e` without padding. */
export const Jwk = z.object({
  kty: z.literal('RSA'),
  kid: z.string(),
  use: z.literal('sig'),
  alg: z.literal('RS256'),
  n: z.string(),
  e: z.string(),
});

/** `GET /.well-known/jwks.json` (§10.5): the current key first, then the previous one during a rotation. */
export const Jwks = z.object({ keys: z.array(Jwk) });

export type SatelliteToken = z.infer<typeof SatelliteToken>;
export type TokenAudiences = z.infer<typeof TokenAudiences>;
export type VerifiedToken = z.infer<typeof VerifiedToken>;
export type RejectedToken = z.infer<typeof RejectedToken>;
export type VerifyResult = z.infer<typeof VerifyResult>;
export type Jwk = z.infer<typeof Jwk>;
export type Jwks = z.infer<typeof Jwks>;
