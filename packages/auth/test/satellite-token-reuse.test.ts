import { decodeJwt } from 'jose';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createSatelliteTokenIssuer,
  generateKeyPairPem,
  type KeyRing,
  loadKeyRing,
  verifySatelliteToken,
} from '../src';

const ISSUER = 'http://localhost:8080';
const b64 = (s: string) => Buffer.from(s).toString('base64');
let ring: KeyRing;
let rotated: KeyRing;

async function ringFor(kid: string): Promise<KeyRing> {
  const pair = await generateKeyPairPem(2048);
  const loaded = await loadKeyRing({
    privateKeyPemB64: b64(pair.privateKeyPem),
    keyId: kid,
    autoGenerate: false,
    keysDirectory: '/nonexistent',
    production: true,
  });
  if (!loaded) throw new Error('expected a key ring');
  return loaded;
}

beforeAll(async () => {
  [ring, rotated] = await Promise.all([ringFor('k1'), ringFor('k2')]);
});

afterEach(() => {
  vi.useRealTimers();
});

const alice = { sub: '7', aud: 'carol', role: 'user', username: 'alice', issuer: ISSUER, ttlSeconds: 60 };

describe('createSatelliteTokenIssuer', () => {
  it('reuses a token while more than half of its lifetime remains, then signs a new one', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-12-07T12:00:00.000Z'));
    const issuer = createSatelliteTokenIssuer(ring);
    const first = await issuer.issue(alice);
    expect(first).toMatchObject({ reused: false, expiresIn: 60 });

    vi.setSystemTime(new Date('2026-12-07T12:00:20.400Z'));
    const again = await issuer.issue({ ...alice, aud: ' Carol ' });
    expect(again.token).toBe(first.token);
    expect(again).toMatchObject({ reused: true, expiresIn: 39 });

    vi.setSystemTime(new Date('2026-12-07T12:00:30.000Z'));
    const renewed = await issuer.issue(alice);
    expect(renewed.reused).toBe(false);
    expect(renewed.token).not.toBe(first.token);
    expect(decodeJwt(renewed.token).exp).toBe(decodeJwt(first.token).exp! + 30);
    // The reused token is the one a satellite verifies, with its own exp.
    const verified = await verifySatelliteToken(again.token, {
      keys: ring,
      audience: 'carol',
      issuer: ISSUER,
    });
    expect(verified).toMatchObject({ valid: true, claims: { sub: '7', aud: 'carol', username: 'alice' } });
  });

  it('never shares a token across callers, audiences, roles, issuers, TTLs or signing keys', async () => {
    const issuer = createSatelliteTokenIssuer(ring);
    const base = await issuer.issue(alice);
    const variants = [
      { ...alice, sub: '8' },
      { ...alice, aud: 'dave' },
      { ...alice, role: 'admin' },
      { ...alice, username: 'alice2' },
      { ...alice, issuer: 'https://other.example' },
      { ...alice, ttlSeconds: 120 },
    ];
    const tokens = await Promise.all(variants.map((v) => issuer.issue(v)));
    for (const t of tokens) {
      expect(t.reused).toBe(false);
      expect(t.token).not.toBe(base.token);
    }
    const claims = tokens.map((t) => decodeJwt(t.token));
    expect(claims.map((c) => [c.sub, c.aud, c.role, c.username, c.iss])).toEqual(
      variants.map((v) => [v.sub, v.aud, v.role, v.username, v.issuer]),
    );
    const otherKey = await createSatelliteTokenIssuer(rotated).issue(alice);
    expect(otherKey.token).not.toBe(base.token);
  });

  it('signs once for concurrent requests of the same pair', async () => {
    const issuer = createSatelliteTokenIssuer(ring);
    const all = await Promise.all(Array.from({ length: 20 }, () => issuer.issue(alice)));
    expect(new Set(all.map((t) => t.token)).size).toBe(1);
    expect(all.filter((t) => !t.reused)).toHaveLength(1);
  });

  it('forgets the least recently used pair beyond maxEntries', async () => {
    const issuer = createSatelliteTokenIssuer(ring, { maxEntries: 2 });
    const a = await issuer.issue({ ...alice, aud: 'a' });
    await issuer.issue({ ...alice, aud: 'b' });
    expect((await issuer.issue({ ...alice, aud: 'a' })).token).toBe(a.token); // a is now the most recent
    await issuer.issue({ ...alice, aud: 'c' }); // evicts b
    expect(issuer.size).toBe(2);
    expect((await issuer.issue({ ...alice, aud: 'a' })).reused).toBe(true);
    expect((await issuer.issue({ ...alice, aud: 'b' })).reused).toBe(false);
  });

  it('does not remember a failed signature', async () => {
    const issuer = createSatelliteTokenIssuer(ring);
    await expect(issuer.issue({ ...alice, aud: '   ' })).rejects.toThrow(/audience/);
    expect(issuer.size).toBe(0);
  });
});
