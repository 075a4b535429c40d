import type { KeyRing } from './keys';
import { type SignSatelliteTokenInput, signSatelliteToken } from './satellite-tokens';

export interface SatelliteTokenIssuerOptions {
  /** Most (caller, audience) pairs remembered at once; the least recently used is forgotten first. Default 10,000. */
  maxEntries?: number;
}

export interface IssuedSatelliteToken {
  token: string;
  /** Seconds until the token expires, counted from now (less than the TTL for a reused token). */
  expiresIn: number;
  reused: boolean;
}

export interface SatelliteTokenIssuer {
  issue(input: SignSatelliteTokenInput): Promise<IssuedSatelliteToken>;
  /** How many tokens are remembered, for tests and metrics. */
  readonly size: number;
}

interface Remembered {
  token: Promise<{ token: string; expiresAtMs: number }>;
  ttlMs: number;
}

/**
 * Signs satellite tokens with `ring`, reusing the last token of the same caller (sub, role, username), audience,
 * issuer, TTL and signing key while more than half of its lifetime remains (satellite-protocol.md §4: satellites
 * must not reject a token for a repeated `jti`). Concurrent requests for the same pair share one signature.
 */
export function createSatelliteTokenIssuer(
  ring: KeyRing,
  options: SatelliteTokenIssuerOptions = {},
): SatelliteTokenIssuer {
  const maxEntries = options.maxEntries ?? 10_000;
  const now = () => Date.now();
  const remembered = new Map<string, Remembered>();

  function keyOf(input: SignSatelliteTokenInput): string {
    const ttl = input.ttlSeconds ?? 60;
    return JSON.stringify([
      ring.currentKid,
      input.issuer,
      input.sub,
      input.aud.trim().toLowerCase(),
      input.role,
      input.username,
      ttl,
    ]);
  }

  function sign(input: SignSatelliteTokenInput): Remembered {
    const ttlMs = (input.ttlSeconds ?? 60) * 1000;
    const token = signSatelliteToken(ring, input).then(({ token, expiresIn }) => ({
      token,
      // signSatelliteToken counts exp from the whole second it was signed in.
      expiresAtMs: Math.floor(now() / 1000) * 1000 + expiresIn * 1000,
    }));
    return { token, ttlMs };
  }

  function remember(key: string, entry: Remembered): void {
    remembered.set(key, entry);
    while (remembered.size > maxEntries) {
      const oldest = remembered.keys().next().value as string;
      remembered.delete(oldest);
    }
    // A failed signature is not remembered.
    entry.token.catch(() => {
      if (remembered.get(key) === entry) remembered.delete(key);
    });
  }

  return {
    async issue(input) {
      const key = keyOf(input);
      const known = remembered.get(key);
      if (known) {
        const { token, expiresAtMs } = await known.token;
        const remainingMs = expiresAtMs - now();
        if (remainingMs > known.ttlMs / 2) {
          // Most recently used last, so eviction drops the pairs nobody asks for.
          remembered.delete(key);
          remembered.set(key, known);
          return { token, expiresIn: Math.max(1, Math.floor(remainingMs / 1000)), reused: true };
        }
        if (remembered.get(key) === known) remembered.delete(key);
      }
      const entry = sign(input);
      remember(key, entry);
      const { token } = await entry.token;
      return { token, expiresIn: entry.ttlMs / 1000, reused: false };
    },
    get size() {
      return remembered.size;
    },
  };
}
