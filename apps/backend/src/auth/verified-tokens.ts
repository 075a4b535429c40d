import type { AccessClaims } from '@syfthub/auth';

/** Most verified access tokens remembered at once; the oldest is forgotten first. */
const MAX_REMEMBERED = 2048;

/**
 * Remembers the claims of access tokens whose signature and claims were verified, by the exact token string, until
 * the token expires: a client sends the same token with every request of its lifetime, and checking an HMAC
 * signature again proves nothing new (the key never changes while the process runs). Only the signature and claim
 * checks are remembered: whether the session is revoked and whether the user is active are asked on every request by
 * the caller. A remembered token past its `exp` is forgotten and goes through `verify` again, which rejects it as
 * expired; tokens that fail verification are never remembered.
 */
export function createVerifiedAccessTokens(
  verify: (token: string) => Promise<AccessClaims>,
  maxRemembered = MAX_REMEMBERED,
): (token: string) => Promise<AccessClaims> {
  const remembered = new Map<string, AccessClaims>();
  return async (token) => {
    const known = remembered.get(token);
    // As jose judges `exp`: valid while it is later than the current whole second.
    if (known !== undefined && known.exp > Math.floor(Date.now() / 1000)) return known;
    if (known !== undefined) remembered.delete(token);
    const claims = await verify(token);
    if (remembered.size >= maxRemembered) {
      remembered.delete(remembered.keys().next().value as string);
    }
    remembered.set(token, claims);
    return claims;
  };
}
