import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const API_TOKEN_PREFIX = 'syft_pat_';
/** Length of the stored, displayable token prefix (`api_tokens.token_prefix`). */
export const API_TOKEN_PREFIX_LENGTH = 16;

const WELL_FORMED = /^syft_pat_[A-Za-z0-9_-]{43}$/;

export interface GeneratedApiToken {
  /** The full secret; shown to the user once and never stored. */
  token: string;
  prefix: string;
  /** SHA-256 hex of the full token, the lookup key. */
  hash: string;
}

export function hashApiToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function generateApiToken(): GeneratedApiToken {
  const token = API_TOKEN_PREFIX + randomBytes(32).toString('base64url');
  return { token, prefix: token.slice(0, API_TOKEN_PREFIX_LENGTH), hash: hashApiToken(token) };
}

/** README §2.7: a bearer credential starting with `syft_` is an API token; anything else is a hub JWT. */
export function isApiTokenCredential(credential: string): boolean {
  return credential.startsWith('syft_');
}

export function isWellFormedApiToken(credential: string): boolean {
  return WELL_FORMED.test(credential);
}

/** Constant-time comparison of two hex digests; different lengths or non-hex input compare unequal. */
export function timingSafeEqualHex(a: string, b: string): boolean {
  if (a.length !== b.length || a.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(a + b)) return false;
  return timingSafeEqual(Buffer.from(a, 'hex'), Buffer.from(b, 'hex'));
}

export type Scope = 'read' | 'write' | 'full';

export const SCOPES: readonly Scope[] = ['read', 'write', 'full'];

const RANK: Record<Scope, number> = { read: 1, write: 2, full: 3 };

export function isScope(value: unknown): value is Scope {
  return typeof value === 'string' && Object.hasOwn(RANK, value);
}

/** The largest scope held (`full` > `write` > `read`); null when none of the values is a known scope. */
export function effectiveScope(scopes: readonly unknown[]): Scope | null {
  let best: Scope | null = null;
  for (const scope of scopes) {
    if (isScope(scope) && (best === null || RANK[scope] > RANK[best])) best = scope;
  }
  return best;
}

export function scopeAllows(effective: Scope | null, required: Scope): boolean {
  return effective !== null && RANK[effective] >= RANK[required];
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface RouteScopeTraits {
  /** Admin routes, API-token management, password change and account deletion (backend-api.md §2.5). */
  restricted?: boolean;
  /** POST routes that change nothing on the hub: verify, search, logout and the invocation proxy. */
  readOnlyPost?: boolean;
}

/** The scope an API token needs for a route (backend-api.md §2.5). */
export function requiredScopeFor(method: string, traits: RouteScopeTraits = {}): Scope {
  if (traits.restricted) return 'full';
  const upper = method.toUpperCase();
  if (SAFE_METHODS.has(upper)) return 'read';
  if (upper === 'POST' && traits.readOnlyPost) return 'read';
  return 'write';
}
