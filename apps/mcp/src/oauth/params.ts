import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** The scopes this server knows; requests for others are silently narrowed (mcp.md §4.1, §4.3). */
export const SUPPORTED_SCOPES = ['openid', 'profile', 'email'] as const;
export const DEFAULT_SCOPE = SUPPORTED_SCOPES.join(' ');

const PKCE_VALUE = /^[A-Za-z0-9\-._~]{43,128}$/;
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
const FORBIDDEN_SCHEMES = new Set(['javascript:', 'data:', 'file:', 'vbscript:', 'about:', 'blob:']);
const MAX_REDIRECT_URI_LENGTH = 2000;

/** `n` random bytes as base64url (no padding). */
export function randomToken(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/** Constant-time comparison of two strings of possibly different lengths (their digests are compared). */
export function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(
    createHash('sha256').update(a, 'utf8').digest(),
    createHash('sha256').update(b, 'utf8').digest(),
  );
}

/** Known scopes of a space-separated list, deduplicated; the default set when none remains. */
export function narrowScope(requested: string | undefined): string {
  const asked = new Set((requested ?? '').split(' ').filter((s) => s !== ''));
  const kept = SUPPORTED_SCOPES.filter((scope) => asked.has(scope));
  return kept.length > 0 ? kept.join(' ') : DEFAULT_SCOPE;
}

export function scopeSet(scope: string): Set<string> {
  return new Set(scope.split(' ').filter((s) => s !== ''));
}

export function isValidPkceValue(value: string | undefined): value is string {
  return value !== undefined && PKCE_VALUE.test(value);
}

/** `BASE64URL(SHA-256(verifier))` compared in constant time with the stored challenge (RFC 7636 S256). */
export function pkceMatches(verifier: string, challenge: string): boolean {
  const computed = createHash('sha256').update(verifier, 'ascii').digest('base64url');
  return safeEqual(computed, challenge);
}

function isLoopbackHost(url: URL): boolean {
  return LOOPBACK_HOSTS.has(url.hostname.toLowerCase());
}

/**
 * A redirect URI a client may register (mcp.md §4.1): absolute, no fragment, no credentials; `https` anywhere,
 * `http` only on loopback, or a private-use scheme other than the dangerous ones. Returns a reason when refused.
 */
export function redirectUriProblem(value: unknown): string | null {
  if (typeof value !== 'string' || value === '') return 'must be a non-empty string';
  if (value.length > MAX_REDIRECT_URI_LENGTH) return `must be at most ${MAX_REDIRECT_URI_LENGTH} characters`;
  if (value.includes('#')) return 'must not contain a fragment';
  if (/[\s<>"\\^`{|}]/.test(value)) return 'must not contain spaces or unsafe characters';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute URI';
  }
  if (url.username !== '' || url.password !== '') return 'must not contain credentials';
  const scheme = url.protocol.toLowerCase();
  if (scheme === 'https:') return url.hostname === '' ? 'must name a host' : null;
  if (scheme === 'http:') return isLoopbackHost(url) ? null : 'http is allowed only for loopback hosts';
  if (FORBIDDEN_SCHEMES.has(scheme)) return `the ${scheme.slice(0, -1)} scheme is not allowed`;
  return null;
}

/**
 * Whether `requested` is one of the registered redirect URIs: exact string equality, except that a registered
 * loopback `http` URI without a port matches the same URI with any port (RFC 8252 §7.3).
 */
export function matchRedirectUri(registered: readonly string[], requested: string): boolean {
  if (registered.includes(requested)) return true;
  let url: URL;
  try {
    url = new URL(requested);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' || !isLoopbackHost(url) || url.port === '') return false;
  url.port = '';
  return registered.some((candidate) => {
    try {
      const reg = new URL(candidate);
      return reg.protocol === 'http:' && reg.port === '' && isLoopbackHost(reg) && reg.href === url.href;
    } catch {
      return false;
    }
  });
}

/** `uri` with `params` appended as query parameters, after `?` or `&` as the URI requires. */
export function appendQuery(uri: string, params: Record<string, string | undefined>): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined) query.append(key, value);
  const separator = uri.includes('?') ? (uri.endsWith('?') || uri.endsWith('&') ? '' : '&') : '?';
  return `${uri}${separator}${query.toString()}`;
}

/**
 * RFC 8707 resource normalisation (mcp.md §4.3): lowercase scheme and host, default port dropped (both done by
 * URL parsing), trailing `/` of the path removed. Null for anything that is not an absolute http(s) URL without a
 * fragment.
 */
export function normaliseResource(value: string): string | null {
  if (value.includes('#')) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (url.username !== '' || url.password !== '') return null;
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}${url.search}`;
}
