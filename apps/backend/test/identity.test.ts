import { createPublicKey, generateKeyPairSync, type KeyObject, randomUUID, sign, verify } from 'node:crypto';
import type { KeyRing } from '@syfthub/auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestBackend, type TestBackend } from './harness';
import { type Account, createAccount, createPat } from './users-fixtures';

const ISSUER = 'https://hub.identity-test.example';

interface Jwks {
  keys: Array<{ kty: string; kid: string; use: string; alg: string; n: string; e: string }>;
}
type Claims = Record<string, unknown> & { sub: string; aud: string; iat: number; exp: number };

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An independent RS256 JWS check against the published JWKS (no hub code involved). */
function verifyWithJwks(token: string, jwks: Jwks): { header: Record<string, unknown>; claims: Claims } {
  const [h = '', p = '', s = ''] = token.split('.');
  const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as Record<string, unknown>;
  const jwk = jwks.keys.find((k) => k.kid === header.kid);
  if (!jwk) throw new Error(`kid ${String(header.kid)} not in the JWKS`);
  const key = createPublicKey({ key: { kty: jwk.kty, n: jwk.n, e: jwk.e }, format: 'jwk' });
  if (!verify('RSA-SHA256', Buffer.from(`${h}.${p}`), key, Buffer.from(s, 'base64url'))) {
    throw new Error('signature does not verify');
  }
  return { header, claims: JSON.parse(Buffer.from(p, 'base64url').toString()) as Claims };
}

/** Signs arbitrary header/payload text with an RSA key, to forge every failure the verifier must catch. */
function signRaw(header: unknown, payload: string, key: KeyObject): string {
  const input = `${b64(header)}.${Buffer.from(payload).toString('base64url')}`;
  return `${input}.${sign('RSA-SHA256', Buffer.from(input), key).toString('base64url')}`;
}

let backend: TestBackend;
let ring: KeyRing;
let satellite: Account;
let alice: Account;
beforeAll(async () => {
  backend = await createTestBackend({ ISSUER_URL: ISSUER });
  if (!backend.deps.keyRing) throw new Error('the test hub should have keys');
  ring = backend.deps.keyRing;
  satellite = await createAccount(backend, { username: 'sat-owner' });
  alice = await createAccount(backend, { username: 'alice-id', email: 'alice-id@example.com' });
});
afterAll(async () => {
  await backend.close();
});

async function jwks(): Promise<Jwks> {
  return (await backend.api<Jwks>('GET', '/.well-known/jwks.json')).body;
}

async function mintFor(account: Account, aud: string): Promise<string> {
  const res = await backend.api<{ target_token: string }>(
    'GET',
    `/api/v1/token?aud=${encodeURIComponent(aud)}`,
    {
      token: account.token,
    },
  );
  expect(res.status, res.text).toBe(200);
  return res.body.target_token;
}

function claimsFor(sub: string, overrides: Record<string, unknown> = {}) {
  const iat = Math.floor(Date.now() / 1000);
  return {
    sub,
    iss: ISSUER,
    aud: 'sat-owner',
    iat,
    exp: iat + 60,
    role: 'user',
    jti: randomUUID(),
    ...overrides,
  };
}

const forge = (claims: object, header: object = { alg: 'RS256', typ: 'JWT', kid: ring.currentKid }) =>
  signRaw(header, JSON.stringify(claims), ring.signingKey);

async function verifyAs(caller: string, token: string) {
  const res = await backend.api<Record<string, unknown>>('POST', '/api/v1/verify', {
    token: caller,
    json: { token },
  });
  expect(res.status, res.text).toBe(200);
  return res.body;
}

describe('JWKS', () => {
  it('publishes the current key with caching headers', async () => {
    const res = await backend.api<Jwks>('GET', '/.well-known/jwks.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=300');
    expect(res.body.keys).toHaveLength(1);
    expect(res.body.keys[0]).toMatchObject({
      kty: 'RSA',
      kid: 'hub-key-1',
      use: 'sig',
      alg: 'RS256',
      e: 'AQAB',
    });
    expect(res.body.keys[0]?.n).toMatch(/^[A-Za-z0-9_-]+$/);
  });
});

