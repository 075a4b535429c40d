import { createLoginEvents, type LoginEvents } from '../../auth/login-events';
import type { OtpService } from '../../auth/otp';
import type { BackendContext } from '../../http/context';

/** What the auth routes share besides the backend context. */
export interface AuthServices {
  /** Null when no e-mail sender is configured: the [email] routes are then disabled. */
  otp: OtpService | null;
  events: LoginEvents;
}

export function createAuthServices(ctx: BackendContext): AuthServices {
  return { otp: ctx.otp, events: createLoginEvents(ctx.deps) };
}
