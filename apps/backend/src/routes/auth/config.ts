import { AuthConfig } from '@syfthub/contracts';
import type { BackendContext } from '../../http/context';

/** `GET /auth/config` (§5.1): every flag is "an e-mail sender is configured". */
export function registerAuthConfigRoute({ routes, deps }: BackendContext): void {
  routes.add(
    {
      method: 'get',
      path: '/api/v1/auth/config',
      summary: 'Sign-up and sign-in features of this hub',
      tags: ['auth'],
      auth: 'none',
      responses: {
        200: {
          description: 'Whether e-mail verification and password reset are available',
          schema: AuthConfig,
        },
      },
    },
    (c) => {
      const enabled = deps.email !== null;
      return c.json({
        require_email_verification: enabled,
        smtp_configured: enabled,
        password_reset_enabled: enabled,
      } satisfies AuthConfig);
    },
  );
}
