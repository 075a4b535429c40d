import { join } from 'node:path';
import { createRemoteJwksVerifier } from '@syfthub/auth';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSatelliteEnv } from '../src/env';
import { createSatellite, type Satellite } from '../src/satellite';
import {
  captureLogger,
  createSigningKey,
  guestClaims,
  ISSUER,
  postJson,
  removeDir,
  type SigningKey,
  signToken,
  startJwksServer,
  tempDir,
  userClaims,
  writeFiles,
} from './helpers';

const OWNER = 'alice';
const QUERY = { messages: 'satellite tokens', limit: 3, similarity_threshold: 0, include_metadata: true };

let dir: string;
let key1: SigningKey;
let key2: SigningKey;
let jwks: Awaited<ReturnType<typeof startJwksServer>>;
let satellite: Satellite;
let lines: string[];

async function build(env: Record<string, string>, cooldownMs = 150): Promise<Satellite> {
  const parsed = parseSatelliteEnv({
    SYFTHUB_URL: jwks.url,
    SYFTHUB_ISSUER: ISSUER,
    SATELLITE_ENDPOINTS_FILE: join(dir, 'endpoints.json'),
    SATELLITE_PUBLISH: 'false',
    ...env,
  });
  const captured = captureLogger();
  lines = captured.lines;
  const built = await createSatellite(parsed, captured.logger, {
    verifier: createRemoteJwksVerifier({
      jwksUrl: `${parsed.SYFTHUB_URL}/.well-known/jwks.json`,
      issuer: parsed.SYFTHUB_ISSUER,
      refetchCooldownMs: cooldownMs,
    }),
  });
  await built.start();
  return built;
}

function query(slug: string, token?: string, app = satellite.app) {
  const headers: Record<string, string> = token === undefined ? {} : { authorization: `Bearer ${token}` };
  return app.request(`/api/v1/endpoints/${slug}/query`, postJson(QUERY, headers));
}

beforeAll(async () => {
  dir = await tempDir();
  await writeFiles(dir, {
    'docs/tokens.md': '# Tokens\n\nSatellite tokens are short-lived and signed by the hub.',
    'endpoints.json': JSON.stringify({
      endpoints: [
        { slug: 'open-docs', name: 'Open', type: 'data_source', docs_dir: 'docs' },
        { slug: 'member-docs', name: 'Members', type: 'data_source', docs_dir: 'docs', allow_guests: false },
        { slug: 'assistant', name: 'Assistant', type: 'model' },
      ],
    }),
  });
  [key1, key2] = await Promise.all([createSigningKey('hub-key-1'), createSigningKey('hub-key-2')]);
  jwks = await startJwksServer([key1]);
  satellite = await build({ SATELLITE_OWNER_USERNAME: OWNER });
});

afterAll(async () => {
  await satellite.stop();
  await jwks.close();
  await removeDir(dir);
});

