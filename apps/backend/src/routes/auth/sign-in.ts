import type { User } from '@syfthub/db';
import { ApiError, clientIpOf } from '@syfthub/service';
import type { Context } from 'hono';
import type { ClientMeta, IssuedTokens } from '../../auth/sessions';
import type { BackendContext, BackendEnv } from '../../http/context';
import { stampLogin } from '../../users/accounts';
import { userJson } from '../../users/serialize';
import type { AuthServices } from './services';

/** Where a request comes from, as stored on a session's refresh-token rows. */
export function clientMetaOf(c: Context<BackendEnv>): ClientMeta {
  return { ip: clientIpOf(c), userAgent: c.req.header('user-agent') };
}

/** 401 for a deactivated account that proved its identity (§5.3, §5.9). */
export function accountDeactivated(): ApiError {
  return new ApiError(401, 'Account is deactivated', { 'WWW-Authenticate': 'Bearer' });
}

/** `AuthResponse` (§5.4). */
function authResponseJson(user: User, tokens: IssuedTokens) {
  return {
    user: userJson(user),
    access_token: tokens.access_token,
    refresh_token: tokens.refresh_token,
    token_type: 'bearer' as const,
  };
}

/** Starts a session for a user who just proved who they are, stamps `last_login_at` and logs the sign-in. */
export async function signIn(
  { deps, sessions }: BackendContext,
  { events }: AuthServices,
  c: Context<BackendEnv>,
  user: User,
  via: 'password' | 'otp',
) {
  const meta = clientMetaOf(c);
  const tokens = await sessions.start(user, meta);
  const stamped = await stampLogin(deps.db, user.id);
  events.succeeded(user, meta.ip, via);
  return authResponseJson(stamped ?? user, tokens);
}
