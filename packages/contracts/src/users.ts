import { z } from 'zod';
import { Timestamp } from './common';

// backend-api.md §3.1, §3.2 and §6: accounts as every client sees them.

export const USER_ROLES = ['admin', 'user', 'guest'] as const;
export const AUTH_PROVIDERS = ['local', 'google'] as const;

export const Role = z.enum(USER_ROLES);
export const AuthProvider = z.enum(AUTH_PROVIDERS);

/** `User` (§3.1): the account as its owner and admins see it; never the password hash. */
export const User = z
  .object({
    id: z.number().int(),
    username: z.string(),
    email: z.string(),
    full_name: z.string(),
    avatar_url: z.string().nullable(),
    role: Role,
    is_active: z.boolean(),
    is_email_verified: z.boolean(),
    /** [new] When the current address was proven by a code (or set by the operator); null when it never was. */
    email_verified_at: Timestamp.nullable(),
    auth_provider: AuthProvider,
    created_at: Timestamp,
    updated_at: Timestamp,
    /** Kept for shape compatibility; wallets are out of scope. */
    wallet_address: z.null(),
    domain: z.string().nullable(),
    aggregator_url: z.string().nullable(),
    last_login_at: Timestamp.nullable(),
    /** The X25519 public key the user's tunnel node registered (tunnelling.md §3.4), unpadded; null when none. */
    encryption_public_key: z.string().nullable(),
    bio: z.string().nullable(),
    is_email_public: z.boolean(),
  })
  .meta({
    examples: [
      {
        id: 17,
        username: 'alice',
        email: 'alice@example.com',
        full_name: 'Alice Liddell',
        avatar_url: null,
        role: 'user',
        is_active: true,
        is_email_verified: true,
        email_verified_at: '2026-07-08T11:50:02.000Z',
        auth_provider: 'local',
        created_at: '2026-07-08T11:46:50.123Z',
        updated_at: '2026-07-08T11:46:50.123Z',
        wallet_address: null,
        domain: 'https://sat.example.com',
        aggregator_url: null,
        last_login_at: '2026-07-08T12:00:00.000Z',
        encryption_public_key: null,
        bio: null,
        is_email_public: false,
      },
    ],
  });

/** `PublicUserProfile` (§3.2): `email` is null unless the user made it public. */
export const PublicUserProfile = z.object({
  username: z.string(),
  full_name: z.string(),
  avatar_url: z.string().nullable(),
  role: Role,
  bio: z.string().nullable(),
  domain: z.string().nullable(),
  email: z.string().nullable(),
  is_email_public: z.boolean(),
  created_at: Timestamp,
});

/** `GET /users/check-username/{username}` (§6). */
export const UsernameAvailability = z.object({ available: z.boolean(), username: z.string() });

/** `GET /users/check-email/{email}` (§6). */
export const EmailAvailability = z.object({ available: z.boolean(), email: z.string() });

/**
 * `GET /wallet/` (§14, issue 21): the answer SyftHub gives a user without a wallet. Wallets are out of scope here, so
 * every user is one: clients written for SyftHub then show their quiet "no wallet" state instead of an error.
 */
export const WalletStatus = z.object({ address: z.null(), exists: z.literal(false) });

export type Role = z.infer<typeof Role>;
export type AuthProvider = z.infer<typeof AuthProvider>;
export type User = z.infer<typeof User>;
export type PublicUserProfile = z.infer<typeof PublicUserProfile>;
export type UsernameAvailability = z.infer<typeof UsernameAvailability>;
export type EmailAvailability = z.infer<typeof EmailAvailability>;
export type WalletStatus = z.infer<typeof WalletStatus>;
