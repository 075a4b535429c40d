import { randomUUID } from 'node:crypto';
import { readJwtExpiry, type TokenPair, type User } from '@syfthub/client';
import {
  and,
  type Db,
  eq,
  isNull,
  type OAuthGrant,
  oauthGrants,
  oauthRefreshTokens,
  sql,
  type Tx,
} from '@syfthub/db';
import { currentLogger, type Kv, type Logger } from '@syfthub/service';
import type { HubGateway } from '../hub/gateway';
import type { EncryptionKeys } from './encryption';

/** Why a grant ended; stored in `oauth_grants.revoked_reason` and logged with `oauth.grant.revoked`. */
export type RevokeReason =
  | 'revoked'
  | 'refresh_reuse'
  | 'code_replay'
  | 'code_not_redeemed'
  | 'hub_session_ended'
  | 'revoked_by_admin';

/** The hub session behind a grant has ended: the user must authorize again. */
export class HubSessionEndedError extends Error {
  constructor() {
    super('Authentication failed. Please re-authenticate with SyftHub.');
    this.name = 'HubSessionEndedError';
  }
}

/** The hub could not be reached or failed; the grant is untouched and a retry may succeed. */
export class HubUnavailableError extends Error {
  constructor() {
    super('SyftHub is temporarily unavailable. Please try again shortly.');
    this.name = 'HubUnavailableError';
  }
}

const revokedGrantKey = (grantId: string) => `mcp:oauth:revoked-grant:${grantId}`;
const hubAccessKey = (grantId: string) => `mcp:hub-access:${grantId}`;
const aadOf = (grantId: string) => `grant:${grantId}`;

/** A hub access token is cached until a minute before it expires, so a tool never starts with a stale one. */
const HUB_ACCESS_MARGIN_SECONDS = 60;
const ROW_LOCK_TIMEOUT = '10s';

export interface GrantServiceOptions {
  db: Db;
  /**
   * How refreshes of one grant are serialised: a row lock, or (embedded PGlite, one connection, one process) an
   * in-process lock, because a transaction held across the hub call would block the hub's own queries.
   */
  serialise: 'row-lock' | 'in-process';
  kv: Kv;
  logger: Logger;
  hub: HubGateway;
  encryption: EncryptionKeys;
  /** How long a revoked-grant marker must outlive the grant's access tokens. */
  accessTokenTtlSeconds: number;
}

export interface NewGrant {
  clientId: string;
  scope: string;
  resource: string;
  user: User;
  hubTokens: TokenPair;
}

export interface GrantService {
  /** Stores the consent and the delegated hub session (hub refresh token encrypted at rest). */
  create(input: NewGrant): Promise<string>;
  find(grantId: string): Promise<OAuthGrant | undefined>;
  /** Revokes the grant, its refresh tokens and outstanding access tokens, and ends the hub session. */
  revoke(grantId: string, reason: RevokeReason): Promise<void>;
  /** A hub access token acting as the grant's user (mcp.md §7.2). */
  hubAccessToken(grantId: string): Promise<string>;
  /** After the hub refused `failedToken`: a fresh token, or null when the hub session has ended. */
  refreshHubAccess(grantId: string, failedToken: string): Promise<string | null>;
  /** Whether the grant is revoked: Redis first, the database when Redis cannot answer. */
  isRevoked(grantId: string): Promise<boolean>;
}

function hubSessionExpiry(refreshToken: string): Date | null {
  const exp = readJwtExpiry(refreshToken);
  return exp === null ? null : new Date(exp * 1000);
}

