import { createPublicKey, type KeyObject, randomUUID } from 'node:crypto';
import { decodeProtectedHeader, errors, type JWTPayload, jwtVerify, SignJWT } from 'jose';
import type { KeyRing } from './keys';

/** Error codes of backend-api.md §10.4 that can be decided without a database, plus `jwks_unavailable`. */
export type SatelliteVerifyErrorCode =
  | 'invalid_token_format'
  | 'missing_kid'
  | 'unknown_key'
  | 'token_expired'
  | 'audience_mismatch'
  | 'invalid_issuer'
  | 'invalid_signature'
  | 'decode_error'
  | 'verification_error'
  | 'invalid_token'
  | 'jwks_unavailable';

export interface SatelliteClaims {
  /** Hub user id as a decimal string, or `"guest"`. */
  sub: string;
  iss: string;
  aud: string | string[];
  iat?: number;
  exp: number;
  /** Sent by every SyftHub hub; optional so tokens of older hubs still verify. */
  role?: string;
  username?: string;
  jti?: string;
}

export type SatelliteVerifyResult =
  | { valid: true; claims: SatelliteClaims }
  | { valid: false; error: SatelliteVerifyErrorCode; message: string };

/** Looks up a verification key by `kid`; undefined means the kid is unknown. */
export type SatelliteKeyResolver = (kid: string) => Promise<KeyObject | undefined> | KeyObject | undefined;

export interface SignSatelliteTokenInput {
  /** User id as a string, or `"guest"`. */
  sub: string;
  /** Target username; trimmed and lowercased. */
  aud: string;
  role: string;
  username: string;
  issuer: string;
  ttlSeconds?: number;
}

export async function signSatelliteToken(
  ring: KeyRing,
  input: SignSatelliteTokenInput,
): Promise<{ token: string; expiresIn: number }> {
  const aud = input.aud.trim().toLowerCase();
  if (aud === '') throw new TypeError('Satellite token audience must not be blank');
  const ttl = input.ttlSeconds ?? 60;
  if (!Number.isInteger(ttl) || ttl <= 0) throw new RangeError('ttlSeconds must be a positive integer');
  const iat = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({
    sub: input.sub,
    iss: input.issuer,
    aud,
    iat,
    exp: iat + ttl,
    role: input.role,
    username: input.username,
    jti: randomUUID(),
  })
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: ring.currentKid })
    .sign(ring.signingKey);
  return { token, expiresIn: ttl };
}

export interface VerifySatelliteTokenOptions {
  keys: KeyRing | SatelliteKeyResolver;
  /** The satellite owner's username; compared in lowercase. */
  audience: string;
  /** The hub's `ISSUER_URL`, compared exactly. */
  issuer: string;
  /** Leeway for `exp` and `nbf` (satellite-protocol.md §4: at most 10 s). */
  clockToleranceSeconds?: number;
  /** How far in the future `iat` may lie before the token is rejected. */
  maxFutureIatSeconds?: number;
}

/** Tokens are at most 8 KiB on the wire (§10.4); anything much larger is not worth parsing. */
const MAX_TOKEN_LENGTH = 16 * 1024;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** Thrown by key resolvers that cannot reach their key source at all (as opposed to not knowing the kid). */
export class KeySourceUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KeySourceUnavailableError';
  }
}

function fail(error: SatelliteVerifyErrorCode, message: string): SatelliteVerifyResult {
  return { valid: false, error, message };
}

function mapJoseError(err: unknown): SatelliteVerifyResult {
  if (err instanceof errors.JWTExpired) return fail('token_expired', 'Token has expired');
  if (err instanceof errors.JWSSignatureVerificationFailed) {
    return fail('invalid_signature', 'Token signature verification failed');
  }
  if (err instanceof errors.JWTInvalid || err instanceof errors.JWSInvalid) {
    return fail('decode_error', 'Token payload cannot be decoded');
  }
  if (err instanceof errors.JWTClaimValidationFailed) {
    return fail('verification_error', `Token claims are invalid: ${err.message}`);
  }
  return fail('verification_error', 'Token verification failed');
}

function audienceMatches(aud: unknown, expected: string): boolean {
  const list = Array.isArray(aud) ? aud : [aud];
  return list.some((a) => typeof a === 'string' && a.toLowerCase() === expected);
}

function describeAudience(aud: unknown): string {
  if (typeof aud === 'string') return aud;
  if (Array.isArray(aud)) return aud.filter((a) => typeof a === 'string').join(', ');
  return '';
}

