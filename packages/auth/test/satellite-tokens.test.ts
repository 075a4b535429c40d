import { createPrivateKey } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createRemoteJwksVerifier,
  generateKeyPairPem,
  type KeyRing,
  loadKeyRing,
  type PemKeyPair,
  signSatelliteToken,
  verifySatelliteToken,
} from '../src';

const ISSUER = 'http://localhost:8080';
const b64 = (s: string) => Buffer.from(s).toString('base64');

let pairA: PemKeyPair;
let pairB: PemKeyPair;
let ringA: KeyRing;
let ringB: KeyRing;

async function ringFor(current: PemKeyPair, kid: string, previous?: { pair: PemKeyPair; kid: string }) {
  const ring = await loadKeyRing({
    privateKeyPemB64: b64(current.privateKeyPem),
    publicKeyPemB64: b64(current.publicKeyPem),
    keyId: kid,
    previousPublicKeyPemB64: previous ? b64(previous.pair.publicKeyPem) : undefined,
    previousKeyId: previous?.kid,
    autoGenerate: false,
    keysDirectory: '/nonexistent',
    production: true,
  });
  if (!ring) throw new Error('expected a key ring');
  return ring;
}

beforeAll(async () => {
  [pairA, pairB] = await Promise.all([generateKeyPairPem(2048), generateKeyPairPem(2048)]);
  ringA = await ringFor(pairA, 'hub-key-1');
  ringB = await ringFor(pairB, 'hub-key-2', { pair: pairA, kid: 'hub-key-1' });
});

const baseInput = { sub: '17', aud: '  Alice ', role: 'user', username: 'bob', issuer: ISSUER };

/** Signs arbitrary claims with ring A's private key, for tokens our signer would never produce. */
async function forge(
  claims: Record<string, unknown>,
  header: Record<string, unknown> = { alg: 'RS256', typ: 'JWT', kid: 'hub-key-1' },
) {
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', ...header }).sign(ringA.signingKey);
}

const now = () => Math.floor(Date.now() / 1000);
const wire = { sub: '17', iss: ISSUER, aud: 'alice', role: 'user', username: 'bob' };

describe('signSatelliteToken', () => {
  it('produces the §10.2 header and claims', async () => {
    const { token, expiresIn } = await signSatelliteToken(ringA, baseInput);
    expect(expiresIn).toBe(60);
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'RS256', typ: 'JWT', kid: 'hub-key-1' });
    const claims = decodeJwt(token);
    expect(Object.keys(claims).sort()).toEqual(
      ['aud', 'exp', 'iat', 'iss', 'jti', 'role', 'sub', 'username'].sort(),
    );
    expect(claims).toMatchObject({ sub: '17', aud: 'alice', iss: ISSUER, role: 'user', username: 'bob' });
    expect(claims.exp).toBe((claims.iat ?? 0) + 60);
    expect(claims.jti).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const second = await signSatelliteToken(ringA, baseInput);
    expect(decodeJwt(second.token).jti).not.toBe(claims.jti);
  });

  it('honours a custom lifetime and rejects a blank audience', async () => {
    const { token, expiresIn } = await signSatelliteToken(ringA, { ...baseInput, ttlSeconds: 120 });
    expect(expiresIn).toBe(120);
    const claims = decodeJwt(token);
    expect(claims.exp).toBe((claims.iat ?? 0) + 120);
    await expect(signSatelliteToken(ringA, { ...baseInput, aud: '   ' })).rejects.toThrow(/blank/);
  });

  it('is verifiable by an independent jose local JWKS built from the published JWKS', async () => {
    const jwks = createLocalJWKSet(ringB.jwks());
    const { token } = await signSatelliteToken(ringB, baseInput);
    const { payload, protectedHeader } = await jwtVerify(token, jwks, { issuer: ISSUER, audience: 'alice' });
    expect(protectedHeader.kid).toBe('hub-key-2');
    expect(payload.sub).toBe('17');
    // A token signed with the previous key still verifies during rotation.
    const old = await signSatelliteToken(ringA, baseInput);
    await expect(jwtVerify(old.token, jwks, { issuer: ISSUER, audience: 'alice' })).resolves.toBeTruthy();
  });
});

