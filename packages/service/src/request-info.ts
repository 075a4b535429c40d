import type { Context } from 'hono';
import {
  clientIp,
  DEFAULT_TRUSTED_PROXIES,
  parseCidrList,
  rateLimitSubject,
  type TrustedProxies,
} from './client-ip';

let defaultTrusted: TrustedProxies | undefined;
// Kept on the request's context itself: two WeakMap entries per request cost more than two properties.
const TRUSTED = Symbol('syfthub.trustedProxies');
const CLIENT_IP = Symbol('syfthub.clientIp');
type Marked = Context & { [TRUSTED]?: TrustedProxies; [CLIENT_IP]?: string };

/** Makes {@link clientIpOf} use `trusted` for this request (set by the service app from its configuration). */
export function bindTrustedProxies(c: Context, trusted: TrustedProxies): void {
  const marked = c as Marked;
  marked[TRUSTED] = trusted;
  marked[CLIENT_IP] = undefined;
}

/** The caller's IP for logs and errors, honouring the app's trusted proxies (the default list otherwise). */
export function clientIpOf(c: Context): string {
  // Asked for by the request log on the way in and out, by rate limits and error handlers: worked out once.
  const marked = c as Marked;
  let ip = marked[CLIENT_IP];
  if (ip === undefined) {
    defaultTrusted ??= parseCidrList(DEFAULT_TRUSTED_PROXIES);
    ip = clientIp(c, marked[TRUSTED] ?? defaultTrusted);
    marked[CLIENT_IP] = ip;
  }
  return ip;
}

/** The key per-client rate limits count this caller under (its IP, or its IPv6 /64; see rateLimitSubject). */
export function clientRateSubjectOf(c: Context): string {
  return rateLimitSubject(clientIpOf(c));
}

/** The id of the signed-in user (`principal.user.id`) when auth middleware set one. */
export function userIdOf(c: Context): string | number | undefined {
  const principal: unknown = c.get('principal');
  if (typeof principal !== 'object' || principal === null || !('user' in principal)) return undefined;
  const { user } = principal;
  if (typeof user !== 'object' || user === null || !('id' in user)) return undefined;
  const { id } = user;
  return typeof id === 'string' || typeof id === 'number' ? id : undefined;
}