export function createGrantService(options: GrantServiceOptions): GrantService {
  const { db, kv, hub, encryption } = options;
  const log = () => currentLogger() ?? options.logger;

  async function cacheHubAccess(grantId: string, accessToken: string): Promise<void> {
    const exp = readJwtExpiry(accessToken);
    if (exp === null) return;
    const ttl = exp - HUB_ACCESS_MARGIN_SECONDS - Math.floor(Date.now() / 1000);
    if (ttl <= 0) return;
    try {
      await kv.set(hubAccessKey(grantId), encryption.sealToString(accessToken, aadOf(grantId)), {
        ttlSeconds: ttl,
      });
    } catch (error) {
      log().warn({ event: 'mcp.hub_cache.write_failed', error }, 'Could not cache a hub access token');
    }
  }

  async function cachedHubAccess(grantId: string): Promise<string | null> {
    try {
      const value = await kv.get(hubAccessKey(grantId));
      return value === null ? null : encryption.openString(value, aadOf(grantId));
    } catch {
      // Unreadable (Redis down, or sealed with a key since removed): fall back to a refresh.
      return null;
    }
  }

  /** The database half of a revocation: atomic on its own, or part of the caller's transaction. */
  async function markRevoked(db: Db | Tx, grantId: string, reason: RevokeReason): Promise<void> {
    const at = new Date();
    await db.transaction(async (tx) => {
      await tx
        .update(oauthRefreshTokens)
        .set({ revokedAt: at })
        .where(and(eq(oauthRefreshTokens.grantId, grantId), isNull(oauthRefreshTokens.revokedAt)));
      await tx
        .update(oauthGrants)
        .set({
          revokedAt: at,
          revokedReason: reason,
          hubRefreshTokenEnc: null,
          hubTokenKeyId: null,
          updatedAt: at,
        })
        .where(eq(oauthGrants.id, grantId));
    });
  }

  const inProcessLocks = new Map<string, Promise<unknown>>();

  /** Runs `fn` with the grant row while no other refresh of the same grant runs (mcp.md §7.2). */
  function withGrantLock<T>(grantId: string, fn: (db: Db | Tx, grant: OAuthGrant | undefined) => Promise<T>) {
    if (options.serialise === 'row-lock') {
      return db.transaction(async (tx) => {
        await tx.execute(sql.raw(`set local lock_timeout = '${ROW_LOCK_TIMEOUT}'`));
        const [grant] = await tx.select().from(oauthGrants).where(eq(oauthGrants.id, grantId)).for('update');
        return fn(tx, grant);
      });
    }
    const previous = inProcessLocks.get(grantId) ?? Promise.resolve();
    const run = previous
      .catch(() => undefined)
      .then(async () => {
        const [grant] = await db.select().from(oauthGrants).where(eq(oauthGrants.id, grantId));
        return fn(db, grant);
      });
    const settled = run.catch(() => undefined);
    inProcessLocks.set(grantId, settled);
    void settled.then(() => {
      if (inProcessLocks.get(grantId) === settled) inProcessLocks.delete(grantId);
    });
    return run;
  }

  /** The Redis half: kill outstanding access tokens and forget the cached hub token. */
  async function afterRevoked(grantId: string, reason: RevokeReason): Promise<void> {
    try {
      await kv.set(revokedGrantKey(grantId), reason, { ttlSeconds: options.accessTokenTtlSeconds });
      await kv.del(hubAccessKey(grantId));
    } catch (error) {
      // The database is the source of truth; verification falls back to it when Redis cannot answer.
      log().error({ event: 'mcp.revocation.redis_failed', grant_id: grantId, error }, 'Redis write failed');
    }
    log().info({ event: 'oauth.grant.revoked', grant_id: grantId, reason }, 'Grant revoked');
  }

  function openRefreshToken(grant: OAuthGrant): string | null {
    if (!grant.hubRefreshTokenEnc || !grant.hubTokenKeyId) return null;
    try {
      return encryption.open(
        { kid: grant.hubTokenKeyId, data: Buffer.from(grant.hubRefreshTokenEnc) },
        aadOf(grant.id),
      );
    } catch {
      return null;
    }
  }

  type LockedOutcome = { kind: 'ok'; token: string } | { kind: 'ended' };

  async function refreshUnderLock(grantId: string, failedToken?: string): Promise<LockedOutcome> {
    const outcome = await withGrantLock(grantId, async (tx, grant): Promise<LockedOutcome> => {
      if (!grant || grant.revokedAt) return { kind: 'ended' };
      // Another replica may have refreshed while this one waited for the lock.
      const cached = await cachedHubAccess(grantId);
      if (cached !== null && cached !== failedToken) return { kind: 'ok', token: cached };
      const refreshToken = openRefreshToken(grant);
      if (refreshToken === null) {
        await markRevoked(tx, grantId, 'hub_session_ended');
        return { kind: 'ended' };
      }
      const result = await hub.refresh(refreshToken);
      if (result.kind === 'unavailable') throw new HubUnavailableError();
      if (result.kind === 'rejected') {
        await markRevoked(tx, grantId, 'hub_session_ended');
        return { kind: 'ended' };
      }
      const sealed = encryption.seal(result.tokens.refresh_token, aadOf(grantId));
      const at = new Date();
      await tx
        .update(oauthGrants)
        .set({
          hubRefreshTokenEnc: sealed.data,
          hubTokenKeyId: sealed.kid,
          hubSessionExpiresAt: hubSessionExpiry(result.tokens.refresh_token),
          lastUsedAt: at,
          updatedAt: at,
        })
        .where(eq(oauthGrants.id, grantId));
      // Cached before the lock is released, so whoever waited for it finds the token instead of refreshing.
      await cacheHubAccess(grantId, result.tokens.access_token);
      return { kind: 'ok', token: result.tokens.access_token };
    });
    if (outcome.kind === 'ended') await afterRevoked(grantId, 'hub_session_ended');
    return outcome;
  }

  /** A hub access token for ending the session: the cached one, or one obtained with the refresh token. */
  async function endHubSession(grantId: string, cached: string | null, refreshToken: string | null) {
    let accessToken = cached;
    if (accessToken === null && refreshToken !== null) {
      const result = await hub.refresh(refreshToken);
      if (result.kind === 'ok') accessToken = result.tokens.access_token;
    }
    if (accessToken !== null) await hub.logout(accessToken);
    else log().debug({ event: 'mcp.hub_logout.skipped', grant_id: grantId }, 'No hub token to log out with');
  }

  return {
    async create(input) {
      const id = randomUUID();
      const sealed = encryption.seal(input.hubTokens.refresh_token, aadOf(id));
      await db.insert(oauthGrants).values({
        id,
        userId: input.user.id,
        clientId: input.clientId,
        scope: input.scope,
        resource: input.resource,
        userEmail: input.user.email,
        username: input.user.username,
        fullName: input.user.full_name || null,
        // Only an address the hub saw proven: `is_email_verified` alone is true on hubs without an e-mail sender.
        emailVerified: input.user.is_email_verified && Boolean(input.user.email_verified_at),
        hubRefreshTokenEnc: sealed.data,
        hubTokenKeyId: sealed.kid,
        hubSessionExpiresAt: hubSessionExpiry(input.hubTokens.refresh_token),
      });
      await cacheHubAccess(id, input.hubTokens.access_token);
      return id;
    },

    async find(grantId) {
      const [grant] = await db.select().from(oauthGrants).where(eq(oauthGrants.id, grantId));
      return grant;
    },

    async revoke(grantId, reason) {
      const cached = await cachedHubAccess(grantId);
      const refreshToken = await db.transaction(async (tx) => {
        const [grant] = await tx.select().from(oauthGrants).where(eq(oauthGrants.id, grantId)).for('update');
        if (!grant || grant.revokedAt) return undefined;
        const token = openRefreshToken(grant);
        await markRevoked(tx, grantId, reason);
        return token;
      });
      if (refreshToken === undefined) return;
      await afterRevoked(grantId, reason);
      await endHubSession(grantId, cached, refreshToken);
    },

    async hubAccessToken(grantId) {
      const cached = await cachedHubAccess(grantId);
      if (cached !== null) return cached;
      const outcome = await refreshUnderLock(grantId);
      if (outcome.kind === 'ended') throw new HubSessionEndedError();
      return outcome.token;
    },

    async refreshHubAccess(grantId, failedToken) {
      const outcome = await refreshUnderLock(grantId, failedToken);
      return outcome.kind === 'ok' ? outcome.token : null;
    },

    async isRevoked(grantId) {
      try {
        return await kv.exists(revokedGrantKey(grantId));
      } catch {
        const [grant] = await db
          .select({ revokedAt: oauthGrants.revokedAt })
          .from(oauthGrants)
          .where(eq(oauthGrants.id, grantId));
        return !grant || grant.revokedAt !== null;
      }
    },
  };
}
