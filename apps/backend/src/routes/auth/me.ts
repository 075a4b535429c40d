import { User as UserJson } from '@syfthub/contracts';
import { ApiError } from '@syfthub/service';
import { z } from 'zod';
import type { BackendContext } from '../../http/context';
import { callerOf } from '../../http/route-kit';
import { setPasswordHash } from '../../users/accounts';
import { userJson } from '../../users/serialize';
import { passwordSchema } from '../../validation/rules';

/** `GET /auth/me` (§5.7) and `PUT /auth/me/password` (§5.8). */
export function registerMeRoutes({ routes, deps, sessions }: BackendContext): void {
  routes.add(
    {
      method: 'get',
      path: '/api/v1/auth/me',
      summary: 'The signed-in user',
      tags: ['auth'],
      auth: 'user',
      responses: { 200: { description: 'User', schema: UserJson }, 401: { description: 'Not signed in' } },
    },
    (c, input) => c.json(userJson(callerOf(input).user)),
  );

  routes.add(
    {
      method: 'put',
      path: '/api/v1/auth/me/password',
      summary: 'Change the password; signs out every other session',
      tags: ['auth'],
      auth: 'user',
      scope: 'full',
      body: z.object({
        current_password: z.string().max(256),
        new_password: passwordSchema(deps.config.PASSWORD_MIN_LENGTH),
      }),
      responses: {
        204: { description: 'Password changed' },
        400: { description: 'Current password is incorrect' },
        422: { description: 'The new password is too weak' },
      },
    },
    async (c, input) => {
      const caller = callerOf(input);
      const { user } = caller;
      const verdict = user.passwordHash
        ? await deps.passwords.verify(user.passwordHash, input.body.current_password)
        : { valid: false };
      // 400, not 401: the caller's credential is valid (README §2.4).
      if (!verdict.valid) throw new ApiError(400, 'Current password is incorrect');
      const passwordHash = await deps.passwords.hash(input.body.new_password);
      await setPasswordHash(deps.db, user.id, passwordHash);
      // An API-token caller has no session of its own to keep.
      await sessions.revokeUserSessions(
        user.id,
        'password_change',
        caller.kind === 'jwt' ? caller.sessionId : undefined,
      );
      return c.body(null, 204);
    },
  );
}
