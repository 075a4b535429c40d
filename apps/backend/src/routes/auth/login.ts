import { AuthResponse } from '@syfthub/contracts';
import { ApiError, clientIpOf } from '@syfthub/service';
import { z } from 'zod';
import { createLoginThrottle } from '../../auth/login-throttle';
import type { BackendContext } from '../../http/context';
import { findUserByLogin, setPasswordHash } from '../../users/accounts';
import { textField } from './fields';
import type { AuthServices } from './services';
import { accountDeactivated, signIn } from './sign-in';

function invalidCredentials(): ApiError {
  return new ApiError(401, 'Invalid credentials', { 'WWW-Authenticate': 'Bearer' });
}

function emailNotVerified(): ApiError {
  return new ApiError(403, {
    code: 'EMAIL_NOT_VERIFIED',
    message: 'Please verify your email address before signing in.',
  });
}

// OAuth2 password form (§5.3). An empty optional field counts as absent, as in FastAPI's form handling;
// `scope`, `client_id` and `client_secret` are accepted and ignored.
const loginForm = z.object({
  username: textField(1, 255),
  password: z.string().min(1).max(256),
  grant_type: z.preprocess((v) => (v === '' ? undefined : v), z.literal('password').optional()),
});

/** `POST /auth/login` (§5.3): username, or e-mail when the identifier contains `@`. */
export function registerLoginRoute(ctx: BackendContext, services: AuthServices): void {
  const { routes, deps, limits } = ctx;
  const { events } = services;
  const throttle = createLoginThrottle(deps);

  routes.add(
    {
      method: 'post',
      path: '/api/v1/auth/login',
      summary: 'Sign in with username (or e-mail) and password',
      tags: ['auth'],
      auth: 'none',
      body: loginForm,
      bodyType: 'form',
      before: [limits.authLogin],
      responses: {
        200: { description: 'AuthResponse: the user and a new session', schema: AuthResponse },
        400: { description: 'The form body could not be parsed' },
        401: { description: 'Invalid credentials, or the account is deactivated' },
        403: { description: 'EMAIL_NOT_VERIFIED' },
        422: { description: 'Missing or invalid form fields (a JSON body is not read)' },
        429: { description: 'Too many attempts from this client, or for this account (any client)' },
        503: { description: 'Too many sign-ins being processed at once; retry shortly' },
      },
    },
    async (c, { body }) => {
      const ip = clientIpOf(c);
      const identifier = body.username.toLowerCase();
      const user = await findUserByLogin(deps.db, identifier);
      // Counted per account however many addresses the guesses come from; unknown names count alike.
      await throttle.attempt(user ? { userId: user.id } : { identifier });
      // The dummy verification makes an unknown name cost as much time as a wrong password.
      if (!user?.passwordHash) {
        await deps.passwords.verifyAgainstDummy(body.password);
        events.failed(user ? 'bad_password' : 'unknown_user', identifier, ip);
        throw invalidCredentials();
      }
      const verdict = await deps.passwords.verify(user.passwordHash, body.password);
      if (!verdict.valid) {
        events.failed('bad_password', identifier, ip);
        throw invalidCredentials();
      }
      if (!user.isActive) {
        events.failed('inactive', identifier, ip);
        throw accountDeactivated();
      }
      if (deps.email && !user.isEmailVerified) {
        events.failed('unverified', identifier, ip);
        throw emailNotVerified();
      }
      await throttle.succeeded(user.id);
      if (verdict.needsRehash) {
        await setPasswordHash(deps.db, user.id, await deps.passwords.hash(body.password));
      }
      return c.json(await signIn(ctx, services, c, user, 'password'));
    },
  );
}
