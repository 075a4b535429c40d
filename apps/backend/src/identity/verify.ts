import { type KeyRing, verifySatelliteToken } from '@syfthub/auth';
import type { RejectedToken, VerifyResult } from '@syfthub/contracts';
import type { Db } from '@syfthub/db';
import type { Logger } from '@syfthub/service';
import { MAX_PG_INTEGER } from '../users/params';
import { findUserById } from '../users/queries';
import { failClosed } from './errors';

/** The identity every guest token verifies to (§10.4). */
const GUEST = { sub: 'guest', email: 'guest@syfthub.org', username: 'guest', role: 'guest' } as const;

const failure = (error: RejectedToken['error'], message: string): RejectedToken => ({
  valid: false,
  error,
  message,
});

/**
 * `POST /api/v1/verify` (backend-api.md §10.4): the caller may only verify tokens addressed to its own username.
 * Every outcome is a 200 body; only an unreachable database escapes as the identity provider's 503.
 */
export async function verifyForCaller(
  deps: { db: Db; logger: Logger; keyRing: KeyRing; issuer: string },
  token: string,
  callerUsername: string,
): Promise<VerifyResult> {
  const result = await verifySatelliteToken(token, {
    keys: deps.keyRing,
    audience: callerUsername,
    issuer: deps.issuer,
  });
  if (!result.valid) {
    // Remote verifiers can fail to fetch a JWKS; the hub verifies with its own key ring, so that cannot happen here.
    return failure(result.error === 'jwks_unavailable' ? 'verification_error' : result.error, result.message);
  }
  const { claims } = result;
  const common = {
    aud: typeof claims.aud === 'string' ? claims.aud : callerUsername.toLowerCase(),
    exp: claims.exp,
    iat: claims.iat ?? 0,
  };
  if (claims.sub === GUEST.sub) return { valid: true as const, ...GUEST, ...common };

  const userId = /^[0-9]{1,10}$/.test(claims.sub) ? Number(claims.sub) : Number.NaN;
  if (!(userId >= 1 && userId <= MAX_PG_INTEGER)) {
    return failure('invalid_user_id', `Invalid user ID in token: ${claims.sub.slice(0, 64)}`);
  }
  const user = await failClosed(deps.logger, 'identity.verify_lookup_failed', () =>
    findUserById(deps.db, userId),
  );
  if (!user) return failure('user_not_found', `User with ID ${userId} not found.`);
  if (!user.isActive) return failure('user_inactive', `User '${user.username}' is no longer active.`);
  return {
    valid: true as const,
    sub: String(user.id),
    email: user.email,
    username: user.username,
    // Fresh from the database, like `is_active`: that freshness is why a satellite calls /verify at all.
    role: user.role,
    ...common,
  };
}
