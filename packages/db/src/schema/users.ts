import { sql } from 'drizzle-orm';
import {
  boolean,
  char,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  serial,
  text,
  uniqueIndex,
  uuid,
  varchar,
} from 'drizzle-orm/pg-core';
import { timestamps, timestamptz } from './columns';

/** Values of `users.role`. */
export const USER_ROLES = ['admin', 'user', 'guest'] as const;
export type UserRole = (typeof USER_ROLES)[number];

/** Values of `users.auth_provider`. */
export const AUTH_PROVIDERS = ['local', 'google'] as const;
export type AuthProvider = (typeof AUTH_PROVIDERS)[number];

/** Values of `refresh_tokens.revoked_reason`. */
export const SESSION_REVOKE_REASONS = [
  'logout',
  'rotation_reuse',
  'password_change',
  'password_reset',
  'user_deactivated',
  'admin',
] as const;
export type SessionRevokeReason = (typeof SESSION_REVOKE_REASONS)[number];

/** API-token scopes stored in `api_tokens.scopes`. */
export type ApiTokenScope = 'read' | 'write' | 'full';

export const users = pgTable(
  'users',
  {
    id: serial('id').primaryKey(),
    username: varchar('username', { length: 50 }).notNull(),
    email: varchar('email', { length: 255 }).notNull(),
    fullName: varchar('full_name', { length: 100 }).notNull(),
    avatarUrl: varchar('avatar_url', { length: 500 }),
    role: varchar('role', { length: 20 }).$type<UserRole>().notNull().default('user'),
    passwordHash: varchar('password_hash', { length: 255 }),
    isActive: boolean('is_active').notNull().default(true),
    isEmailVerified: boolean('is_email_verified').notNull().default(true),
    /**
     * When the current address was proven by a code sent to it (OTP verification, password reset) or set by the
     * operator (bootstrap admin). Null when it never was, e.g. on a hub without an e-mail sender, where
     * `is_email_verified` is true without proof; cleared by every e-mail change.
     */
    emailVerifiedAt: timestamptz('email_verified_at'),
    authProvider: varchar('auth_provider', { length: 20 }).$type<AuthProvider>().notNull().default('local'),
    domain: varchar('domain', { length: 500 }),
    /** The X25519 public key of the user's tunnel node, URL-safe base64 without padding (tunnelling.md §3.4). */
    encryptionPublicKey: varchar('encryption_public_key', { length: 500 }),
    aggregatorUrl: varchar('aggregator_url', { length: 500 }),
    bio: text('bio'),
    isEmailPublic: boolean('is_email_public').notNull().default(false),
    lastLoginAt: timestamptz('last_login_at'),
    ...timestamps(),
  },
  (t) => [
    uniqueIndex('users_username_key').on(t.username),
    uniqueIndex('users_email_key').on(t.email),
    index('users_role_idx').on(t.role),
    index('users_is_active_idx').on(t.isActive),
    index('users_last_login_at_idx').on(t.lastLoginAt),
    index('users_created_at_idx').on(t.createdAt),
    index('users_username_trgm_idx').using('gin', t.username.op('gin_trgm_ops')),
    index('users_email_trgm_idx').using('gin', t.email.op('gin_trgm_ops')),
    check('users_username_lowercase', sql`${t.username} = lower(${t.username})`),
    check('users_email_lowercase', sql`${t.email} = lower(${t.email})`),
    check('users_role_check', sql`${t.role} IN ('admin', 'user', 'guest')`),
    check('users_auth_provider_check', sql`${t.authProvider} IN ('local', 'google')`),
    check('users_bio_length', sql`char_length(${t.bio}) <= 2000`),
  ],
);

export const refreshTokens = pgTable(
  'refresh_tokens',
  {
    jti: uuid('jti').primaryKey().defaultRandom(),
    familyId: uuid('family_id').notNull(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    parentJti: uuid('parent_jti'),
    issuedAt: timestamptz('issued_at').notNull(),
    expiresAt: timestamptz('expires_at').notNull(),
    familyExpiresAt: timestamptz('family_expires_at').notNull(),
    usedAt: timestamptz('used_at'),
    replacedByJti: uuid('replaced_by_jti'),
    revokedAt: timestamptz('revoked_at'),
    revokedReason: varchar('revoked_reason', { length: 32 }).$type<SessionRevokeReason>(),
    createdIp: varchar('created_ip', { length: 45 }),
    userAgent: varchar('user_agent', { length: 255 }),
  },
  (t) => [
    index('refresh_tokens_family_id_idx').on(t.familyId),
    index('refresh_tokens_user_id_revoked_at_idx').on(t.userId, t.revokedAt),
    index('refresh_tokens_expires_at_idx').on(t.expiresAt),
    check(
      'refresh_tokens_revoked_reason_check',
      sql`${t.revokedReason} IN ('logout', 'rotation_reuse', 'password_change', 'password_reset', 'user_deactivated', 'admin')`,
    ),
  ],
);

export const apiTokens = pgTable(
  'api_tokens',
  {
    id: serial('id').primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: varchar('name', { length: 100 }).notNull(),
    tokenPrefix: varchar('token_prefix', { length: 16 }).notNull(),
    tokenHash: char('token_hash', { length: 64 }).notNull(),
    scopes: jsonb('scopes').$type<ApiTokenScope[]>().notNull().default(['full']),
    expiresAt: timestamptz('expires_at'),
    lastUsedAt: timestamptz('last_used_at'),
    lastUsedIp: varchar('last_used_ip', { length: 45 }),
    isActive: boolean('is_active').notNull().default(true),
    ...timestamps(),
  },
  (t) => [
    uniqueIndex('api_tokens_token_hash_key').on(t.tokenHash),
    index('api_tokens_user_id_is_active_idx').on(t.userId, t.isActive),
    index('api_tokens_expires_at_idx').on(t.expiresAt),
  ],
);

export type User = typeof users.$inferSelect;
export type NewUser = typeof users.$inferInsert;
export type RefreshToken = typeof refreshTokens.$inferSelect;
export type NewRefreshToken = typeof refreshTokens.$inferInsert;
export type ApiToken = typeof apiTokens.$inferSelect;
export type NewApiToken = typeof apiTokens.$inferInsert;
