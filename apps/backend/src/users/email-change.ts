import type { Principal } from '@syfthub/auth';
import type { User } from '@syfthub/db';
import { ApiError, validationItem } from '@syfthub/service';
import { deliverWithRetries } from '../email/deliver';
import type { BackendContext } from '../http/context';
import { permissionDenied } from './errors';

/**
 * An e-mail change hands the account to whoever reads the new address (password resets go there), so it needs
 * more than a credential that can edit the profile: a session plus the caller's current password. API tokens,
 * which are handed to scripts and satellites, never change it (docs: apps/backend/README.md, "E-mail changes").
 */
export async function authorizeEmailChange(
  ctx: BackendContext,
  caller: Principal<User>,
  currentPassword: string | null | undefined,
): Promise<void> {
  if (caller.kind === 'api_token') {
    throw permissionDenied(
      'An API token cannot change the e-mail address. Sign in and confirm the change with your current password.',
    );
  }
  if (currentPassword == null) {
    throw new ApiError(422, [
      validationItem(
        'body',
        ['current_password'],
        'missing',
        'The current password is required to change the e-mail address',
      ),
    ]);
  }
  const hash = caller.user.passwordHash;
  const verdict = hash ? await ctx.deps.passwords.verify(hash, currentPassword) : { valid: false };
  // 400, not 401: the caller's credential is valid (README §2.4), as for a password change (§5.8).
  if (!verdict.valid) throw new ApiError(400, 'Current password is incorrect');
}

function masked(email: string): string {
  const [local = '', domain = ''] = email.split('@');
  return `${local.slice(0, 1)}***@${domain}`;
}

/** Tells the previous address that the account moved, so a takeover does not go unnoticed. */
export function notifyPreviousAddress(ctx: BackendContext, user: User, previous: string, next: string): void {
  const { deps } = ctx;
  deps.logger.info({ event: 'user.email.changed', user_id: user.id });
  if (!deps.email) return;
  void deliverWithRetries(
    deps.email,
    {
      to: previous,
      subject: 'The e-mail address of your SyftHub account was changed',
      text:
        `The e-mail address of the SyftHub account '${user.username}' was changed from this address to ` +
        `${masked(next)}.\n\nIf you made this change, there is nothing to do. If you did not, your account may be ` +
        "in someone else's hands: contact the administrator of this hub.",
    },
    { config: deps.config, logger: deps.logger, event: 'user.email.notice', fields: { user_id: user.id } },
  );
}
