import { MessageResponse } from '@syfthub/contracts';
import { clientIpOf } from '@syfthub/service';
import { z } from 'zod';
import { invalidOtp } from '../../auth/otp';
import type { BackendContext } from '../../http/context';
import { canResetPassword, resetPassword } from '../../users/accounts';
import { emailSchema, passwordSchema } from '../../validation/rules';
import { emailNotConfigured, requireEmailSender } from './email-required';
import { otpCodeSchema } from './fields';
import type { AuthServices } from './services';

const REQUESTED = 'If the email is registered, a reset code was sent.';

/** `POST /auth/password-reset/request` and `/confirm` (§5.10). */
export function registerPasswordResetRoutes(ctx: BackendContext, services: AuthServices): void {
  const { routes, deps, limits, sessions } = ctx;
  const before = [limits.auth, requireEmailSender(services)];

  routes.add(
    {
      method: 'post',
      path: '/api/v1/auth/password-reset/request',
      summary: 'Send a password reset code',
      tags: ['auth'],
      auth: 'none',
      body: z.object({ email: emailSchema }),
      before,
      responses: {
        200: {
          description: 'Always the same answer, so the route cannot probe for accounts',
          schema: MessageResponse,
        },
        404: { description: 'EMAIL_NOT_CONFIGURED' },
      },
    },
    async (c, { body }) => {
      const otp = services.otp ?? emailNotConfigured();
      if (await canResetPassword(deps.db, body.email)) {
        const delivery = await otp.issue(deps.db, body.email, 'password_reset', clientIpOf(c));
        delivery?.deliver();
      }
      return c.json({ message: REQUESTED });
    },
  );

  routes.add(
    {
      method: 'post',
      path: '/api/v1/auth/password-reset/confirm',
      summary: 'Set a new password with a reset code; signs out every session and revokes every API token',
      tags: ['auth'],
      auth: 'none',
      body: z.object({
        email: emailSchema,
        code: otpCodeSchema,
        new_password: passwordSchema(deps.config.PASSWORD_MIN_LENGTH),
      }),
      before,
      responses: {
        200: { description: 'Password reset', schema: MessageResponse },
        400: { description: 'INVALID_OTP' },
        404: { description: 'EMAIL_NOT_CONFIGURED' },
        422: { description: 'The new password is too weak' },
        429: { description: 'OTP_MAX_ATTEMPTS' },
      },
    },
    async (c, { body }) => {
      const otp = services.otp ?? emailNotConfigured();
      const codeId = await otp.check(body.email, 'password_reset', body.code);
      const passwordHash = await deps.passwords.hash(body.new_password);
      const user = await deps.db.transaction(async (tx) => {
        await otp.markUsed(tx, codeId);
        const updated = await resetPassword(tx, body.email, passwordHash);
        if (!updated) throw invalidOtp('Invalid or expired verification code');
        return updated;
      });
      await sessions.revokeUserSessions(user.id, 'password_reset');
      return c.json({ message: 'Password has been reset successfully.' });
    },
  );
}
