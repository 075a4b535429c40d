import { ApiError } from '@syfthub/service';

export const KEY_NOT_CONFIGURED_MESSAGE = 'Identity Provider not configured. RSA keys are unavailable.';

/** The key ring (or what signs with it), or the 503 of backend-api.md §10.1 when the hub runs without signing keys. */
export function requireKeyRing<T>(ring: T | null): T {
  if (!ring) throw new ApiError(503, { code: 'KEY_NOT_CONFIGURED', message: KEY_NOT_CONFIGURED_MESSAGE });
  return ring;
}

/** A user lookup the identity provider depends on failed: fail closed rather than mint or vouch blindly. */
export const identityLookupFailed = () =>
  new ApiError(
    503,
    {
      code: 'IDENTITY_LOOKUP_FAILED',
      message: 'User records are temporarily unavailable. Try again shortly.',
    },
    { 'Retry-After': '5' },
  );

/** Runs a database lookup, turning any failure into {@link identityLookupFailed} after logging it. */
export async function failClosed<T>(
  logger: { error(obj: object): void },
  event: string,
  lookup: () => Promise<T>,
): Promise<T> {
  try {
    return await lookup();
  } catch (err) {
    logger.error({ event, err });
    throw identityLookupFailed();
  }
}
