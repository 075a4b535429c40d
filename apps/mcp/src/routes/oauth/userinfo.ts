import type { Env } from '@syfthub/service';
import type { Context, Hono } from 'hono';
import type { McpDeps } from '../../deps';
import { oauthError, oauthServerErrors } from '../../oauth/errors';
import { authenticateBearer } from './bearer';

/** `GET`/`POST /mcp/oauth/userinfo`: the grant's identity for a verified access token (mcp.md §4.9). */
export function registerUserinfoRoutes(app: Hono<Env>, deps: McpDeps): void {
  const handler = async (c: Context<Env>) => {
    const result = await authenticateBearer(deps, c.req.header('authorization'));
    const grant = result.ok ? await deps.grants.find(result.claims.sid) : undefined;
    if (!result.ok || !grant || grant.revokedAt) {
      const description = result.ok ? 'The access token has been revoked' : result.description;
      const challenge = result.ok || result.presented ? 'Bearer error="invalid_token"' : 'Bearer';
      return oauthError(c, 401, 'invalid_token', description, { 'WWW-Authenticate': challenge });
    }
    return c.json(
      {
        sub: String(grant.userId),
        email: grant.userEmail,
        email_verified: grant.emailVerified,
        name: grant.fullName || grant.username,
        preferred_username: grant.username,
      },
      200,
      { 'Cache-Control': 'no-store' },
    );
  };
  app.get('/mcp/oauth/userinfo', oauthServerErrors(), handler);
  app.post('/mcp/oauth/userinfo', oauthServerErrors(), handler);
}
