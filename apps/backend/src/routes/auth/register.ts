import { RegisterResponse } from '@syfthub/contracts';
import { isUniqueViolation, type User } from '@syfthub/db';
import { ApiError, clientIpOf } from '@syfthub/service';
import { z } from 'zod';
import type { PendingOtpDelivery } from '../../auth/otp';
import type { BackendContext } from '../../http/context';
import { accountsHolding, insertLocalAccount } from '../../users/accounts';
import { userJson } from '../../users/serialize';
import { emailSchema, passwordSchema, RESERVED_USERNAMES, usernameSchema } from '../../validation/rules';
import { textField } from './fields';
import type { AuthServices } from './services';
import { signIn } from './sign-in';

function emailTaken(): ApiError {
  return new ApiError(409, { code: 'USER_ALREADY_EXISTS', message: 'Email already exists', field: 'email' });
}

function usernameUnavailable(): ApiError {
  return new ApiError(409, {
    code: 'USER_ALREADY_EXISTS',
    message: 'Username is not available',
    field: 'username',
  });
}

/**
 * The `POST /auth/register` body (contract: `RegisterRequest`). `accounting_service_url` and
 * `accounting_password`, which old SDKs send, fall away with the other unknown keys.
 */
export const registerBody = (passwordMinLength: number) =>
  z.object({
    username: usernameSchema,
    email: emailSchema,
    full_name: textField(1, 100),
    password: passwordSchema(passwordMinLength),
  });

/** `POST /auth/register` (§5.2). */
export function registerRegisterRoute(ctx: BackendContext, services: AuthServices): void {
  const { routes, deps, limits } = ctx;
  const body = registerBody(deps.config.PASSWORD_MIN_LENGTH);

  routes.add(
    {
      method: 'post',
      path: '/api/v1/auth/register',
      summary: 'Create an account',
      tags: ['auth'],
      auth: 'none',
      body,
      before: [limits.auth],
      responses: {
        201: {
          description: 'The new user, with tokens unless e-mail verification is required',
          schema: RegisterResponse,
        },
        409: { description: 'USER_ALREADY_EXISTS (field email or username)' },
        422: { description: 'Invalid fields' },
      },
    },
    async (c, { body }) => {
      const taken = await accountsHolding(deps.db, body.email, body.username);
      if (taken.some((u) => u.email === body.email)) throw emailTaken();
      if (taken.length > 0 || RESERVED_USERNAMES.has(body.username)) throw usernameUnavailable();

      const passwordHash = await deps.passwords.hash(body.password);
      const { otp } = services;
      let created: { user: User; delivery: PendingOtpDelivery | null };
      try {
        created = await deps.db.transaction(async (tx) => {
          const user = await insertLocalAccount(tx, {
            username: body.username,
            email: body.email,
            fullName: body.full_name,
            passwordHash,
            isEmailVerified: otp === null,
          });
          // A limited OTP still creates the user (§5.2): they ask for a new code later.
          const delivery = otp ? await otp.issue(tx, body.email, 'registration', clientIpOf(c)) : null;
          return { user, delivery };
        });
      } catch (err) {
        // Two sign-ups raced past the check above; the database settles it.
        if (isUniqueViolation(err, 'users_email_key')) throw emailTaken();
        if (isUniqueViolation(err, 'users_username_key')) throw usernameUnavailable();
        throw err;
      }

      const { user, delivery } = created;
      if (otp) {
        delivery?.deliver();
        return c.json(
          {
            user: userJson(user),
            access_token: null,
            refresh_token: null,
            token_type: 'bearer',
            requires_email_verification: true,
          },
          201,
        );
      }
      const auth = await signIn(ctx, services, c, user, 'password');
      return c.json({ ...auth, requires_email_verification: false } satisfies RegisterResponse, 201);
    },
  );
}