describe('satellite token verification', () => {
  it('accepts a valid user token and logs the caller role', async () => {
    const res = await query('open-docs', await signToken(key1, userClaims(OWNER)));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { references: { documents: unknown[] } };
    expect(body.references.documents).toHaveLength(1);
    const event = lines.map((l) => JSON.parse(l)).find((l) => l.event === 'satellite.query.completed');
    expect(event).toMatchObject({ slug: 'open-docs', type: 'data_source', status: 200, caller_role: 'user' });
    expect(lines.join('\n')).not.toContain('short-lived and signed');
  });

  it('compares the audience in lowercase', async () => {
    const res = await query('open-docs', await signToken(key1, userClaims('ALICE')));
    expect(res.status).toBe(200);
  });

  it('accepts guests where allowed', async () => {
    const res = await query('open-docs', await signToken(key1, guestClaims(OWNER)));
    expect(res.status).toBe(200);
  });

  it('refuses guests on endpoints that require a signed-in user, with the policy body', async () => {
    const res = await query('member-docs', await signToken(key1, guestClaims(OWNER)));
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({
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
    });
  });

  it('lets signed-in users through on those endpoints', async () => {
    const res = await query('member-docs', await signToken(key1, userClaims(OWNER)));
    expect(res.status).toBe(200);
  });

  it('answers 401 with WWW-Authenticate: Bearer when the token is missing', async () => {
    const res = await query('open-docs');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect(res.headers.get('x-correlation-id')).toBeTruthy();
    expect(await res.json()).toEqual({ detail: 'Missing satellite token' });
  });

  it('treats a non-Bearer Authorization header as missing', async () => {
    const res = await satellite.app.request(
      '/api/v1/endpoints/open-docs/query',
      postJson(QUERY, { authorization: 'Basic YWxpY2U6cHc=' }),
    );
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('rejects an expired token', async () => {
    const token = await signToken(key1, userClaims(OWNER), {
      issuedAtOffsetSeconds: -120,
      expiresInSeconds: 60,
    });
    const res = await query('open-docs', token);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    const body = (await res.json()) as { detail: string };
    expect(body.detail).toMatch(/^Invalid satellite token: .*expired/);
  });

  it('rejects a token for another owner', async () => {
    const res = await query('open-docs', await signToken(key1, userClaims('mallory')));
    expect(res.status).toBe(401);
    expect(((await res.json()) as { detail: string }).detail).toContain('audience');
  });

  it('rejects a token from another issuer', async () => {
    const res = await query(
      'open-docs',
      await signToken(key1, { ...userClaims(OWNER), iss: 'http://evil.test' }),
    );
    expect(res.status).toBe(401);
  });

  it('rejects HMAC-signed tokens', async () => {
    const token = await new SignJWT(userClaims(OWNER))
      .setProtectedHeader({ alg: 'HS256', kid: key1.kid })
      .setIssuer(ISSUER)
      .setIssuedAt()
      .setExpirationTime('1m')
      .sign(new TextEncoder().encode('a-shared-secret-of-thirty-two-bytes!'));
    const res = await query('open-docs', token);
    expect(res.status).toBe(401);
  });

  it('refetches the JWKS for an unknown kid and accepts the rotated key', async () => {
    const before = jwks.state.fetches;
    jwks.state.keys = [key2, key1];
    await new Promise((resolve) => setTimeout(resolve, 200));
    const res = await query('open-docs', await signToken(key2, userClaims(OWNER)));
    expect(res.status).toBe(200);
    expect(jwks.state.fetches).toBe(before + 1);
  });

  it('rejects a kid the hub does not publish, after at most one refetch', async () => {
    const stranger = await createSigningKey('stranger');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const before = jwks.state.fetches;
    const first = await query('open-docs', await signToken(stranger, userClaims(OWNER)));
    const second = await query('open-docs', await signToken(stranger, userClaims(OWNER)));
    expect(first.status).toBe(401);
    expect(second.status).toBe(401);
    expect(jwks.state.fetches).toBe(before + 1);
  });
});

describe('without a known owner or keys', () => {
  it('answers 503 while the owner is unknown', async () => {
    const orphan = await build({});
    const res = await query('open-docs', await signToken(key1, userClaims(OWNER)), orphan.app);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    await orphan.stop();
  });

  it('answers 503 when the JWKS cannot be fetched', async () => {
    const unreachable = await build({ SATELLITE_OWNER_USERNAME: OWNER, SYFTHUB_URL: 'http://127.0.0.1:9' });
    const res = await query('open-docs', await signToken(key1, userClaims(OWNER)), unreachable.app);
    expect(res.status).toBe(503);
    await unreachable.stop();
  });

  it('serves anonymous callers when tokens are not required', async () => {
    const open = await build({ SATELLITE_REQUIRE_TOKEN: 'false' });
    const res = await query('member-docs', undefined, open.app);
    expect(res.status).toBe(200);
    await open.stop();
  });
});
