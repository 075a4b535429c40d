import { randomUUID } from 'node:crypto';
import { TokenError } from '@syfthub/auth';
import {
  and,
  eq,
  isNotNull,
  isNull,
  ne,
  refreshTokens,
  type SessionRevokeReason,
  type User,
  users,
} from '@syfthub/db';
import { ApiError } from '@syfthub/service';
import type { BackendDeps } from '../deps';

/** A fresh access + refresh token pair (`TokenPair` of backend-api.md §5.4, minus token_type). */
export interface IssuedTokens {
  access_token: string;
  refresh_token: string;
  sessionId: string;
}

/** Where a session was started or refreshed from (stored on the refresh-token row). */
export interface ClientMeta {
  ip: string;
  userAgent: string | undefined;
}

const revokedKey = (sid: string) => `auth:revoked-sid:${sid}`;
const DAY_MS = 86_400_000;

function refreshError(detail: string): ApiError {
  return new ApiError(401, detail, { 'WWW-Authenticate': 'Bearer error="invalid_token"' });
}

/** Sessions (refresh-token families): start, rotate with reuse detection, revoke, and the revocation check. */
export function createSessionService(
  deps: Pick<BackendDeps, 'db' | 'kv' | 'config' | 'sessionTokens' | 'logger' | 'backendMetrics'>,
) {
  const { db, kv, config, sessionTokens, logger } = deps;
  const accessTtlSeconds = config.ACCESS_TOKEN_EXPIRE_MINUTES * 60;

  async function issue(
    user: Pick<User, 'id' | 'username' | 'role'>,
    sid: string,
    familyExpiresAt: Date,
    meta: ClientMeta,
    parentJti: string | null,
  ) {
    const now = Date.now();
    const expiresAt = new Date(
      Math.min(now + config.REFRESH_TOKEN_EXPIRE_DAYS * DAY_MS, familyExpiresAt.getTime()),
    );
    const refresh = await sessionTokens.signRefresh({
      userId: user.id,
      username: user.username,
      sid,
      expiresAt,
    });
    const access = await sessionTokens.signAccess({
      userId: user.id,
      username: user.username,
      role: user.role,
      sid,
    });
    const row = {
      jti: refresh.jti,
      familyId: sid,
      userId: user.id,
      parentJti,
      issuedAt: refresh.issuedAt,
      expiresAt: refresh.expiresAt,
      familyExpiresAt,
      createdIp: meta.ip.slice(0, 45),
      userAgent: meta.userAgent?.slice(0, 255) ?? null,
    };
    return { row, tokens: { access_token: access.token, refresh_token: refresh.token, sessionId: sid } };
  }

  async function revokeWhere(userId: number, reason: SessionRevokeReason, sids: string[]) {
    for (const sid of sids) {
      try {
        await kv.set(revokedKey(sid), reason, { ttlSeconds: accessTtlSeconds });
      } catch (err) {
        // The database rows below are the fallback the access-token check reads when Redis is unreachable.
        logger.warn({ event: 'auth.session.revoke_kv_failed', sid, err });
      }
      logger.info({ event: 'auth.session.revoked', user_id: userId, sid, reason });
    }
  }

  type RefreshRow = typeof refreshTokens.$inferSelect;

  /**
   * The lost-successor rule (README "Refresh tokens"): a superseded refresh token whose successor was never used is
   * presented by a client that lost the successor (kept in memory only, then a reload), not by a thief, so it
   * rotates again: the unused successor dies (marked used, linked to nothing) and the presented token now points to
   * the new one. Returns null when the rule does not apply (no successor, or it was used or revoked), and the
   * caller treats the token as reused. Concurrent presentations race on killing the successor: one wins, the others
   * answer "already used" without revoking anything.
   */
  async function rotateFromLostSuccessor(row: RefreshRow, meta: ClientMeta): Promise<IssuedTokens | null> {
    if (!row.replacedByJti || row.familyExpiresAt.getTime() <= Date.now()) return null;
    const [successor] = await db
      .select()
      .from(refreshTokens)
      .where(eq(refreshTokens.jti, row.replacedByJti))
      .limit(1);
    if (!successor || successor.revokedAt) return null;
    if (successor.usedAt) {
      // A successor killed by this rule is linked to nothing. If the presented token now points elsewhere, a
      // concurrent presentation of it rotated between our two reads: that one won, and this is no theft.
      if (successor.replacedByJti === null) {
        const [current] = await db
          .select({ replacedByJti: refreshTokens.replacedByJti })
          .from(refreshTokens)
          .where(eq(refreshTokens.jti, row.jti))
          .limit(1);
        if (current && current.replacedByJti !== successor.jti)
          throw refreshError('Refresh token already used');
      }
      return null;
    }
    const [user] = await db.select().from(users).where(eq(users.id, row.userId)).limit(1);
    if (!user?.isActive) throw refreshError('User not found or inactive');
    const { row: next, tokens } = await issue(user, row.familyId, row.familyExpiresAt, meta, row.jti);
    const rotated = await db.transaction(async (tx) => {
      const killed = await tx
        .update(refreshTokens)
        .set({ usedAt: new Date() })
        .where(
          and(
            eq(refreshTokens.jti, successor.jti),
            isNull(refreshTokens.usedAt),
            isNull(refreshTokens.revokedAt),
          ),
        )
        .returning({ jti: refreshTokens.jti });
      if (killed.length === 0) return false;
      await tx.update(refreshTokens).set({ replacedByJti: next.jti }).where(eq(refreshTokens.jti, row.jti));
      await tx.insert(refreshTokens).values(next);
      return true;
    });
    // A concurrent presentation replaced the successor first (two tabs reloading at once): the second tab's answer.
    if (!rotated) throw refreshError('Refresh token already used');
    logger.info({
      event: 'auth.refresh.lost_successor',
      user_id: row.userId,
      sid: row.familyId,
      client_ip: meta.ip,
    });
    return tokens;
  }

  return {
    /** Starts a new session for a user who just proved who they are. */
    async start(user: Pick<User, 'id' | 'username' | 'role'>, meta: ClientMeta): Promise<IssuedTokens> {
      const sid = randomUUID();
      const familyExpiresAt = new Date(Date.now() + config.REFRESH_TOKEN_FAMILY_MAX_DAYS * DAY_MS);
      const { row, tokens } = await issue(user, sid, familyExpiresAt, meta, null);
      await db.insert(refreshTokens).values(row);
      return tokens;
    },

    /** Rotates a refresh token (§2.3), detecting reuse. Throws 401 ApiErrors with the §5.5 details. */
    async refresh(token: string, meta: ClientMeta): Promise<IssuedTokens> {
      let claims: Awaited<ReturnType<typeof sessionTokens.verifyRefresh>>;
      try {
        claims = await sessionTokens.verifyRefresh(token);
      } catch (err) {
        if (err instanceof TokenError) throw refreshError('Invalid refresh token');
        throw err;
      }
      const [row] = await db.select().from(refreshTokens).where(eq(refreshTokens.jti, claims.jti)).limit(1);
      if (!row || row.familyId !== claims.sid) throw refreshError('Invalid refresh token');
      if (row.revokedAt) throw refreshError('Session has been revoked');
      if (row.usedAt) {
        const again = await rotateFromLostSuccessor(row, meta);
        if (again) return again;
        if (Date.now() - row.usedAt.getTime() > config.REFRESH_TOKEN_REUSE_GRACE_SECONDS * 1000) {
          await this.revokeSession(row.familyId, row.userId, 'rotation_reuse');
          logger.warn({
            event: 'auth.refresh.reuse_detected',
            user_id: row.userId,
            sid: row.familyId,
            client_ip: meta.ip,
          });
          throw refreshError('Refresh token reuse detected');
        }
        throw refreshError('Refresh token already used');
      }
      if (row.familyExpiresAt.getTime() <= Date.now()) throw refreshError('Invalid refresh token');
      const [user] = await db.select().from(users).where(eq(users.id, row.userId)).limit(1);
      if (!user?.isActive) throw refreshError('User not found or inactive');

      const { row: next, tokens } = await issue(user, row.familyId, row.familyExpiresAt, meta, row.jti);
      const rotated = await db.transaction(async (tx) => {
        const marked = await tx
          .update(refreshTokens)
          .set({ usedAt: new Date(), replacedByJti: next.jti })
          .where(
            and(
              eq(refreshTokens.jti, row.jti),
              isNull(refreshTokens.usedAt),
              isNull(refreshTokens.revokedAt),
            ),
          )
          .returning({ jti: refreshTokens.jti });
        if (marked.length === 0) return false;
        await tx.insert(refreshTokens).values(next);
        return true;
      });
      // Another request rotated the same token between our read and our write: the loser is the second tab.
      if (!rotated) throw refreshError('Refresh token already used');
      return tokens;
    },

    /** Revokes one session everywhere (Redis key + database rows). */
    async revokeSession(sid: string, userId: number, reason: SessionRevokeReason): Promise<void> {
      await db
        .update(refreshTokens)
        .set({ revokedAt: new Date(), revokedReason: reason })
        .where(and(eq(refreshTokens.familyId, sid), isNull(refreshTokens.revokedAt)));
      await revokeWhere(userId, reason, [sid]);
    },

    /** Revokes every session of a user, optionally keeping one (the caller's, on password change). */
    async revokeUserSessions(userId: number, reason: SessionRevokeReason, exceptSid?: string): Promise<void> {
      const conditions = [eq(refreshTokens.userId, userId), isNull(refreshTokens.revokedAt)];
      if (exceptSid) conditions.push(ne(refreshTokens.familyId, exceptSid));
      const rows = await db
        .update(refreshTokens)
        .set({ revokedAt: new Date(), revokedReason: reason })
        .where(and(...conditions))
        .returning({ sid: refreshTokens.familyId });
      await revokeWhere(userId, reason, [...new Set(rows.map((r) => r.sid))]);
    },

    /**
     * Revokes every active session of every user (`sessions:revoke-all`: after a restore, or a suspected key leak).
     * Returns the number of sessions revoked.
     */
    async revokeAllSessions(reason: SessionRevokeReason): Promise<number> {
      const rows = await db
        .update(refreshTokens)
        .set({ revokedAt: new Date(), revokedReason: reason })
        .where(isNull(refreshTokens.revokedAt))
        .returning({ sid: refreshTokens.familyId, userId: refreshTokens.userId });
      const sidsByUser = new Map<number, Set<string>>();
      for (const { sid, userId } of rows) {
        const sids = sidsByUser.get(userId) ?? new Set<string>();
        sids.add(sid);
        sidsByUser.set(userId, sids);
      }
      let revoked = 0;
      for (const [userId, sids] of sidsByUser) {
        await revokeWhere(userId, reason, [...sids]);
        revoked += sids.size;
      }
      return revoked;
    },

    /** Whether an access token's session was revoked: Redis first, the database when Redis is unreachable. */
    async isRevoked(sid: string): Promise<boolean> {
      try {
        return await kv.exists(revokedKey(sid));
      } catch {
        const [row] = await db
          .select({ jti: refreshTokens.jti })
          .from(refreshTokens)
          .where(and(eq(refreshTokens.familyId, sid), isNotNull(refreshTokens.revokedAt)))
          .limit(1);
        return row !== undefined;
      }
    },
  };
}

export type SessionService = ReturnType<typeof createSessionService>;
