import { EmailAvailability, PublicUserProfile, UsernameAvailability } from '@syfthub/contracts';

import { z } from 'zod';
import type { BackendContext } from '../../http/context';
import { userNotFound } from '../../users/errors';
import { findUserByUsername, isEmailTaken, isUsernameTaken } from '../../users/queries';
import { publicProfileJson } from '../../users/serialize';
import { emailSchema, isAvailableUsernameShape } from '../../validation/rules';

export function registerUserLookupRoutes(ctx: BackendContext): void {
  const { routes, limits } = ctx;
  const { db } = ctx.deps;

  routes.add(
    {
      method: 'get',
      path: '/api/v1/users/check-username/:username',
      summary: 'Is a username available?',
      tags: ['users'],
      auth: 'none',
      params: z.object({ username: z.string() }),
      before: [limits.lookup],
      responses: {
        200: {
          description: '`available` is false when taken, reserved or invalid',
          schema: UsernameAvailability,
        },
      },
    },
    async (c, { params }) => {
      const username = params.username.trim().toLowerCase();
      let available = isAvailableUsernameShape(username);
      if (available) {
        available = !(await isUsernameTaken(db, username));
      }
      return c.json({ available, username } satisfies UsernameAvailability);
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/api/v1/users/check-email/:email',
      summary: 'Is an e-mail address available?',
      tags: ['users'],
      auth: 'none',
      params: z.object({ email: z.string() }),
      before: [limits.lookup],
      responses: {
        200: { description: '`available` is false when taken or invalid', schema: EmailAvailability },
      },
    },
    async (c, { params }) => {
      const email = params.email.trim().toLowerCase();
      let available = emailSchema.safeParse(email).success;
      if (available) {
        available = !(await isEmailTaken(db, email));
      }
      return c.json({ available, email } satisfies EmailAvailability);
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/api/v1/users/public/:username',
      summary: 'Public profile of a user',
      tags: ['users'],
      auth: 'none',
      params: z.object({ username: z.string() }),
      responses: {
        200: { description: 'PublicUserProfile', schema: PublicUserProfile },
        404: { description: 'No such active user' },
      },
    },
    async (c, { params }) => {
      const user = await findUserByUsername(db, params.username);
      if (!user?.isActive) throw userNotFound();
      return c.json(publicProfileJson(user));
    },
  );
}
