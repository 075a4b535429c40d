import { ApiError } from '@syfthub/service';
import type { MiddlewareHandler } from 'hono';
import type { BackendEnv } from '../../http/context';
import type { AuthServices } from './services';

/** The [email] routes' answer when no e-mail sender is configured (backend-api.md §0). */
export function emailNotConfigured(): never {
  throw new ApiError(404, {
    code: 'EMAIL_NOT_CONFIGURED',
    message: 'E-mail delivery is not configured on this hub.',
  });
}

/** Runs before body validation, so a disabled route answers 404 whatever the request holds. */
export function requireEmailSender(services: AuthServices): MiddlewareHandler<BackendEnv> {
  return async (_c, next) => {
    if (!services.otp) emailNotConfigured();
    await next();
  };
}
