import { AuthResponse, MessageResponse } from '@syfthub/contracts';
import { clientIpOf } from '@syfthub/service';
import { z } from 'zod';
import { invalidOtp } from '../../auth/otp';
import type { BackendContext } from '../../http/context';
import { awaitsEmailVerification, findUserByEmail, markEmailVerified } from '../../users/accounts';
import { emailSchema } from '../../validation/rules';
import { emailNotConfigured, requireEmailSender } from './email-required';
import { otpCodeSchema } from './fields';
import type { AuthServices } from './services';
import { accountDeactivated, signIn } from './sign-in';

const RESENT = 'If the email is registered and unverified, a new code was sent.';

/** `POST /auth/register/verify-otp` and `POST /auth/register/resend-otp` (§5.9). */
export function registerEmailVerificationRoutes(ctx: BackendContext, services: AuthServices): void {
  const { routes, deps, limits } = ctx;
  const before = [limits.auth, requireEmailSender(services)];

  routes.add(
    {
      method: 'post',
      path: '/api/v1/auth/register/verify-otp',
      summary: 'Verify the e-mail address with the code sent at registration',
      tags: ['auth'],
      auth: 'none',
      body: z.object({ email: emailSchema, code: otpCodeSchema }),
      before,
      responses: {
        200: {
          description: 'AuthResponse: the e-mail is verified and a session starts',
          schema: AuthResponse,
        },
        400: { description: 'INVALID_OTP' },
        401: { description: 'Account is deactivated' },
        404: { description: 'EMAIL_NOT_CONFIGURED' },
        429: { description: 'OTP_MAX_ATTEMPTS' },
      },
    },
    async (c, { body }) => {
      const otp = services.otp ?? emailNotConfigured();
      const codeId = await otp.check(body.email, 'registration', body.code);
      // A deactivated account keeps its code: the transaction (and with it the code's use) is rolled back.
      const user = await deps.db.transaction(async (tx) => {
        await otp.markUsed(tx, codeId);
        const found = await findUserByEmail(tx, body.email);
        if (!found) throw invalidOtp('Invalid or expired verification code');
        if (!found.isActive) throw accountDeactivated();
        return (await markEmailVerified(tx, found.id)) ?? found;
      });
      return c.json(await signIn(ctx, services, c, user, 'otp'));
    },
  );

  routes.add(
    {
      method: 'post',
      path: '/api/v1/auth/register/resend-otp',
      summary: 'Send a new registration code',
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
      if (await awaitsEmailVerification(deps.db, body.email)) {
        const delivery = await otp.issue(deps.db, body.email, 'registration', clientIpOf(c));
        delivery?.deliver();
      }
      return c.json({ message: RESENT });
    },
  );
}
