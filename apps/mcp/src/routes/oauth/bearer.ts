import { parseBearer } from '@syfthub/auth';
import type { McpDeps } from '../../deps';
import { type AccessTokenClaims, InvalidAccessTokenError } from '../../oauth/jwt';

export const revokedJtiKey = (jti: string) => `mcp:oauth:revoked-jti:${jti}`;

export type BearerResult =
  | { ok: true; token: string; claims: AccessTokenClaims }
  | { ok: false; presented: boolean; description: string };

/**
 * Verifies an `Authorization: Bearer` access token as mcp.md §4.6 requires: signature with the `kid`'s key,
 * `typ`, issuer, audience and expiry, then revocation of the token and of its grant.
 */
export async function authenticateBearer(deps: McpDeps, header: string | undefined): Promise<BearerResult> {
  const token = parseBearer(header);
  if (!token) return { ok: false, presented: false, description: 'An access token is required' };
  let claims: AccessTokenClaims;
  try {
    claims = await deps.signer.verifyAccessToken(token);
  } catch (error) {
    if (error instanceof InvalidAccessTokenError)
      return { ok: false, presented: true, description: error.message };
    throw error;
  }
  const jtiRevoked = await deps.kv.exists(revokedJtiKey(claims.jti)).catch(() => false);
  if (jtiRevoked || (await deps.grants.isRevoked(claims.sid))) {
    return { ok: false, presented: true, description: 'The access token has been revoked' };
  }
  return { ok: true, token, claims };
}
