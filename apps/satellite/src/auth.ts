import type { SatelliteVerifyResult } from '@syfthub/auth';
import { ApiError } from '@syfthub/service';
import type { CatalogueEntry } from './catalogue';

/** What the satellite needs from a token verifier; `createRemoteJwksVerifier` of @syfthub/auth provides it. */
export interface TokenVerifier {
  verify(token: string, options: { audience: string }): Promise<SatelliteVerifyResult>;
}

export interface Caller {
  /** `guest`, the hub role (`user`, `admin`), or `anonymous` when tokens are not required. */
  role: string;
  sub: string | null;
  username: string | null;
}

export interface AuthSettings {
  verifier: TokenVerifier;
  requireToken: boolean;
  /** The satellite owner's username: the audience every token must carry; null until the hub told us. */
  owner: () => string | null;
}

export const GUEST_DENIED_BODY = {
  detail: 'This endpoint requires a signed-in SyftHub user',
  policy_metadata: {
    outcome: 'access_denied',
    entries: [
      {
        policy_type: 'signed_in_only',
        kind: 'access',
        status: 'rejected',
        reason_code: 'GUEST_NOT_ALLOWED',
        reason: 'Guests are not allowed',
      },
    ],
  },
} as const;

/** Thrown for a guest on an endpoint with `allow_guests: false`; answered with {@link GUEST_DENIED_BODY}. */
export class GuestNotAllowedError extends Error {
  constructor() {
    super(GUEST_DENIED_BODY.detail);
    this.name = 'GuestNotAllowedError';
  }
}

function bearerToken(header: string | undefined): string | null {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '');
  return match?.[1] ?? null;
}

/** Verifies the caller's satellite token for `entry` (satellite-protocol.md §4); throws the §3 errors. */
export async function authenticate(
  authorization: string | undefined,
  entry: CatalogueEntry,
  settings: AuthSettings,
): Promise<Caller> {
  if (!settings.requireToken) return { role: 'anonymous', sub: null, username: null };
  const token = bearerToken(authorization);
  if (token === null) {
    throw new ApiError(401, 'Missing satellite token', { 'WWW-Authenticate': 'Bearer' });
  }
  const owner = settings.owner();
  if (owner === null) {
    throw new ApiError(503, 'The satellite is not connected to its hub yet', { 'Retry-After': '5' });
  }
  const result = await settings.verifier.verify(token, { audience: owner });
  if (!result.valid) {
    if (result.error === 'jwks_unavailable') {
      throw new ApiError(503, "The hub's signing keys are unavailable", { 'Retry-After': '5' });
    }
    throw new ApiError(401, `Invalid satellite token: ${result.message}`, {
      'WWW-Authenticate': 'Bearer error="invalid_token"',
    });
  }
  const { claims } = result;
  const isGuest = claims.sub === 'guest' || claims.role === 'guest';
  if (isGuest && !entry.allowGuests) throw new GuestNotAllowedError();
  return {
    role: isGuest ? 'guest' : (claims.role ?? 'user'),
    sub: claims.sub,
    username: isGuest ? null : (claims.username ?? null),
  };
}
