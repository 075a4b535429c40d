import { User as UserJson } from '@syfthub/contracts';
import { clientIpOf } from '@syfthub/service';
import type { BackendContext } from '../../http/context';
import { callerOf } from '../../http/route-kit';
import { userJson } from '../../users/serialize';
import { applyUserUpdate, userUpdateSchema } from '../../users/update';

export function registerUserMeRoutes(ctx: BackendContext): void {
  const { routes } = ctx;
  routes.add(
    {
      method: 'get',
      path: '/api/v1/users/me',
      summary: 'Current user',
      tags: ['users'],
      auth: 'user',
      responses: { 200: { description: 'The caller as a User', schema: UserJson } },
    },
    (c, input) => c.json(userJson(callerOf(input).user)),
  );

  routes.add(
    {
      method: 'put',
      path: '/api/v1/users/me',
      summary: 'Update the current user',
      tags: ['users'],
      auth: 'user',
      body: userUpdateSchema,
      responses: {
        200: { description: 'The updated User', schema: UserJson },
        400: { description: 'Current password is incorrect (e-mail change)' },
        403: { description: 'An API token tried to change the e-mail address' },
        409: { description: 'Username or e-mail already taken (CONFLICT with resource and field)' },
        422: { description: 'Invalid field, or an e-mail change without current_password' },
      },
    },
    async (c, input) => {
      const caller = callerOf(input);
      const updated = await applyUserUpdate(ctx, { caller, ip: clientIpOf(c) }, caller.user, input.body);
      return c.json(userJson(updated));
    },
  );
}