describe('verifySatelliteToken', () => {
  const opts = () => ({ keys: ringA, audience: 'ALICE', issuer: ISSUER });

  it('accepts a valid token and returns its claims', async () => {
    const { token } = await signSatelliteToken(ringA, baseInput);
    const result = await verifySatelliteToken(token, opts());
    expect(result).toMatchObject({
      valid: true,
      claims: { sub: '17', aud: 'alice', role: 'user', username: 'bob', iss: ISSUER },
    });
  });

  it('accepts guest tokens', async () => {
    const { token } = await signSatelliteToken(ringA, {
      ...baseInput,
      sub: 'guest',
      role: 'guest',
      username: 'guest',
    });
    const result = await verifySatelliteToken(token, opts());
    expect(result.valid && result.claims.sub).toBe('guest');
  });

  it('verifies with a key resolver and with a rotated ring', async () => {
    const { token } = await signSatelliteToken(ringA, baseInput);
    const viaResolver = await verifySatelliteToken(token, {
      ...opts(),
      keys: async (kid) => ringA.publicKeys.get(kid),
    });
    expect(viaResolver.valid).toBe(true);
    expect((await verifySatelliteToken(token, { ...opts(), keys: ringB })).valid).toBe(true);
  });

  it('reports token_expired', async () => {
    const t = now() - 120;
    const token = await forge({ ...wire, iat: t, exp: t + 60 });
    expect(await verifySatelliteToken(token, opts())).toMatchObject({ valid: false, error: 'token_expired' });
  });

  it('allows 10 s of clock skew on exp', async () => {
    const t = now() - 65;
    const token = await forge({ ...wire, iat: t, exp: t + 60 });
    expect((await verifySatelliteToken(token, opts())).valid).toBe(true);
  });

  it('rejects an iat far in the future', async () => {
    const t = now() + 600;
    const token = await forge({ ...wire, iat: t, exp: t + 60 });
    expect(await verifySatelliteToken(token, opts())).toMatchObject({
      error: 'verification_error',
      message: expect.stringContaining('future'),
    });
  });

  it('reports invalid_signature for a tampered payload or a foreign key', async () => {
    const { token } = await signSatelliteToken(ringA, baseInput);
    const [h, , s] = token.split('.');
    const payload = Buffer.from(JSON.stringify({ ...decodeJwt(token), role: 'admin' })).toString('base64url');
    expect(await verifySatelliteToken(`${h}.${payload}.${s}`, opts())).toMatchObject({
      error: 'invalid_signature',
    });
    const foreign = await new SignJWT({ ...wire, exp: now() + 60 })
      .setProtectedHeader({ alg: 'RS256', kid: 'hub-key-1' })
      .sign(createPrivateKey(pairB.privateKeyPem));
    expect(await verifySatelliteToken(foreign, opts())).toMatchObject({ error: 'invalid_signature' });
  });

  it('reports audience_mismatch naming the token audience', async () => {
    const { token } = await signSatelliteToken(ringA, { ...baseInput, aud: 'carol' });
    const result = await verifySatelliteToken(token, opts());
    expect(result).toMatchObject({ valid: false, error: 'audience_mismatch' });
    expect(!result.valid && result.message).toContain('carol');
  });

  it('reports invalid_issuer', async () => {
    const { token } = await signSatelliteToken(ringA, { ...baseInput, issuer: 'https://evil.example' });
    expect(await verifySatelliteToken(token, opts())).toMatchObject({ error: 'invalid_issuer' });
  });

  it('reports unknown_key and missing_kid', async () => {
    const unknown = await forge({ ...wire, exp: now() + 60 }, { kid: 'nope' });
    expect(await verifySatelliteToken(unknown, opts())).toMatchObject({ error: 'unknown_key' });
    const noKid = await forge({ ...wire, exp: now() + 60 }, { typ: 'JWT' });
    expect(await verifySatelliteToken(noKid, opts())).toMatchObject({ error: 'missing_kid' });
  });

  it('reports invalid_token when there is no subject', async () => {
    const token = await forge({ iss: ISSUER, aud: 'alice', exp: now() + 60, role: 'user' });
    expect(await verifySatelliteToken(token, opts())).toMatchObject({ error: 'invalid_token' });
  });

  it('rejects alg none and HMAC tokens', async () => {
    const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const claims = enc({ ...wire, exp: now() + 60 });
    const none = `${enc({ alg: 'none', kid: 'hub-key-1' })}.${claims}.AAAA`;
    expect(await verifySatelliteToken(none, opts())).toMatchObject({
      valid: false,
      error: 'verification_error',
    });
    const hmac = await new SignJWT({ ...wire, exp: now() + 60 })
      .setProtectedHeader({ alg: 'HS256', kid: 'hub-key-1' })
      .sign(new TextEncoder().encode('x'.repeat(32)));
    expect(await verifySatelliteToken(hmac, opts())).toMatchObject({
      valid: false,
      error: 'verification_error',
    });
  });

  it('classifies garbage', async () => {
    for (const garbage of ['', 'abc', 'a.b', 'a.b.c.d', 'not a token.x.y']) {
      expect(await verifySatelliteToken(garbage, opts())).toMatchObject({ error: 'invalid_token_format' });
    }
    expect(await verifySatelliteToken('e30x.e30.sig', opts())).toMatchObject({
      error: 'invalid_token_format',
    });
    const header = Buffer.from(JSON.stringify({ alg: 'RS256', kid: 'hub-key-1' })).toString('base64url');
    const notJson = Buffer.from('not json').toString('base64url');
    // The signature check runs first, so a properly signed non-JSON payload is what reaches decode_error.
    const { createSign } = await import('node:crypto');
    const signer = createSign('RSA-SHA256');
    signer.update(`${header}.${notJson}`);
    const sig = signer.sign(ringA.signingKey).toString('base64url');
    expect(await verifySatelliteToken(`${header}.${notJson}.${sig}`, opts())).toMatchObject({
      error: 'decode_error',
    });
  });

  it('reports a missing exp as verification_error', async () => {
    const token = await forge(wire);
    expect(await verifySatelliteToken(token, opts())).toMatchObject({
      error: 'verification_error',
      message: expect.stringContaining('"exp"'),
    });
  });
});

