import { createHmac } from 'node:crypto';
import type { User } from '@syfthub/db';
import type { BackendDeps } from '../deps';

/** Why a sign-in failed (operations.md §6.2); also the `result` label of `auth_logins_total`. */
export type LoginFailureReason = 'unknown_user' | 'bad_password' | 'inactive' | 'unverified';

/** Logs and counts sign-ins: `user.login.success` / `user.login.failed` and `auth_logins_total{result}`. */
export interface LoginEvents {
  succeeded(user: Pick<User, 'id' | 'username'>, clientIp: string, via: 'password' | 'otp'): void;
  failed(reason: LoginFailureReason, identifier: string, clientIp: string): void;
}

export function createLoginEvents(
  deps: Pick<BackendDeps, 'config' | 'logger' | 'backendMetrics'>,
): LoginEvents {
  const { config, logger, backendMetrics } = deps;
  // Keyed, so that a leaked log cannot be reversed by hashing a list of known e-mail addresses.
  const identifierHash = (identifier: string) =>
    createHmac('sha256', config.SECRET_KEY)
      .update(identifier.toLowerCase(), 'utf8')
      .digest('hex')
      .slice(0, 16);

  return {
    succeeded(user, clientIp, via) {
      backendMetrics.logins.inc({ result: 'success' });
      logger.info({
        event: 'user.login.success',
        user_id: user.id,
        username: user.username,
        client_ip: clientIp,
        via,
      });
    },
    failed(reason, identifier, clientIp) {
      backendMetrics.logins.inc({ result: reason });
      logger.warn({
        event: 'user.login.failed',
        reason,
        identifier_hash: identifierHash(identifier),
        client_ip: clientIp,
      });
    },
  };
}