function toClaims(payload: JWTPayload): SatelliteClaims {
  const claims: SatelliteClaims = {
    sub: payload.sub as string,
    iss: payload.iss as string,
    aud: payload.aud as string | string[],
    exp: payload.exp as number,
  };
  if (typeof payload.iat === 'number') claims.iat = payload.iat;
  for (const name of ['role', 'username', 'jti'] as const) {
    const value = payload[name];
    if (typeof value === 'string') claims[name] = value;
  }
  return claims;
}

/**
 * Verifies a hub satellite token (backend-api.md §10.4, satellite-protocol.md §4): RS256 only, key chosen by
 * `kid`, then `exp`, `iss`, `aud` and `sub`. Never throws for a bad token; a resolver's unexpected errors propagate.
 */
export async function verifySatelliteToken(
  token: string,
  options: VerifySatelliteTokenOptions,
): Promise<SatelliteVerifyResult> {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH || !COMPACT_JWS.test(token)) {
    return fail('invalid_token_format', 'Token is not a well-formed JWT');
  }
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    return fail('invalid_token_format', 'Token header cannot be decoded');
  }
  // Checked before the key lookup so that `none`/HMAC tokens never trigger a JWKS refetch.
  if (header.alg !== 'RS256') {
    return fail('verification_error', `Token algorithm ${JSON.stringify(header.alg ?? null)} is not allowed`);
  }
  const kid = header.kid;
  if (typeof kid !== 'string' || kid === '') return fail('missing_kid', 'Token header has no kid');

  let key: KeyObject | undefined;
  try {
    key = typeof options.keys === 'function' ? await options.keys(kid) : options.keys.publicKeys.get(kid);
  } catch (err) {
    if (err instanceof KeySourceUnavailableError) return fail('jwks_unavailable', err.message);
    throw err;
  }
  if (key === undefined) return fail('unknown_key', `No key with kid '${kid}' is known`);

  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, key, {
      algorithms: ['RS256'],
      clockTolerance: options.clockToleranceSeconds ?? 10,
      requiredClaims: ['exp'],
    }));
  } catch (err) {
    return mapJoseError(err);
  }

  const nowSeconds = Math.floor(Date.now() / 1000);
  if (typeof payload.iat === 'number' && payload.iat > nowSeconds + (options.maxFutureIatSeconds ?? 60)) {
    return fail('verification_error', 'Token was issued in the future');
  }
  if (payload.iss !== options.issuer) {
    return fail('invalid_issuer', `Token issuer '${String(payload.iss ?? '')}' is not '${options.issuer}'`);
  }
  const expectedAudience = options.audience.trim().toLowerCase();
  if (!audienceMatches(payload.aud, expectedAudience)) {
    return fail(
      'audience_mismatch',
      `Token audience '${describeAudience(payload.aud)}' does not match '${expectedAudience}'`,
    );
  }
  if (typeof payload.sub !== 'string' || payload.sub === '') {
    return fail('invalid_token', 'Token has no subject');
  }
  return { valid: true, claims: toClaims(payload) };
}

export interface RemoteJwksVerifierOptions {
  jwksUrl: string | URL;
  issuer: string;
  /** Cache lifetime when the JWKS response has no `Cache-Control: max-age`. Default 300 s. */
  cacheMaxAgeMs?: number;
  /** Minimum time between refetches caused by unknown kids. Default 30 s (satellite-protocol.md §4). */
  refetchCooldownMs?: number;
  timeoutMs?: number;
  clockToleranceSeconds?: number;
  fetch?: typeof fetch;
}

export interface RemoteJwksVerifier {
  verify(token: string, options: { audience: string }): Promise<SatelliteVerifyResult>;
  /** Fetches the JWKS now (e.g. at start-up or from a readiness probe); throws when it cannot. */
  refresh(): Promise<void>;
}

/** The hub publishes max-age=300; a misconfigured hub must not make verifiers cache its keys for days. */
const MAX_CACHE_AGE_MS = 60 * 60 * 1000;
/** After a failed fetch, retry sooner than the unknown-kid cooldown so a satellite recovers quickly. */
const FAILED_FETCH_BACKOFF_MS = 5000;

function parseMaxAge(cacheControl: string | null): number | undefined {
  if (cacheControl === null) return undefined;
  if (/(^|,)\s*(no-store|no-cache)\s*(,|$)/i.test(cacheControl)) return 0;
  const match = /(?:^|,)\s*max-age\s*=\s*"?(\d+)"?/i.exec(cacheControl);
  return match?.[1] === undefined ? undefined : Number(match[1]) * 1000;
}