describe('createRemoteJwksVerifier', () => {
  let server: Server;
  let jwksUrl: string;
  let served: { keys: unknown[] };
  let status = 200;
  let cacheControl: string | undefined = 'public, max-age=300';
  let hits = 0;

  beforeAll(async () => {
    served = ringA.jwks();
    server = createServer((req, res) => {
      hits += 1;
      if (req.url !== '/.well-known/jwks.json' || status !== 200) {
        res.writeHead(status === 200 ? 404 : status, { 'content-type': 'application/json' });
        res.end('{"detail":"nope"}');
        return;
      }
      res.writeHead(200, {
        'content-type': 'application/json',
        ...(cacheControl ? { 'cache-control': cacheControl } : {}),
      });
      res.end(JSON.stringify(served));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  const reset = (keys: { keys: unknown[] }) => {
    served = keys;
    status = 200;
    cacheControl = 'public, max-age=300';
    hits = 0;
  };
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('verifies tokens and caches the JWKS', async () => {
    reset(ringA.jwks());
    const verifier = createRemoteJwksVerifier({ jwksUrl, issuer: ISSUER });
    const { token } = await signSatelliteToken(ringA, baseInput);
    const results = await Promise.all([1, 2, 3].map(() => verifier.verify(token, { audience: 'alice' })));
    expect(results.every((r) => r.valid)).toBe(true);
    expect((await verifier.verify(token, { audience: 'bob' })).valid).toBe(false);
    expect(hits).toBe(1);
  });

  it('refetches on a new kid after rotation, and the previous key keeps working', async () => {
    reset(ringA.jwks());
    const verifier = createRemoteJwksVerifier({ jwksUrl, issuer: ISSUER, refetchCooldownMs: 0 });
    const old = await signSatelliteToken(ringA, baseInput);
    expect((await verifier.verify(old.token, { audience: 'alice' })).valid).toBe(true);
    served = ringB.jwks();
    const rotated = await signSatelliteToken(ringB, baseInput);
    expect((await verifier.verify(rotated.token, { audience: 'alice' })).valid).toBe(true);
    expect((await verifier.verify(old.token, { audience: 'alice' })).valid).toBe(true);
    expect(hits).toBe(2);
  });

  it('does not refetch more than once per cooldown for unknown kids', async () => {
    reset(ringA.jwks());
    const verifier = createRemoteJwksVerifier({ jwksUrl, issuer: ISSUER, refetchCooldownMs: 300 });
    const bogus = await forge({ ...wire, exp: now() + 60 }, { kid: 'forged' });
    await verifier.refresh();
    expect(hits).toBe(1);
    for (let i = 0; i < 20; i++) {
      expect(await verifier.verify(bogus, { audience: 'alice' })).toMatchObject({ error: 'unknown_key' });
    }
    expect(hits).toBe(1);
    await sleep(350);
    expect(await verifier.verify(bogus, { audience: 'alice' })).toMatchObject({ error: 'unknown_key' });
    expect(hits).toBe(2);
    served = ringB.jwks();
    const rotated = await signSatelliteToken(ringB, baseInput);
    expect(await verifier.verify(rotated.token, { audience: 'alice' })).toMatchObject({
      error: 'unknown_key',
    });
    await sleep(350);
    expect((await verifier.verify(rotated.token, { audience: 'alice' })).valid).toBe(true);
    expect(hits).toBe(3);
  });

  it('never fetches for garbage or non-RS256 tokens', async () => {
    reset(ringA.jwks());
    const verifier = createRemoteJwksVerifier({ jwksUrl, issuer: ISSUER });
    expect(await verifier.verify('garbage', { audience: 'alice' })).toMatchObject({
      error: 'invalid_token_format',
    });
    const hmac = await new SignJWT({ sub: '1' })
      .setProtectedHeader({ alg: 'HS256', kid: 'x' })
      .sign(new TextEncoder().encode('k'.repeat(32)));
    expect(await verifier.verify(hmac, { audience: 'alice' })).toMatchObject({ error: 'verification_error' });
    expect(hits).toBe(0);
  });

  it('refreshes after the Cache-Control max-age and keeps stale keys when the hub is down', async () => {
    reset(ringA.jwks());
    cacheControl = undefined;
    const verifier = createRemoteJwksVerifier({
      jwksUrl,
      issuer: ISSUER,
      cacheMaxAgeMs: 100,
      refetchCooldownMs: 50,
    });
    const { token } = await signSatelliteToken(ringA, baseInput);
    expect((await verifier.verify(token, { audience: 'alice' })).valid).toBe(true);
    await sleep(150);
    status = 500;
    expect((await verifier.verify(token, { audience: 'alice' })).valid).toBe(true);
    expect(hits).toBe(2);
  });

  it('reports jwks_unavailable when the JWKS was never fetched', async () => {
    reset(ringA.jwks());
    status = 503;
    const verifier = createRemoteJwksVerifier({ jwksUrl, issuer: ISSUER });
    const { token } = await signSatelliteToken(ringA, baseInput);
    expect(await verifier.verify(token, { audience: 'alice' })).toMatchObject({ error: 'jwks_unavailable' });
    expect(await verifier.verify(token, { audience: 'alice' })).toMatchObject({ error: 'jwks_unavailable' });
    expect(hits).toBe(1);
    await expect(verifier.refresh()).rejects.toThrow(/JWKS/);
  });

  it('ignores unusable JWKS entries', async () => {
    reset({
      keys: [{ kty: 'EC', kid: 'ec' }, { kty: 'RSA', kid: 'bad', n: '!!', e: 'AQAB' }, ...ringA.jwks().keys],
    });
    const verifier = createRemoteJwksVerifier({ jwksUrl, issuer: ISSUER });
    const { token } = await signSatelliteToken(ringA, baseInput);
    expect((await verifier.verify(token, { audience: 'alice' })).valid).toBe(true);
  });
});