describe('GET /token', () => {
  it('mints a 60-second RS256 token that an independent verifier accepts', async () => {
    const res = await backend.api<{ target_token: string; expires_in: number }>(
      'GET',
      '/api/v1/token?aud=%20SAT-Owner%20',
      {
        token: alice.token,
      },
    );
    expect(res.status).toBe(200);
    expect(res.body.expires_in).toBe(60);
    const { header, claims } = verifyWithJwks(res.body.target_token, await jwks());
    expect(header).toEqual({ alg: 'RS256', typ: 'JWT', kid: 'hub-key-1' });
    expect(claims).toMatchObject({
      sub: String(alice.user.id),
      iss: ISSUER,
      aud: 'sat-owner',
      role: 'user',
      username: 'alice-id',
    });
    expect(claims.exp - claims.iat).toBe(60);
    expect(Math.abs(claims.iat - Date.now() / 1000)).toBeLessThan(5);
    expect(claims.jti).toMatch(/^[0-9a-f-]{36}$/);
    expect(claims).not.toHaveProperty('email');
  });

  it("reuses the caller's token for the same audience while more than half its lifetime remains", async () => {
    type Issued = { target_token: string; expires_in: number };
    const get = (token: string, aud: string) =>
      backend.api<Issued>('GET', `/api/v1/token?aud=${aud}`, { token });
    const first = await get(alice.token, 'sat-owner');
    const again = await get(alice.token, 'SAT-Owner');
    expect(again.body.target_token).toBe(first.body.target_token);
    expect(again.body.expires_in).toBeGreaterThan(30);
    expect(again.body.expires_in).toBeLessThanOrEqual(60);
    // Another caller, or another audience, never gets it.
    const other = await createAccount(backend, { username: 'reuse-other' });
    const theirs = await get(other.token, 'sat-owner');
    expect(theirs.body.target_token).not.toBe(first.body.target_token);
    expect(verifyWithJwks(theirs.body.target_token, await jwks()).claims.sub).toBe(String(other.user.id));
    const elsewhere = await get(alice.token, other.user.username);
    expect(verifyWithJwks(elsewhere.body.target_token, await jwks()).claims.aud).toBe('reuse-other');
  });

  it('accepts API tokens with the read scope', async () => {
    const pat = await createPat(backend, alice.user.id, ['read']);
    const res = await backend.api('GET', '/api/v1/token?aud=sat-owner', { token: pat });
    expect(res.status).toBe(200);
  });

  it('maps audience problems to 422, 400, 404 and 400', async () => {
    const get = (query: string) => backend.api('GET', `/api/v1/token${query}`, { token: alice.token });
    const missing = await get('');
    expect(missing.status).toBe(422);
    expect(missing.body).toMatchObject({ detail: [{ type: 'missing', loc: ['query', 'aud'] }] });
    const blank = await get('?aud=%20%20');
    expect(blank.status).toBe(400);
    expect(blank.body).toEqual({
      detail: { code: 'MISSING_AUDIENCE', message: "The 'aud' query parameter is required." },
      message: "The 'aud' query parameter is required.",
    });
    const unknown = await get('?aud=No-Such-User');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({
      detail: {
        code: 'AUDIENCE_NOT_FOUND',
        message: "Audience 'no-such-user' is not a registered user.",
        audience: 'no-such-user',
      },
      message: "Audience 'no-such-user' is not a registered user.",
    });
    const inactive = await createAccount(backend, { username: 'gone-sat', isActive: false });
    const res = await get(`?aud=${inactive.user.username}`);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      detail: {
        code: 'AUDIENCE_INACTIVE',
        message: "Audience 'gone-sat' is not active.",
        audience: 'gone-sat',
      },
      message: "Audience 'gone-sat' is not active.",
    });
  });

  it('needs a signed-in caller', async () => {
    expect((await backend.api('GET', '/api/v1/token?aud=sat-owner')).status).toBe(401);
  });
});

