/** Reads `exp` (epoch seconds) from a JWT without verifying it; null when the token is not a readable JWT. */
export function readJwtExpiry(token: string): number | null {
  const payload = token.split('.')[1];
  if (!payload) return null;
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
    const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4);
    const claims: unknown = JSON.parse(atob(padded));
    if (typeof claims !== 'object' || claims === null) return null;
    const exp = (claims as Record<string, unknown>).exp;
    return typeof exp === 'number' ? exp : null;
  } catch {
    return null;
  }
}

/** True when the token expires within `withinSeconds` of `nowMs` (or already has). Unreadable tokens never do. */
export function expiresSoon(token: string, withinSeconds: number, nowMs: number): boolean {
  const exp = readJwtExpiry(token);
  return exp !== null && exp * 1000 - nowMs <= withinSeconds * 1000;
}
