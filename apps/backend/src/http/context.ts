import type { AuthMiddleware, Principal } from '@syfthub/auth';
import type { User } from '@syfthub/db';
import type { ServiceVariables } from '@syfthub/service';
import type { OtpService } from '../auth/otp';
import type { SessionService } from '../auth/sessions';
import type { BackendDeps } from '../deps';
import type { RateLimits } from './rate-limits';
import type { RouteRegistry } from './route-kit';

/** The Hono environment of every backend route. */
export type BackendEnv = {
  Variables: Omit<ServiceVariables, 'principal'> & { principal: Principal<User> | null };
};

/** What each route module receives: the dependencies, the route registry and the shared services. */
export interface BackendContext {
  deps: BackendDeps;
  routes: RouteRegistry;
  sessions: SessionService;
  auth: AuthMiddleware<User>;
  limits: RateLimits;
  /** One-time codes; null when no e-mail sender is configured. */
  otp: OtpService | null;
}
