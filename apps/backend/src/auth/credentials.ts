import {
  type Authenticator,
  hashApiToken,
  isApiTokenCredential,
  isWellFormedApiToken,
  type Principal,
  TokenError,
} from '@syfthub/auth';
import { apiTokens, eq, sql, type User, users } from '@syfthub/db';
import { ApiError, clientIpOf } from '@syfthub/service';
import type { BackendDeps } from '../deps';
import { perTurn } from './per-turn';
import type { SessionService } from './sessions';
import { createVerifiedAccessTokens } from './verified-tokens';

const NOT_AUTHENTICATED = 'Could not validate credentials';
const LAST_USED_WRITE_INTERVAL_MS = 60_000;

function unauthorized(detail: string): ApiError {
  return new ApiError(401, detail, { 'WWW-Authenticate': 'Bearer error="invalid_token"' });
}

/** Resolves a bearer credential (API token or hub JWT) to the calling user (backend-api.md §2.1, §2.5). */
export function createAuthenticator(
  deps: Pick<BackendDeps, 'db' | 'sessionTokens' | 'logger'>,
  sessions: SessionService,
): Authenticator<User> {
  const { db, sessionTokens, logger } = deps;
  // Every JWT-authenticated request runs this lookup: prepared once, it skips query building and server-side parsing.
  const userById = db
    .select()
    .from(users)
    .where(eq(users.id, sql.placeholder('id')))
    .limit(1)
    .prepare('auth_user_by_id');
  const verifyAccess = createVerifiedAccessTokens((token) => sessionTokens.verifyAccess(token));
  // Requests of one caller that arrive together share these lookups; each is still sent after they arrived.
  const isRevoked = perTurn((sid: string) => sessions.isRevoked(sid));
  const loadUser = perTurn(async (id: number): Promise<User | undefined> => {
    const [user] = await userById.execute({ id });
    return user;
  });

  async function fromApiToken(credential: string, ip: string): Promise<Principal<User>> {
    if (!isWellFormedApiToken(credential)) throw unauthorized('Invalid API token');
    const [row] = await db
      .select({ token: apiTokens, user: users })
      .from(apiTokens)
      .leftJoin(users, eq(users.id, apiTokens.userId))
      .where(eq(apiTokens.tokenHash, hashApiToken(credential)))
      .limit(1);
    if (!row) throw unauthorized('Invalid API token');
    const { token, user } = row;
    if (!token.isActive) throw unauthorized('API token has been revoked');
    if (token.expiresAt && token.expiresAt.getTime() <= Date.now())
      throw unauthorized('API token has expired');
    if (!user) throw unauthorized('User not found');
    if (!user.isActive) throw unauthorized('User account is inactive');
    if (!token.lastUsedAt || Date.now() - token.lastUsedAt.getTime() >= LAST_USED_WRITE_INTERVAL_MS) {
      // Bookkeeping must never fail or slow the request it describes.
      db.update(apiTokens)
        .set({ lastUsedAt: new Date(), lastUsedIp: ip.slice(0, 45) })
        .where(eq(apiTokens.id, token.id))
        .catch((err: unknown) => logger.warn({ event: 'auth.token.last_used_failed', err }));
    }
    return { user, kind: 'api_token', tokenId: token.id, scopes: token.scopes };
  }

  async function fromJwt(credential: string): Promise<Principal<User>> {
    let claims: Awaited<ReturnType<typeof sessionTokens.verifyAccess>>;
    try {
      claims = await verifyAccess(credential);
    } catch (err) {
      if (err instanceof TokenError) throw unauthorized(NOT_AUTHENTICATED);
      throw err;
    }
    const userId = Number(claims.sub);
    if (!Number.isSafeInteger(userId)) throw unauthorized(NOT_AUTHENTICATED);
    const [revoked, user] = await Promise.all([isRevoked(claims.sid), loadUser(userId)]);
    if (revoked || !user || !user.isActive) throw unauthorized(NOT_AUTHENTICATED);
    return { user, kind: 'jwt', sessionId: claims.sid };
  }

  return (credential, c) =>
    isApiTokenCredential(credential) ? fromApiToken(credential, clientIpOf(c)) : fromJwt(credential);
}
