import { createLoginEvents, type LoginEvents } from '../../auth/login-events';
import { createOtpService, type OtpService } from '../../auth/otp';
import type { BackendDeps } from '../../deps';

/** What the auth routes share besides the backend context. */
export interface AuthServices {
  /** Null when no e-mail sender is configured: the [email] routes are then disabled. */
  otp: OtpService | null;
  events: LoginEvents;
}

export function createAuthServices(deps: BackendDeps): AuthServices {
  return {
    otp: deps.email ? createOtpService(deps, deps.email) : null,
    events: createLoginEvents(deps),
  };
}
