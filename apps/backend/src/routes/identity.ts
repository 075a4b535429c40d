import { Jwks, SatelliteToken, TokenAudiences, VerifyResult } from '@syfthub/contracts';
import { ApiError } from '@syfthub/service';
import type { Context } from 'hono';
import { z } from 'zod';
import type { BackendContext, BackendEnv } from '../http/context';
import { callerOf } from '../http/route-kit';
import { createAudienceResolver } from '../identity/audience';
import { KEY_NOT_CONFIGURED_MESSAGE, requireKeyRing } from '../identity/errors';
import { verifyForCaller } from '../identity/verify';
import { activeUsernames } from '../users/queries';

const MAX_AUDIENCES = 100;

const audienceQuery = z.object({ aud: z.string() });

const tokenErrors = {
  400: { description: 'Blank audience (MISSING_AUDIENCE) or inactive audience (AUDIENCE_INACTIVE)' },
  404: { description: 'The audience is not a registered user (AUDIENCE_NOT_FOUND)' },
  503: { description: 'No signing keys (KEY_NOT_CONFIGURED) or user records unavailable' },
};

/** The identity provider (backend-api.md §10): satellite tokens, their verification, and the JWKS. */
export function registerIdentityRoutes(ctx: BackendContext): void {
  const { routes, limits, deps } = ctx;
  const { db, logger, config, backendMetrics } = deps;
  const tags = ['identity'];
  const resolveAudience = createAudienceResolver(db, logger);

  async function mint(
    c: Context<BackendEnv>,
    rawAudience: string,
    subject: { sub: string; role: string; username: string },
    kind: 'user' | 'guest',
  ) {
    const issuer = requireKeyRing(deps.satelliteTokens);
    const aud = await resolveAudience(rawAudience);
    const { token, expiresIn } = await issuer.issue({
      ...subject,
      aud,
      issuer: config.ISSUER_URL,
      ttlSeconds: config.SATELLITE_TOKEN_EXPIRE_SECONDS,
    });
    backendMetrics.satelliteTokens.inc({ kind });
    return c.json({ target_token: token, expires_in: expiresIn } satisfies SatelliteToken);
  }

  routes.add(
    {
      method: 'get',
      path: '/api/v1/token',
      summary: 'Exchange the hub session for a satellite token',
      tags,
      auth: 'user',
      query: audienceQuery,
      responses: {
        200: { description: '{target_token, expires_in}', schema: SatelliteToken },
        ...tokenErrors,
      },
    },
    (c, input) => {
      const { user } = callerOf(input);
      return mint(
        c,
        input.query.aud,
        { sub: String(user.id), role: user.role, username: user.username },
        'user',
      );
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/api/v1/token/guest',
      summary: 'Guest satellite token (no sign-in)',
      tags,
      auth: 'none',
      query: audienceQuery,
      before: [limits.tokenGuest],
      responses: {
        200: { description: '{target_token, expires_in}', schema: SatelliteToken },
        ...tokenErrors,
      },
    },
    (c, { query }) => mint(c, query.aud, { sub: 'guest', role: 'guest', username: 'guest' }, 'guest'),
  );

  routes.add(
    {
      method: 'get',
      path: '/api/v1/token/audiences',
      summary: 'Valid satellite-token audiences',
      tags,
      auth: 'user',
      responses: {
        200: {
          description: '{allowed_audiences (active usernames, sorted), idp_configured}',
          schema: TokenAudiences,
        },
      },
    },
    async (c) => {
      return c.json({
        allowed_audiences: await activeUsernames(db, MAX_AUDIENCES),
        idp_configured: deps.keyRing !== null,
      } satisfies TokenAudiences);
    },
  );

  routes.add(
    {
      method: 'post',
      path: '/api/v1/verify',
      summary: 'Verify a satellite token addressed to the caller',
      tags,
      auth: 'user',
      // Verification changes nothing on the hub, so a read-only satellite token may call it (§2.5).
      scope: 'read',
      body: z.object({ token: z.string().min(1).max(8192) }),
      responses: {
        200: { description: 'The verified identity, or why the token is not valid', schema: VerifyResult },
        503: { description: 'No signing keys (KEY_NOT_CONFIGURED)' },
      },
    },
    async (c, input) => {
      const keyRing = requireKeyRing(deps.keyRing);
      const result = await verifyForCaller(
        { db, logger, keyRing, issuer: config.ISSUER_URL },
        input.body.token,
        callerOf(input).user.username,
      );
      return c.json(result);
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/.well-known/jwks.json',
      summary: 'Public keys of satellite tokens (JWKS)',
      tags,
      auth: 'none',
      responses: {
        200: { description: 'Current key first, then the previous one during a rotation', schema: Jwks },
        503: { description: 'No keys configured' },
      },
    },
    (c) => {
      if (!deps.keyRing) throw new ApiError(503, KEY_NOT_CONFIGURED_MESSAGE);
      return c.json(deps.keyRing.jwks(), 200, {
        'Cache-Control': `public, max-age=${config.JWKS_CACHE_MAX_AGE_SECONDS}`,
      });
    },
  );
}