function importJwks(body: unknown): Map<string, KeyObject> {
  if (typeof body !== 'object' || body === null || !Array.isArray((body as { keys?: unknown }).keys)) {
    throw new Error('JWKS response has no "keys" array');
  }
  const keys = new Map<string, KeyObject>();
  for (const entry of (body as { keys: unknown[] }).keys) {
    if (typeof entry !== 'object' || entry === null) continue;
    const jwk = entry as Record<string, unknown>;
    if (jwk.kty !== 'RSA' || typeof jwk.kid !== 'string' || jwk.kid === '') continue;
    if (jwk.use !== undefined && jwk.use !== 'sig') continue;
    if (jwk.alg !== undefined && jwk.alg !== 'RS256') continue;
    if (typeof jwk.n !== 'string' || typeof jwk.e !== 'string') continue;
    try {
      keys.set(jwk.kid, createPublicKey({ key: { kty: 'RSA', n: jwk.n, e: jwk.e }, format: 'jwk' }));
    } catch {
      // One malformed key must not hide the others.
    }
  }
  return keys;
}

/**
 * Verifies satellite tokens against a hub's JWKS over HTTP. Keys are cached for the response's max-age (at most one
 * hour); an unknown kid triggers one refetch, at most once per cooldown, so a flood of forged kids cannot hammer the
 * hub. When a refresh fails, the last known keys stay in use.
 */
export function createRemoteJwksVerifier(options: RemoteJwksVerifierOptions): RemoteJwksVerifier {
  const url = String(options.jwksUrl);
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const defaultMaxAge = options.cacheMaxAgeMs ?? 300_000;
  const cooldown = options.refetchCooldownMs ?? 30_000;
  const timeoutMs = options.timeoutMs ?? 5000;

  let keys = new Map<string, KeyObject>();
  let fetchedAt = Number.NEGATIVE_INFINITY;
  let maxAge = defaultMaxAge;
  let lastAttemptAt = Number.NEGATIVE_INFINITY;
  let lastAttemptFailed = false;
  let inFlight: Promise<void> | undefined;

  async function fetchOnce(): Promise<void> {
    lastAttemptAt = Date.now();
    try {
      const res = await fetchImpl(url, {
        headers: { accept: 'application/json' },
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (!res.ok) throw new Error(`JWKS fetch from ${url} answered HTTP ${res.status}`);
      const imported = importJwks(await res.json());
      const headerAge = parseMaxAge(res.headers.get('cache-control'));
      keys = imported;
      fetchedAt = Date.now();
      maxAge = Math.min(
        headerAge === undefined ? defaultMaxAge : Math.max(headerAge, cooldown),
        MAX_CACHE_AGE_MS,
      );
      lastAttemptFailed = false;
    } catch (err) {
      lastAttemptFailed = true;
      throw new KeySourceUnavailableError(`Cannot fetch the hub's JWKS from ${url}`, { cause: err });
    }
  }

  function refresh(): Promise<void> {
    inFlight ??= fetchOnce().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  }

  function mayRetry(minGapMs: number): boolean {
    return Date.now() - lastAttemptAt >= minGapMs;
  }

  /** Refreshes, but reports failure as "no keys available" only when nothing was ever fetched. */
  async function tryRefresh(): Promise<void> {
    try {
      await refresh();
    } catch (err) {
      if (keys.size === 0) throw err;
    }
  }

  async function resolve(kid: string): Promise<KeyObject | undefined> {
    const stale = Date.now() - fetchedAt > maxAge;
    if (stale && mayRetry(lastAttemptFailed ? Math.min(cooldown, FAILED_FETCH_BACKOFF_MS) : 0)) {
      await tryRefresh();
    } else if (inFlight) {
      await inFlight.catch(() => undefined);
    }
    if (keys.size === 0 && lastAttemptFailed) {
      throw new KeySourceUnavailableError(`The hub's JWKS at ${url} is unavailable`);
    }
    const known = keys.get(kid);
    if (known !== undefined || !mayRetry(cooldown)) return known;
    await tryRefresh();
    return keys.get(kid);
  }

  return {
    verify: (token, { audience }) =>
      verifySatelliteToken(token, {
        keys: resolve,
        audience,
        issuer: options.issuer,
        clockToleranceSeconds: options.clockToleranceSeconds,
      }),
    refresh,
  };
}
