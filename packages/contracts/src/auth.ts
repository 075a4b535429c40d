import { z } from 'zod';
import { Timestamp } from './common';
import { User } from './users';

// backend-api.md §5: sign-up, sign-in, sessions and API tokens.

/** `GET /auth/config` (§5.1): each flag says "an e-mail sender is configured". */
export const AuthConfig = z.object({
  require_email_verification: z.boolean(),
  smtp_configured: z.boolean(),
  password_reset_enabled: z.boolean(),
});

/** `TokenPair` (§5.4): what a refresh returns. */
export const TokenPair = z.object({
  access_token: z.string(),
  refresh_token: z.string(),
  token_type: z.literal('bearer'),
});

/** `AuthResponse` (§5.4): a new session for a user who proved who they are. */
export const AuthResponse = TokenPair.extend({ user: User });

/** `POST /auth/register` 201 (§5.2): no tokens while the e-mail address awaits verification. */
export const RegisterResponse = z.object({
  user: User,
  access_token: z.string().nullable(),
  refresh_token: z.string().nullable(),
  token_type: z.literal('bearer'),
  requires_email_verification: z.boolean(),
});

export const TOKEN_SCOPES = ['read', 'write', 'full'] as const;
export const TokenScope = z.enum(TOKEN_SCOPES);

/** `APIToken` (§3.9); `is_active: false` means revoked. */
export const ApiToken = z.object({
  id: z.number().int(),
  name: z.string(),
  /** `syft_pat_` and the next 7 characters. */
  token_prefix: z.string(),
  scopes: z.array(TokenScope),
  expires_at: Timestamp.nullable(),
  last_used_at: Timestamp.nullable(),
  last_used_ip: z.string().nullable(),
  is_active: z.boolean(),
  created_at: Timestamp,
  updated_at: Timestamp,
});

/** `POST /auth/tokens` 201: the token with its plaintext secret, shown this once. */
export const CreatedApiToken = ApiToken.extend({ token: z.string() });

/** `GET /auth/tokens` (§5.11): `total` counts every matching token, not just the page. */
export const ApiTokenList = z.object({ tokens: z.array(ApiToken), total: z.number().int() });

export type AuthConfig = z.infer<typeof AuthConfig>;
export type TokenPair = z.infer<typeof TokenPair>;
export type AuthResponse = z.infer<typeof AuthResponse>;
export type RegisterResponse = z.infer<typeof RegisterResponse>;
export type TokenScope = z.infer<typeof TokenScope>;
export type ApiToken = z.infer<typeof ApiToken>;
export type CreatedApiToken = z.infer<typeof CreatedApiToken>;
export type ApiTokenList = z.infer<typeof ApiTokenList>;