describe('GET /token/guest', () => {
  it('mints a guest token without credentials (and ignores bad ones)', async () => {
    const res = await backend.api<{ target_token: string; expires_in: number }>(
      'GET',
      '/api/v1/token/guest?aud=sat-owner',
      {
        token: 'not-a-valid-token',
      },
    );
    expect(res.status).toBe(200);
    const { claims } = verifyWithJwks(res.body.target_token, await jwks());
    expect(claims).toMatchObject({
      sub: 'guest',
      role: 'guest',
      username: 'guest',
      aud: 'sat-owner',
      iss: ISSUER,
    });
    expect(claims.exp - claims.iat).toBe(60);
    expect((await backend.api('GET', '/api/v1/token/guest?aud=nobody-at-all')).status).toBe(404);
  });

  it('counts issued tokens by kind', async () => {
    await backend.api('GET', '/api/v1/token/guest?aud=sat-owner');
    await mintFor(alice, 'sat-owner');
    const metrics = await backend.api('GET', '/metrics');
    expect(metrics.text).toMatch(/satellite_tokens_issued_total\{[^}]*kind="guest"[^}]*\} [1-9]/);
    expect(metrics.text).toMatch(/satellite_tokens_issued_total\{[^}]*kind="user"[^}]*\} [1-9]/);
  });

  it('is rate-limited in the token-guest bucket', async () => {
    const limited = await createTestBackend({ RATE_LIMIT_ENABLED: 'true', GUEST_TOKEN_RATE_LIMIT_MAX: '1' });
    try {
      await createAccount(limited, { username: 'limited-sat' });
      expect((await limited.api('GET', '/api/v1/token/guest?aud=limited-sat')).status).toBe(200);
      const second = await limited.api('GET', '/api/v1/token/guest?aud=limited-sat');
      expect(second.status).toBe(429);
      expect(second.headers.get('x-ratelimit-limit')).toBe('1');
    } finally {
      await limited.close();
    }
  });
});

describe('GET /token/audiences', () => {
  it('lists active usernames, sorted', async () => {
    const res = await backend.api<{ allowed_audiences: string[]; idp_configured: boolean }>(
      'GET',
      '/api/v1/token/audiences',
      {
        token: alice.token,
      },
    );
    expect(res.status).toBe(200);
    expect(res.body.idp_configured).toBe(true);
    expect(res.body.allowed_audiences).toEqual([...res.body.allowed_audiences].sort());
    expect(res.body.allowed_audiences).toEqual(expect.arrayContaining(['alice-id', 'sat-owner']));
    expect(res.body.allowed_audiences).not.toContain('gone-sat');
  });
});

describe('POST /verify', () => {
  it('vouches for a user token addressed to the caller, with fresh user data', async () => {
    const token = await mintFor(alice, 'sat-owner');
    const body = await verifyAs(satellite.token, token);
    const { claims } = verifyWithJwks(token, await jwks());
    expect(body).toEqual({
      valid: true,
      sub: String(alice.user.id),
      email: 'alice-id@example.com',
      username: 'alice-id',
      role: 'user',
      aud: 'sat-owner',
      exp: claims.exp,
      iat: claims.iat,
    });
  });

  it('vouches for guest tokens with the fixed guest identity, also for read-scope callers', async () => {
    const guest = await backend.api<{ target_token: string }>('GET', '/api/v1/token/guest?aud=sat-owner');
    const read = await createPat(backend, satellite.user.id, ['read']);
    const body = await verifyAs(read, guest.body.target_token);
    expect(body).toMatchObject({
      valid: true,
      sub: 'guest',
      email: 'guest@syfthub.org',
      username: 'guest',
      role: 'guest',
      aud: 'sat-owner',
    });
  });

  it('only verifies tokens addressed to the caller', async () => {
    const token = await mintFor(alice, 'sat-owner');
    const body = await verifyAs(alice.token, token);
    expect(body).toMatchObject({ valid: false, error: 'audience_mismatch' });
    expect(body.message).toContain("'sat-owner'");
  });

  it('reports every failure code with the failure shape', async () => {
    const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const now = Math.floor(Date.now() / 1000);
    const valid = await mintFor(alice, 'sat-owner');
    const [h, p, s] = valid.split('.');
    const tamperedPayload = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(p ?? '', 'base64url').toString()), role: 'admin' }),
    ).toString('base64url');
    const cases: Array<[string, string]> = [
      ['invalid_token_format', 'definitely-not-a-jwt'],
      ['missing_kid', forge(claimsFor(String(alice.user.id)), { alg: 'RS256', typ: 'JWT' })],
      [
        'unknown_key',
        forge(claimsFor(String(alice.user.id)), { alg: 'RS256', typ: 'JWT', kid: 'hub-key-0' }),
      ],
      ['token_expired', forge(claimsFor(String(alice.user.id), { iat: now - 3600, exp: now - 3540 }))],
      ['audience_mismatch', forge(claimsFor(String(alice.user.id), { aud: 'someone-else' }))],
      ['invalid_issuer', forge(claimsFor(String(alice.user.id), { iss: 'https://evil.example' }))],
      ['invalid_signature', `${h}.${tamperedPayload}.${s}`],
      [
        'invalid_signature',
        signRaw({ alg: 'RS256', typ: 'JWT', kid: ring.currentKid }, JSON.stringify(claimsFor('1')), otherKey),
      ],
      [
        'decode_error',
        signRaw({ alg: 'RS256', typ: 'JWT', kid: ring.currentKid }, '[1,2,3]', ring.signingKey),
      ],
      [
        'verification_error',
        forge(claimsFor(String(alice.user.id)), { alg: 'HS256', typ: 'JWT', kid: ring.currentKid }),
      ],
      ['invalid_token', forge({ ...claimsFor('x'), sub: undefined })],
      ['invalid_user_id', forge(claimsFor('not-a-number'))],
      ['invalid_user_id', forge(claimsFor('99999999999999'))],
      ['user_not_found', forge(claimsFor('2147483647'))],
    ];
    for (const [code, token] of cases) {
      const body = await verifyAs(satellite.token, token);
      expect(body.valid, code).toBe(false);
      expect(body.error, code).toBe(code);
      expect(typeof body.message).toBe('string');
      expect(Object.keys(body).sort()).toEqual(['error', 'message', 'valid']);
    }
  });

  it('reports user_inactive for a token of a since-deactivated user', async () => {
    const bob = await createAccount(backend);
    const token = await mintFor(bob, 'sat-owner');
    const admin = await createAccount(backend, { role: 'admin' });
    expect(
      (await backend.api('PATCH', `/api/v1/users/${bob.user.id}/deactivate`, { token: admin.token })).status,
    ).toBe(200);
    expect(await verifyAs(satellite.token, token)).toEqual({
      valid: false,
      error: 'user_inactive',
      message: `User '${bob.user.username}' is no longer active.`,
    });
  });

  it('validates the body and needs a credential', async () => {
    const empty = await backend.api('POST', '/api/v1/verify', {
      token: satellite.token,
      json: { token: '' },
    });
    expect(empty.status).toBe(422);
    const huge = await backend.api('POST', '/api/v1/verify', {
      token: satellite.token,
      json: { token: 'a'.repeat(8193) },
    });
    expect(huge.status).toBe(422);
    expect((await backend.api('POST', '/api/v1/verify', { json: { token: 'x.y.z' } })).status).toBe(401);
  });
});

