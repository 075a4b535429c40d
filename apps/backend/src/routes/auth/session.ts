import { TokenPair } from '@syfthub/contracts';
import { ApiError } from '@syfthub/service';
import { z } from 'zod';
import type { BackendContext } from '../../http/context';
import { callerOf } from '../../http/route-kit';
import { clientMetaOf } from './sign-in';

// `auth_refresh_total{result}` labels for the §5.5 failures.
const REFRESH_FAILURES: Record<string, string> = {
  'Invalid refresh token': 'invalid',
  'Refresh token already used': 'already_used',
  'Refresh token reuse detected': 'reuse_detected',
  'Session has been revoked': 'revoked',
  'User not found or inactive': 'inactive',
};

/** `POST /auth/refresh` (§5.5) and `POST /auth/logout` (§5.6). */
export function registerSessionRoutes({ routes, deps, limits, sessions }: BackendContext): void {
  const { refreshes } = deps.backendMetrics;

  routes.add(
    {
      method: 'post',
      path: '/api/v1/auth/refresh',
      summary: 'Exchange a refresh token for a new token pair (rotation)',
      tags: ['auth'],
      auth: 'none',
      body: z.object({ refresh_token: z.string().max(8192) }),
      before: [limits.authRefresh],
      responses: {
        200: { description: 'TokenPair; the presented refresh token is used up', schema: TokenPair },
        401: { description: 'Invalid, used, reused or revoked refresh token' },
      },
    },
    async (c, { body }) => {
      try {
        const tokens = await sessions.refresh(body.refresh_token, clientMetaOf(c));
        refreshes.inc({ result: 'success' });
        return c.json({
          access_token: tokens.access_token,
          refresh_token: tokens.refresh_token,
          token_type: 'bearer',
        } satisfies TokenPair);
      } catch (err) {
        if (err instanceof ApiError && typeof err.detail === 'string') {
          refreshes.inc({ result: REFRESH_FAILURES[err.detail] ?? 'error' });
        }
        throw err;
      }
    },
  );

  routes.add(
    {
      method: 'post',
      path: '/api/v1/auth/logout',
      summary: "End the caller's session",
      tags: ['auth'],
      auth: 'user',
      scope: 'read',
      responses: {
        204: { description: 'Signed out; an API token is left untouched' },
        401: { description: 'Not signed in' },
      },
    },
    async (c, input) => {
      const caller = callerOf(input);
      // API tokens are not sessions: they are revoked through DELETE /auth/tokens/{id}.
      if (caller.kind === 'jwt' && caller.sessionId) {
        await sessions.revokeSession(caller.sessionId, caller.user.id, 'logout');
      }
      return c.body(null, 204);
    },
  );
}
