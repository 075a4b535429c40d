import { CORRELATION_HEADER, fetchWithContext } from '@syfthub/service';

// Calls to the hub (AGGREGATOR_SYFTHUB_URL): trusted configuration, so not subject to the satellites' SSRF guard.

/** The hub's base URL without a trailing slash. */
export function hubBase(url: string): string {
  return url.replace(/\/+$/, '');
}

/**
 * A satellite token for `owner`'s endpoints: the caller's (with their hub bearer), or a guest token when the caller
 * has none or is refused. Null when neither can be minted: the satellite then decides what a caller without one
 * may see.
 */
export async function satelliteToken(
  hubUrl: string,
  bearer: string | undefined,
  owner: string,
  signal: AbortSignal,
  correlationId: string,
): Promise<string | null> {
  const aud = encodeURIComponent(owner);
  const attempts = bearer
    ? [{ path: `/api/v1/token?aud=${aud}`, auth: bearer }, { path: `/api/v1/token/guest?aud=${aud}` }]
    : [{ path: `/api/v1/token/guest?aud=${aud}` }];
  for (const attempt of attempts) {
    if (signal.aborted) return null;
    try {
      const res = await fetchWithContext(`${hubUrl}${attempt.path}`, {
        headers: {
          [CORRELATION_HEADER]: correlationId,
          ...(attempt.auth ? { Authorization: attempt.auth } : {}),
        },
        signal,
      });
      if (!res.ok) {
        await res.body?.cancel();
        continue;
      }
      const body = (await res.json()) as { target_token?: unknown };
      if (typeof body.target_token === 'string') return body.target_token;
    } catch {
      // The next attempt, or no token.
    }
  }
  return null;
}
