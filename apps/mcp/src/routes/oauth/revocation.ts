import { eq, oauthRefreshTokens } from '@syfthub/db';
import { bodyLimit, clientIp, type Env, rateLimitSubject } from '@syfthub/service';
import type { Hono } from 'hono';
import type { McpDeps } from '../../deps';
import { oauthError, oauthRateLimited, oauthServerErrors } from '../../oauth/errors';
import { InvalidAccessTokenError } from '../../oauth/jwt';
import { sha256Hex } from '../../oauth/params';
import { hitRateLimit } from '../../oauth/rate-limits';
import { revokedJtiKey } from './bearer';
import { invalidClient, readOAuthForm } from './token';

const MAX_FORM_BYTES = 16 * 1024;
const REFRESH_PREFIX = 'mcp_rt_';

/**
 * `POST /mcp/oauth/revoke` (RFC 7009, mcp.md §4.7): always 200 with an empty body once the client is
 * authenticated, so the answer never tells whether a token existed. Another client's token is left alone.
 */
export function registerRevocationRoutes(app: Hono<Env>, deps: McpDeps): void {
  const { db, kv } = deps;

  async function revokeRefreshToken(token: string, clientId: string): Promise<void> {
    const [row] = await db
      .select({ grantId: oauthRefreshTokens.grantId, clientId: oauthRefreshTokens.clientId })
      .from(oauthRefreshTokens)
      .where(eq(oauthRefreshTokens.tokenHash, sha256Hex(token)));
    if (row && row.clientId === clientId) await deps.grants.revoke(row.grantId, 'revoked');
  }

  async function revokeAccessToken(token: string, clientId: string): Promise<void> {
    try {
      const claims = await deps.signer.verifyAccessToken(token);
      if (claims.client_id !== clientId) return;
      const ttl = claims.exp - Math.floor(Date.now() / 1000);
      if (ttl > 0) await kv.set(revokedJtiKey(claims.jti), '1', { ttlSeconds: ttl });
    } catch (error) {
      if (!(error instanceof InvalidAccessTokenError)) throw error;
    }
  }

  app.post('/mcp/oauth/revoke', oauthServerErrors(), bodyLimit(MAX_FORM_BYTES), async (c) => {
    const limited = await hitRateLimit(
      kv,
      'mcp-revoke',
      rateLimitSubject(clientIp(c, deps.trustedProxies)),
      deps.config.MCP_TOKEN_RATE_LIMIT_PER_MINUTE,
      60,
    );
    if (limited) return oauthRateLimited(c, limited);
    const form = await readOAuthForm(c);
    if (!form) {
      return oauthError(c, 400, 'invalid_request', 'Send a form-encoded body, each parameter at most once');
    }
    const auth = await deps.clients.authenticate(c, form);
    if (!auth.ok) return invalidClient(c, auth.basicTried, auth.description);
    const token = form.token;
    if (!token) return oauthError(c, 400, 'invalid_request', 'token is required');
    // The token's shape tells its kind; the hint is only a hint (RFC 7009 §2.1).
    if (token.startsWith(REFRESH_PREFIX)) await revokeRefreshToken(token, auth.client.clientId);
    else await revokeAccessToken(token, auth.client.clientId);
    return c.body(null, 200, { 'Cache-Control': 'no-store' });
  });
}
