import type { BackendContext } from '../../http/context';
import { registerApiTokenRoutes } from './api-tokens';
import { registerAuthConfigRoute } from './config';
import { registerEmailVerificationRoutes } from './email-verification';
import { registerLoginRoute } from './login';
import { registerMeRoutes } from './me';
import { registerPasswordResetRoutes } from './password-reset';
import { registerRegisterRoute } from './register';
import { createAuthServices } from './services';
import { registerSessionRoutes } from './session';

/** `/api/v1/auth` (backend-api.md §5). */
export function registerAuthRoutes(ctx: BackendContext): void {
  const services = createAuthServices(ctx);
  registerAuthConfigRoute(ctx);
  registerRegisterRoute(ctx, services);
  registerLoginRoute(ctx, services);
  registerSessionRoutes(ctx);
  registerMeRoutes(ctx);
  registerEmailVerificationRoutes(ctx, services);
  registerPasswordResetRoutes(ctx, services);
  registerApiTokenRoutes(ctx);
}
