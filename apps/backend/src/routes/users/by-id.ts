import { User as UserJson } from '@syfthub/contracts';

import { ApiError, clientIpOf } from '@syfthub/service';
import { z } from 'zod';
import type { BackendContext } from '../../http/context';
import { callerOf } from '../../http/route-kit';
import { permissionDenied, userNotFound, userNotFoundObject } from '../../users/errors';
import { userIdParams } from '../../users/params';
import { deleteUser, findUserById, listUsersById } from '../../users/queries';
import { userJson } from '../../users/serialize';
import { applyUserUpdate, setUserActive, userUpdateSchema } from '../../users/update';
import { paginationQuery } from '../../validation/rules';

const USER_PATH = '/api/v1/users/:user_id{[0-9]+}';

export function registerUserByIdRoutes(ctx: BackendContext): void {
  const { routes } = ctx;
  const { db } = ctx.deps;

  // Upstream registered the list with a trailing slash; both spellings answer (README §2.7).
  for (const path of ['/api/v1/users/', '/api/v1/users']) {
    routes.add(
      {
        method: 'get',
        path,
        summary: 'List users (admin)',
        tags: ['users'],
        auth: 'admin',
        query: z.object(paginationQuery(100, 100)),
        responses: { 200: { description: 'User[] ordered by id', schema: z.array(UserJson) } },
      },
      async (c, { query }) => {
        const rows = await listUsersById(db, query.skip, query.limit);
        return c.json(rows.map(userJson));
      },
    );
  }

  routes.add(
    {
      method: 'get',
      path: USER_PATH,
      summary: 'Get a user (self or admin)',
      tags: ['users'],
      auth: 'user',
      params: userIdParams,
      responses: {
        200: { description: 'User', schema: UserJson },
        403: { description: 'Neither the user nor an admin' },
        404: { description: 'No such user' },
      },
    },
    async (c, input) => {
      const { user: caller } = callerOf(input);
      const id = input.params.user_id;
      if (caller.id !== id && caller.role !== 'admin') throw permissionDenied();
      const user = await findUserById(db, id);
      if (!user) throw userNotFound();
      return c.json(userJson(user));
    },
  );

  routes.add(
    {
      method: 'put',
      path: USER_PATH,
      summary: 'Update a user (self or admin)',
      tags: ['users'],
      auth: 'user',
      params: userIdParams,
      body: userUpdateSchema,
      responses: {
        200: { description: 'The updated User', schema: UserJson },
        400: { description: 'Current password (of the caller) is incorrect (e-mail change)' },
        403: { description: 'Neither the user nor an admin, or an API token changing the e-mail address' },
        404: { description: 'No such user' },
        409: { description: 'Username or e-mail already taken' },
      },
    },
    async (c, input) => {
      const principal = callerOf(input);
      const caller = principal.user;
      const id = input.params.user_id;
      if (caller.id !== id && caller.role !== 'admin') {
        throw permissionDenied('Can only update your own profile');
      }
      const target = caller.id === id ? caller : await findUserById(db, id);
      if (!target) throw userNotFound();
      const updated = await applyUserUpdate(
        ctx,
        { caller: principal, ip: clientIpOf(c) },
        target,
        input.body,
      );
      return c.json(userJson(updated));
    },
  );

  routes.add(
    {
      method: 'patch',
      path: `${USER_PATH}/deactivate`,
      summary: 'Deactivate a user (admin)',
      tags: ['users'],
      auth: 'admin',
      params: userIdParams,
      responses: {
        200: { description: 'The deactivated User; all of its sessions are revoked', schema: UserJson },
        404: { description: 'No such user (NOT_FOUND object)' },
        422: { description: 'An admin cannot deactivate their own account' },
      },
    },
    async (c, input) => {
      const id = input.params.user_id;
      if (callerOf(input).user.id === id) {
        throw new ApiError(422, { code: 'VALIDATION_ERROR', message: 'Cannot deactivate your own account' });
      }
      const user = await setUserActive(ctx, id, false);
      if (!user) throw userNotFoundObject();
      return c.json(userJson(user));
    },
  );

  routes.add(
    {
      method: 'patch',
      path: `${USER_PATH}/activate`,
      summary: 'Activate a user (admin)',
      tags: ['users'],
      auth: 'admin',
      params: userIdParams,
      responses: {
        200: { description: 'The activated User', schema: UserJson },
        404: { description: 'No such user (NOT_FOUND object)' },
      },
    },
    async (c, input) => {
      const user = await setUserActive(ctx, input.params.user_id, true);
      if (!user) throw userNotFoundObject();
      return c.json(userJson(user));
    },
  );

  routes.add(
    {
      method: 'delete',
      path: USER_PATH,
      summary: 'Delete a user and everything they own (self or admin)',
      tags: ['users'],
      auth: 'user',
      scope: 'full',
      params: userIdParams,
      responses: {
        204: { description: 'Deleted; the database cascades to every owned row' },
        403: { description: 'Neither the user nor an admin' },
        404: { description: 'No such user' },
      },
    },
    async (c, input) => {
      const { user: caller } = callerOf(input);
      const id = input.params.user_id;
      if (caller.id !== id && caller.role !== 'admin') throw permissionDenied();
      if (!(await deleteUser(db, id))) throw userNotFound();
      return c.body(null, 204);
    },
  );
}