describe('a hub without signing keys', () => {
  let keyless: TestBackend;
  let user: Account;
  beforeAll(async () => {
    keyless = await createTestBackend({ AUTO_GENERATE_RSA_KEYS: 'false' });
    user = await createAccount(keyless, { username: 'keyless-user' });
  });
  afterAll(async () => {
    await keyless.close();
  });

  it('answers 503 KEY_NOT_CONFIGURED on the token routes and a string 503 on the JWKS', async () => {
    expect(keyless.deps.keyRing).toBeNull();
    const keyNotConfigured = {
      detail: {
        code: 'KEY_NOT_CONFIGURED',
        message: 'Identity Provider not configured. RSA keys are unavailable.',
      },
      message: 'Identity Provider not configured. RSA keys are unavailable.',
    };
    for (const [method, path, token, json] of [
      ['GET', '/api/v1/token?aud=keyless-user', user.token, undefined],
      ['GET', '/api/v1/token/guest?aud=keyless-user', undefined, undefined],
      ['POST', '/api/v1/verify', user.token, { token: 'a.b.c' }],
    ] as const) {
      const res = await keyless.api(method, path, { token, json });
      expect(res.status, path).toBe(503);
      expect(res.body).toEqual(keyNotConfigured);
    }
    const jwksRes = await keyless.api('GET', '/.well-known/jwks.json');
    expect(jwksRes.status).toBe(503);
    expect(jwksRes.body).toEqual({ detail: 'Identity Provider not configured. RSA keys are unavailable.' });
    const audiences = await keyless.api('GET', '/api/v1/token/audiences', { token: user.token });
    expect(audiences.body).toEqual({ allowed_audiences: ['keyless-user'], idp_configured: false });
  });

  it('stays ready and reports the identity provider disabled', async () => {
    const res = await keyless.api<{ status: string; components: Record<string, { status: string }> }>(
      'GET',
      '/ready',
    );
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('ready');
    expect(res.body.components.identity_provider).toEqual({ status: 'disabled' });
  });
});

describe('a hub whose database is down', () => {
  it('fails closed with 503 when it cannot check the audience', async () => {
    const broken = await createTestBackend();
    try {
      await broken.deps.dbHandle.close();
      const res = await broken.api('GET', '/api/v1/token/guest?aud=anyone');
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ detail: { code: 'IDENTITY_LOOKUP_FAILED' } });
      expect(res.headers.get('retry-after')).toBe('5');
    } finally {
      await broken.close();
    }
  });
});
