import { sql } from 'drizzle-orm';
import {
  boolean,
  char,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  uuid,
  varchar,
} from 'drizzle-orm/pg-core';
import { bytea, timestamps, timestamptz } from './columns';
import { users } from './users';

/** Values of `oauth_clients.registration_type`: dynamic registration or a client ID metadata document. */
export type OAuthRegistrationType = 'dcr' | 'cimd';
/** Values of `oauth_clients.client_type`. */
export type OAuthClientType = 'public' | 'confidential';
/** Values of `oauth_clients.token_endpoint_auth_method`. */
export type OAuthTokenEndpointAuthMethod = 'none' | 'client_secret_basic' | 'client_secret_post';

export const oauthClients = pgTable(
  'oauth_clients',
  {
    clientId: varchar('client_id', { length: 512 }).primaryKey(),
    registrationType: varchar('registration_type', { length: 8 }).$type<OAuthRegistrationType>().notNull(),
    clientType: varchar('client_type', { length: 16 }).$type<OAuthClientType>().notNull(),
    clientSecretHash: char('client_secret_hash', { length: 64 }),
    tokenEndpointAuthMethod: varchar('token_endpoint_auth_method', { length: 32 })
      .$type<OAuthTokenEndpointAuthMethod>()
      .notNull(),
    clientName: varchar('client_name', { length: 200 }),
    redirectUris: jsonb('redirect_uris').$type<string[]>().notNull(),
    grantTypes: jsonb('grant_types').$type<string[]>().notNull(),
    responseTypes: jsonb('response_types').$type<string[]>().notNull(),
    scope: text('scope'),
    applicationType: varchar('application_type', { length: 16 }),
    clientUri: varchar('client_uri', { length: 500 }),
    logoUri: varchar('logo_uri', { length: 500 }),
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default({}),
    metadataExpiresAt: timestamptz('metadata_expires_at'),
    registeredIp: varchar('registered_ip', { length: 45 }),
    lastUsedAt: timestamptz('last_used_at'),
    ...timestamps(),
  },
  (t) => [
    index('oauth_clients_registration_type_last_used_at_idx').on(t.registrationType, t.lastUsedAt),
    check('oauth_clients_registration_type_check', sql`${t.registrationType} IN ('dcr', 'cimd')`),
    check('oauth_clients_client_type_check', sql`${t.clientType} IN ('public', 'confidential')`),
    check(
      'oauth_clients_token_endpoint_auth_method_check',
      sql`${t.tokenEndpointAuthMethod} IN ('none', 'client_secret_basic', 'client_secret_post')`,
    ),
  ],
);

export const oauthGrants = pgTable(
  'oauth_grants',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    clientId: varchar('client_id', { length: 512 })
      .notNull()
      .references(() => oauthClients.clientId, { onDelete: 'cascade' }),
    scope: text('scope').notNull(),
    resource: varchar('resource', { length: 500 }).notNull(),
    userEmail: varchar('user_email', { length: 255 }).notNull(),
    username: varchar('username', { length: 50 }).notNull(),
    fullName: varchar('full_name', { length: 100 }),
    emailVerified: boolean('email_verified').notNull(),
    hubRefreshTokenEnc: bytea('hub_refresh_token_enc'),
    hubTokenKeyId: varchar('hub_token_key_id', { length: 32 }),
    hubSessionExpiresAt: timestamptz('hub_session_expires_at'),
    lastUsedAt: timestamptz('last_used_at'),
    revokedAt: timestamptz('revoked_at'),
    revokedReason: varchar('revoked_reason', { length: 32 }),
    ...timestamps(),
  },
  (t) => [
    index('oauth_grants_user_id_revoked_at_idx').on(t.userId, t.revokedAt),
    index('oauth_grants_client_id_idx').on(t.clientId),
  ],
);

export const oauthRefreshTokens = pgTable(
  'oauth_refresh_tokens',
  {
    tokenHash: char('token_hash', { length: 64 }).primaryKey(),
    grantId: uuid('grant_id')
      .notNull()
      .references(() => oauthGrants.id, { onDelete: 'cascade' }),
    clientId: varchar('client_id', { length: 512 }).notNull(),
    scope: text('scope').notNull(),
    resource: varchar('resource', { length: 500 }).notNull(),
    issuedAt: timestamptz('issued_at').notNull(),
    expiresAt: timestamptz('expires_at').notNull(),
    usedAt: timestamptz('used_at'),
    replacedByHash: char('replaced_by_hash', { length: 64 }),
    revokedAt: timestamptz('revoked_at'),
  },
  (t) => [
    index('oauth_refresh_tokens_grant_id_idx').on(t.grantId),
    index('oauth_refresh_tokens_expires_at_idx').on(t.expiresAt),
  ],
);

export type OAuthClient = typeof oauthClients.$inferSelect;
export type NewOAuthClient = typeof oauthClients.$inferInsert;
export type OAuthGrant = typeof oauthGrants.$inferSelect;
export type NewOAuthGrant = typeof oauthGrants.$inferInsert;
export type OAuthRefreshToken = typeof oauthRefreshTokens.$inferSelect;
export type NewOAuthRefreshToken = typeof oauthRefreshTokens.$inferInsert;
