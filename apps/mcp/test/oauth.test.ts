import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import { eq, oauthClients, oauthGrants, users } from '@syfthub/db';
import { createSsrfGuard } from '@syfthub/service';
import { SignJWT } from 'jose';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app';
import { PAGE_CONTENT_SECURITY_POLICY } from '../src/oauth/page';
import { openConsentPage, submitConsent } from './helpers/browser';
import {
  authorizationUrl,
  discover,
  insecure,
  obtainCallback,
  pingMcp,
  pkce,
  postForm,
  REDIRECT_URI,
  register,
} from './helpers/oauth';
import { type Stack, startStack } from './helpers/stack';

const CIMD_ID = 'https://cimd.example.test/oauth/client.json';
const CIMD_DOCUMENT = {
  client_id: CIMD_ID,
  client_name: 'Metadata Document Client',
  redirect_uris: [REDIRECT_URI],
  grant_types: ['authorization_code', 'refresh_token'],
  token_endpoint_auth_method: 'none',
};

let stack: Stack;
let as: oauth.AuthorizationServer;
let user: Awaited<ReturnType<Stack['registerUser']>>;
let publicClient: oauth.Client;
const guard = createSsrfGuard();

/** Metadata documents of the fake client host; every other URL goes through the real SSRF guard. */
async function cimdFetch(url: string, init: RequestInit): Promise<Response> {
  if (url === CIMD_ID) {
    return new Response(JSON.stringify(CIMD_DOCUMENT), {
      headers: { 'Content-Type': 'application/json', 'Cache-Control': 'max-age=60' },
    });
  }
  if (url === 'https://cimd.example.test/wrong-id.json') {
    return new Response(JSON.stringify({ ...CIMD_DOCUMENT, client_id: 'https://elsewhere.example/x' }));
  }
  return guard.guardedFetch(url, init);
}

/** Runs a whole authorization with a fresh PKCE pair: the callback and the verifier. */
async function authorize(client: oauth.Client, overrides: Record<string, string | null> = {}) {
  const { verifier, challenge } = await pkce();
  const callback = await obtainCallback(as, client, user, challenge, overrides);
  return { callback, verifier };
}

async function redeem(client: oauth.Client, callback: URL, verifier: string, auth = oauth.None()) {
  const params = oauth.validateAuthResponse(as, client, callback, 'state-1');
  const response = await oauth.authorizationCodeGrantRequest(
    as,
    client,
    auth,
    params,
    REDIRECT_URI,
    verifier,
    {
      ...insecure,
      additionalParameters: { resource: stack.resource },
    },
  );
  return oauth.processAuthorizationCodeResponse(as, client, response);
}

async function tokensFor(client: oauth.Client, auth = oauth.None()) {
  const { callback, verifier } = await authorize(client);
  return redeem(client, callback, verifier, auth);
}

beforeAll(async () => {
  stack = await startStack({
    satellite: false,
    cimdFetch,
    mcpEnv: { MCP_LOGIN_RATE_LIMIT_PER_MINUTE: '1000', MCP_REFRESH_REUSE_GRACE_SECONDS: '0' },
  });
  as = await discover(stack.resource);
  user = await stack.registerUser('bob');
  publicClient = await register(as);
}, 120_000);

afterAll(async () => {
  guard.close();
  await stack?.close();
});

describe('discovery documents', () => {
  it('serves the same documents at every path, with one issuer', async () => {
    const origin = stack.mcpUrl;
    const prm = await Promise.all(
      [
        '/.well-known/oauth-protected-resource/mcp',
        '/mcp/.well-known/oauth-protected-resource',
        '/.well-known/oauth-protected-resource',
      ].map((path) => fetch(`${origin}${path}`, { headers: { Origin: 'https://app.example' } })),
    );
    const prmBodies = await Promise.all(prm.map((r) => r.text()));
    expect(new Set(prmBodies).size).toBe(1);
    expect(JSON.parse(prmBodies[0] as string)).toEqual({
      resource: stack.resource,
      authorization_servers: [stack.resource],
      scopes_supported: ['openid', 'profile', 'email'],
      bearer_methods_supported: ['header'],
      resource_name: 'SyftHub',
      resource_documentation: 'https://hub.example.test/build#mcp',
    });
    for (const response of prm) {
      expect(response.headers.get('cache-control')).toBe('public, max-age=300');
      expect(response.headers.get('access-control-allow-origin')).toBe('*');
    }

    const asPaths = [
      '/.well-known/oauth-authorization-server/mcp',
      '/mcp/.well-known/oauth-authorization-server',
      '/.well-known/oauth-authorization-server',
      '/.well-known/openid-configuration/mcp',
      '/mcp/.well-known/openid-configuration',
      '/.well-known/openid-configuration',
    ];
    const asBodies = await Promise.all(asPaths.map(async (path) => (await fetch(`${origin}${path}`)).text()));
    expect(new Set(asBodies).size).toBe(1);
    const metadata = JSON.parse(asBodies[0] as string) as Record<string, unknown>;
    expect(metadata.issuer).toBe(stack.resource);
    expect(metadata.code_challenge_methods_supported).toEqual(['S256']);
    expect(metadata.grant_types_supported).toEqual(['authorization_code', 'refresh_token']);
    expect(metadata.authorization_response_iss_parameter_supported).toBe(true);
    expect(metadata.client_id_metadata_document_supported).toBe(true);
    expect(metadata.registration_endpoint).toBe(`${stack.resource}/oauth/register`);
    expect(JSON.stringify(metadata)).not.toContain('resource=');

    await expect(discover(stack.resource, 'oidc')).resolves.toMatchObject({ issuer: stack.resource });
    const resource = await oauth.processResourceDiscoveryResponse(
      new URL(stack.resource),
      await oauth.resourceDiscoveryRequest(new URL(stack.resource), insecure),
    );
    expect(resource.authorization_servers).toEqual([stack.resource]);
  });

  it('answers other methods 405, unknown well-known paths 404 JSON, and publishes the JWKS', async () => {
    const post = await fetch(`${stack.mcpUrl}/.well-known/oauth-protected-resource/mcp`, { method: 'POST' });
    expect(post.status).toBe(405);
    const unknown = await fetch(`${stack.mcpUrl}/.well-known/unknown-thing`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ detail: 'Not Found' });
    expect((await fetch(`${stack.mcpUrl}/mcp/nothing`)).status).toBe(404);
    const preflight = await fetch(`${stack.mcpUrl}/.well-known/oauth-authorization-server/mcp`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'GET' },
    });
    expect(preflight.status).toBe(204);

    const jwks = await fetch(as.jwks_uri as string);
    expect(jwks.headers.get('cache-control')).toBe('public, max-age=300');
    const { keys } = (await jwks.json()) as { keys: { kid: string; alg: string; use: string }[] };
    expect(keys[0]).toMatchObject({ kid: 'mcp-key-1', alg: 'RS256', use: 'sig', kty: 'RSA' });
  });

  it('challenges a bare request with the metadata URL, readable cross-origin', async () => {
    const response = await pingMcp(stack.resource, undefined, { Origin: 'https://claude.example' });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(
      `Bearer realm="mcp", resource_metadata="${stack.mcpUrl}/.well-known/oauth-protected-resource/mcp", scope="openid profile email"`,
    );
    expect(await response.json()).toMatchObject({ error: 'invalid_token' });
    expect(response.headers.get('access-control-allow-origin')).toBe('https://claude.example');
    const exposed = (response.headers.get('access-control-expose-headers') ?? '').toLowerCase();
    for (const header of ['www-authenticate', 'mcp-session-id', 'mcp-protocol-version', 'x-correlation-id']) {
      expect(exposed).toContain(header);
    }

    const preflight = await fetch(stack.resource, {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://claude.example',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization, mcp-protocol-version',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-methods')).toBe('GET,POST,DELETE,OPTIONS');
    expect(preflight.headers.get('access-control-max-age')).toBe('86400');
    expect(preflight.headers.get('access-control-allow-headers')).toContain('MCP-Protocol-Version');
  });
});

describe('dynamic client registration', () => {
  it('registers public clients without a secret and confidential ones with a hashed secret', async () => {
    expect(publicClient.client_id).toMatch(/^client_[A-Za-z0-9_-]{22}$/);
    expect(publicClient).not.toHaveProperty('client_secret');
    expect(publicClient).not.toHaveProperty('client_uri');

    const response = await fetch(`${stack.mcpUrl}/register`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ redirect_uris: ['https://app.example/cb'], client_name: 'Confidential' }),
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['authorization_code'],
      response_types: ['code'],
      scope: 'openid profile email',
      client_secret_expires_at: 0,
    });
    expect(body.client_secret).toMatch(/^secret_[A-Za-z0-9_-]{43}$/);
    const [row] = await stack.database.db
      .select()
      .from(oauthClients)
      .where(eq(oauthClients.clientId, body.client_id as string));
    expect(row?.clientSecretHash).toMatch(/^[0-9a-f]{64}$/);
    expect(row?.clientSecretHash).not.toContain(body.client_secret as string);
  });

  it.each([
    [{ redirect_uris: ['javascript:alert(1)'] }, 'invalid_redirect_uri'],
    [{ redirect_uris: ['http://app.example/cb'] }, 'invalid_redirect_uri'],
    [{ redirect_uris: ['https://app.example/cb#frag'] }, 'invalid_redirect_uri'],
    [{ redirect_uris: [] }, 'invalid_redirect_uri'],
    [
      { redirect_uris: ['cursor://callback'], grant_types: ['client_credentials'] },
      'invalid_client_metadata',
    ],
    [
      { redirect_uris: ['https://app.example/cb'], token_endpoint_auth_method: 'private_key_jwt' },
      'invalid_client_metadata',
    ],
    [{ redirect_uris: ['https://app.example/cb'], client_name: 'x'.repeat(201) }, 'invalid_client_metadata'],
  ])('refuses %j with %s', async (metadata, error) => {
    const response = await fetch(`${stack.resource}/oauth/register`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(metadata),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error, error_description: expect.any(String) });
  });
});

describe('authorization endpoint', () => {
  it('shows an HTML error, never a redirect, for an unknown client or an unregistered redirect URI', async () => {
    const { challenge } = await pkce();
    for (const url of [
      authorizationUrl(as, 'client_unknown', challenge),
      authorizationUrl(as, publicClient.client_id, challenge, { redirect_uri: 'http://127.0.0.1/other' }),
      authorizationUrl(as, publicClient.client_id, challenge, { redirect_uri: null }),
    ]) {
      const response = await fetch(url, { redirect: 'manual' });
      expect(response.status).toBe(400);
      expect(response.headers.get('location')).toBeNull();
      expect(response.headers.get('content-type')).toContain('text/html');
      expect(response.headers.get('content-security-policy')).toBe(PAGE_CONTENT_SECURITY_POLICY);
    }
  });

  it.each([
    [{ code_challenge_method: 'plain' }, 'invalid_request'],
    [{ code_challenge_method: null }, 'invalid_request'],
    [{ code_challenge: null }, 'invalid_request'],
    [{ code_challenge: 'too-short' }, 'invalid_request'],
    [{ resource: 'https://other.example/mcp' }, 'invalid_target'],
    [{ response_type: 'token' }, 'unsupported_response_type'],
  ])('redirects %j back with %s, state and iss', async (overrides, error) => {
    const { challenge } = await pkce();
    const response = await fetch(authorizationUrl(as, publicClient.client_id, challenge, overrides), {
      redirect: 'manual',
    });
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get('location') as string);
    expect(location.origin + location.pathname).toBe(REDIRECT_URI);
    expect(location.searchParams.get('error')).toBe(error);
    expect(location.searchParams.get('state')).toBe('state-1');
    expect(location.searchParams.get('iss')).toBe(stack.resource);
  });

  it('accepts the resource in any equivalent spelling and loopback redirects on any port', async () => {
    const { challenge } = await pkce();
    const equivalent = stack.resource.replace('http://', 'HTTP://') + '/';
    const page = await openConsentPage(
      authorizationUrl(as, publicClient.client_id, challenge, {
        resource: equivalent,
        redirect_uri: 'http://127.0.0.1:49152/callback',
      }),
    );
    expect(page.status).toBe(200);
  });

  it('renders hostile client names, states, scopes and hints inert', async () => {
    const hostile = await register(as, { client_name: '<script>alert("name")</script>' });
    const { challenge } = await pkce();
    const page = await openConsentPage(
      authorizationUrl(as, hostile.client_id, challenge, {
        state: '"><script>alert(1)</script>',
        scope: 'openid <img src=x onerror=alert(1)>',
        login_hint: '"><svg onload=alert(2)>',
      }),
    );
    expect(page.status).toBe(200);
    for (const raw of ['<script>alert', '<img src=x', '<svg onload', 'onerror=alert(1)>']) {
      expect(page.html).not.toContain(raw);
    }
    expect(page.html).toContain('&lt;script&gt;alert(&quot;name&quot;)&lt;/script&gt;');
    expect(page.html).toContain('value="&quot;&gt;&lt;svg onload=alert(2)&gt;"');
    expect(page.html).toContain('<code>openid</code>');
    expect(page.headers.get('content-security-policy')).toBe(PAGE_CONTENT_SECURITY_POLICY);
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    const cookie = page.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^mcp_authreq=/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).toContain('Path=/mcp/oauth/');
    expect(page.action).toBe(`${stack.resource}/oauth/authorize`);
  });

  it('redirects a denial with access_denied, and keeps the request through a wrong password', async () => {
    const { challenge } = await pkce();
    const url = authorizationUrl(as, publicClient.client_id, challenge);
    const denied = await submitConsent(await openConsentPage(url), { decision: 'deny' });
    expect(denied.status).toBe(303);
    const location = new URL(denied.location as string);
    expect(Object.fromEntries(location.searchParams)).toEqual({
      error: 'access_denied',
      error_description: 'The user denied the request',
      state: 'state-1',
      iss: stack.resource,
    });

    const page = await openConsentPage(url);
    const wrong = await submitConsent(page, {
      login: user.username,
      password: 'nope-nope-1',
      decision: 'allow',
    });
    expect(wrong.status).toBe(401);
    expect(wrong.html).toContain('The e-mail/username or password is incorrect.');
    expect(wrong.html).toContain('role="alert"');
    const right = await submitConsent(page, {
      login: user.email,
      password: user.password,
      decision: 'allow',
    });
    expect(right.status).toBe(303);
    expect(new URL(right.location as string).searchParams.get('code')).toBeTruthy();
    const again = await submitConsent(page, {
      login: user.email,
      password: user.password,
      decision: 'allow',
    });
    expect(again.status).toBe(400);
    expect(again.html).toContain('This sign-in request has expired or is invalid.');
  });

  it('refuses a form without the request cookie', async () => {
    const { challenge } = await pkce();
    const page = await openConsentPage(authorizationUrl(as, publicClient.client_id, challenge));
    const answer = await submitConsent(
      { ...page, cookie: 'mcp_authreq=forged' },
      {
        login: user.username,
        password: user.password,
        decision: 'allow',
      },
    );
    expect(answer.status).toBe(400);
    expect(answer.html).toContain('This sign-in request has expired or is invalid.');
  });

  it('limits sign-in attempts per login identifier', async () => {
    const victim = await stack.registerUser('victim');
    const { challenge } = await pkce();
    const page = await openConsentPage(authorizationUrl(as, publicClient.client_id, challenge));
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 11; attempt++) {
      const answer = await submitConsent(page, {
        login: victim.username,
        password: 'wrong-pass-9',
        decision: 'allow',
      });
      statuses.push(answer.status);
      if (answer.status === 429) expect(answer.headers.get('retry-after')).toBeTruthy();
    }
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(statuses[10]).toBe(429);
  });
});

describe('token endpoint', () => {
  it('issues RFC 9068 access tokens, an ID token and userinfo for the hub user', async () => {
    const nonce = oauth.generateRandomNonce();
    const { callback, verifier } = await authorize(publicClient, { nonce });
    expect(callback.searchParams.get('iss')).toBe(stack.resource);
    const params = oauth.validateAuthResponse(as, publicClient, callback, 'state-1');
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      publicClient,
      oauth.None(),
      params,
      REDIRECT_URI,
      verifier,
      insecure,
    );
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('pragma')).toBe('no-cache');
    const tokens = await oauth.processAuthorizationCodeResponse(as, publicClient, response, {
      expectedNonce: nonce,
      requireIdToken: true,
    });
    expect(tokens).toMatchObject({ token_type: 'bearer', expires_in: 3600, scope: 'openid profile email' });
    expect(oauth.getValidatedIdTokenClaims(tokens)).toMatchObject({
      sub: String(user.id),
      aud: publicClient.client_id,
      email: user.email,
      // The hub has no e-mail sender: it marks accounts verified without proof, which is no claim to make.
      email_verified: false,
      preferred_username: user.username,
      nonce,
    });

    const claims = await oauth.validateJwtAccessToken(
      as,
      new Request(stack.resource, { headers: { Authorization: `Bearer ${tokens.access_token}` } }),
      stack.resource,
      insecure,
    );
    expect(claims).toMatchObject({
      sub: String(user.id),
      client_id: publicClient.client_id,
      email: user.email,
    });
    expect(claims.exp - claims.iat).toBe(3600);

    const userinfo = await oauth.processUserInfoResponse(
      as,
      publicClient,
      String(user.id),
      await oauth.userInfoRequest(as, publicClient, tokens.access_token, insecure),
    );
    expect(userinfo).toMatchObject({
      email: user.email,
      email_verified: false,
      preferred_username: user.username,
    });
    expect((await pingMcp(stack.resource, tokens.access_token)).status).toBe(200);
  });

  it('claims email_verified only for an address the hub saw proven', async () => {
    const proven = await stack.registerUser('proven');
    await stack.database.handle.db
      .update(users)
      .set({ emailVerifiedAt: new Date() })
      .where(eq(users.id, proven.id));
    const { verifier, challenge } = await pkce();
    const callback = await obtainCallback(as, publicClient, proven, challenge);
    const tokens = await redeem(publicClient, callback, verifier);
    expect(oauth.getValidatedIdTokenClaims(tokens)).toMatchObject({
      email: proven.email,
      email_verified: true,
    });
    const userinfo = await oauth.processUserInfoResponse(
      as,
      publicClient,
      String(proven.id),
      await oauth.userInfoRequest(as, publicClient, tokens.access_token, insecure),
    );
    expect(userinfo).toMatchObject({ email: proven.email, email_verified: true });
  });

  it('refuses a wrong or missing PKCE verifier and a mismatched redirect URI or resource', async () => {
    const token = `${stack.resource}/oauth/token`;
    const cases: [Record<string, string>, number, string][] = [
      [{ code_verifier: (await pkce()).verifier }, 400, 'invalid_grant'],
      [{ code_verifier: '' }, 400, 'invalid_grant'],
      [{ redirect_uri: 'http://127.0.0.1/elsewhere' }, 400, 'invalid_grant'],
      [{ resource: 'https://other.example/mcp' }, 400, 'invalid_target'],
    ];
    for (const [override, status, error] of cases) {
      const { callback, verifier } = await authorize(publicClient);
      const answer = await postForm(token, {
        grant_type: 'authorization_code',
        code: callback.searchParams.get('code') as string,
        redirect_uri: REDIRECT_URI,
        code_verifier: verifier,
        client_id: publicClient.client_id,
        ...override,
      });
      expect({ status: answer.status, error: answer.body.error }).toEqual({ status, error });
    }
    const { callback } = await authorize(publicClient);
    const missing = await postForm(token, {
      grant_type: 'authorization_code',
      code: callback.searchParams.get('code') as string,
      redirect_uri: REDIRECT_URI,
      client_id: publicClient.client_id,
    });
    expect(missing.body.error).toBe('invalid_request');
  });

  it('treats a replayed code as theft: invalid_grant, and the first tokens stop working', async () => {
    const { callback, verifier } = await authorize(publicClient);
    const tokens = await redeem(publicClient, callback, verifier);
    expect((await pingMcp(stack.resource, tokens.access_token)).status).toBe(200);
    const replay = await postForm(`${stack.resource}/oauth/token`, {
      grant_type: 'authorization_code',
      code: callback.searchParams.get('code') as string,
      redirect_uri: REDIRECT_URI,
      code_verifier: verifier,
      client_id: publicClient.client_id,
    });
    expect(replay.body.error).toBe('invalid_grant');
    expect((await pingMcp(stack.resource, tokens.access_token)).status).toBe(401);
  });

  it('authenticates confidential clients by Basic or post, and refuses bad credentials', async () => {
    const confidential = await register(as, { token_endpoint_auth_method: 'client_secret_basic' });
    const secret = confidential.client_secret as string;
    await expect(tokensFor(confidential, oauth.ClientSecretBasic(secret))).resolves.toHaveProperty(
      'access_token',
    );
    await expect(tokensFor(confidential, oauth.ClientSecretPost(secret))).resolves.toHaveProperty(
      'access_token',
    );

    const { callback, verifier } = await authorize(confidential);
    const form = {
      grant_type: 'authorization_code',
      code: callback.searchParams.get('code') as string,
      redirect_uri: REDIRECT_URI,
      code_verifier: verifier,
    };
    const basic = Buffer.from(`${confidential.client_id}:wrong`).toString('base64');
    const wrong = await postForm(`${stack.resource}/oauth/token`, form, { Authorization: `Basic ${basic}` });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe('invalid_client');
    expect(wrong.headers.get('www-authenticate')).toBe('Basic realm="mcp"');
    const none = await postForm(`${stack.resource}/oauth/token`, {
      ...form,
      client_id: confidential.client_id,
    });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBeNull();
  });

  it('refuses unsupported grant types and unregistered ones', async () => {
    const credentials = await postForm(`${stack.resource}/oauth/token`, {
      grant_type: 'client_credentials',
      client_id: publicClient.client_id,
    });
    expect(credentials.body.error).toBe('unsupported_grant_type');
    const codeOnly = await register(as, { grant_types: ['authorization_code'] });
    const refresh = await postForm(`${stack.resource}/oauth/token`, {
      grant_type: 'refresh_token',
      refresh_token: 'mcp_rt_x',
      client_id: codeOnly.client_id,
    });
    expect(refresh.body.error).toBe('unauthorized_client');
    const tokens = await tokensFor(codeOnly);
    expect(tokens.refresh_token).toBeUndefined();
  });

  it('rotates refresh tokens, narrows scope on request, and revokes the grant on reuse', async () => {
    const first = await tokensFor(publicClient);
    const narrowed = await oauth.processRefreshTokenResponse(
      as,
      publicClient,
      await oauth.refreshTokenGrantRequest(as, publicClient, oauth.None(), first.refresh_token as string, {
        ...insecure,
        additionalParameters: { scope: 'openid' },
      }),
    );
    expect(narrowed.scope).toBe('openid');
    expect(narrowed.refresh_token).not.toBe(first.refresh_token);
    expect(narrowed.id_token).toBeUndefined();

    const widened = await postForm(`${stack.resource}/oauth/token`, {
      grant_type: 'refresh_token',
      refresh_token: narrowed.refresh_token as string,
      client_id: publicClient.client_id,
      scope: 'openid admin',
    });
    expect(widened.body.error).toBe('invalid_scope');

    const other = await register(as);
    const stolen = await postForm(`${stack.resource}/oauth/token`, {
      grant_type: 'refresh_token',
      refresh_token: narrowed.refresh_token as string,
      client_id: other.client_id,
    });
    expect(stolen.body.error).toBe('invalid_grant');

    const reuse = await postForm(`${stack.resource}/oauth/token`, {
      grant_type: 'refresh_token',
      refresh_token: first.refresh_token as string,
      client_id: publicClient.client_id,
    });
    expect(reuse.body.error).toBe('invalid_grant');
    const afterReuse = await postForm(`${stack.resource}/oauth/token`, {
      grant_type: 'refresh_token',
      refresh_token: narrowed.refresh_token as string,
      client_id: publicClient.client_id,
    });
    expect(afterReuse.body.error).toBe('invalid_grant');
    expect((await pingMcp(stack.resource, narrowed.access_token)).status).toBe(401);
    const grants = await stack.database.db
      .select()
      .from(oauthGrants)
      .where(eq(oauthGrants.revokedReason, 'refresh_reuse'));
    expect(grants.length).toBeGreaterThan(0);
    expect(grants[0]?.hubRefreshTokenEnc).toBeNull();
  });

  it("answers revocation 200 for unknown tokens and ignores another client's tokens", async () => {
    const tokens = await tokensFor(publicClient);
    const other = await register(as);
    for (const token of ['garbage', 'mcp_rt_unknown', tokens.access_token, tokens.refresh_token as string]) {
      const response = await oauth.revocationRequest(as, other, oauth.None(), token, insecure);
      expect(response.status).toBe(200);
    }
    expect((await pingMcp(stack.resource, tokens.access_token)).status).toBe(200);
  });
});

describe('access tokens at the MCP endpoint', () => {
  async function forge(
    claims: Record<string, unknown>,
    options: { typ?: string; foreignKey?: boolean } = {},
  ) {
    const now = Math.floor(Date.now() / 1000);
    const key = options.foreignKey
      ? generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey
      : stack.mcp.keyRing.signingKey;
    return new SignJWT({
      sub: String(user.id),
      email: user.email,
      scope: 'openid',
      client_id: publicClient.client_id,
      sid: '00000000-0000-4000-8000-000000000000',
      jti: crypto.randomUUID(),
      iss: stack.resource,
      aud: stack.resource,
      iat: now,
      exp: now + 600,
      ...claims,
    })
      .setProtectedHeader({ alg: 'RS256', typ: options.typ ?? 'at+jwt', kid: stack.mcp.keyRing.currentKid })
      .sign(key);
  }

  it.each([
    ['expired', () => forge({ iat: 1_000_000, exp: 1_000_600 }), 'The access token has expired'],
    ['forged', () => forge({}, { foreignKey: true }), 'The access token is invalid'],
    [
      'for another audience',
      () => forge({ aud: 'https://other.example/mcp' }),
      'not issued for this resource',
    ],
    ['from another issuer', () => forge({ iss: 'https://evil.example/mcp' }), 'not issued by this server'],
    ['not an access token', () => forge({}, { typ: 'JWT' }), 'not an access token'],
  ])('refuses an %s token with the challenge', async (_name, make, description) => {
    const response = await pingMcp(stack.resource, await make());
    expect(response.status).toBe(401);
    const challenge = response.headers.get('www-authenticate') ?? '';
    expect(challenge).toContain(
      `resource_metadata="${stack.mcpUrl}/.well-known/oauth-protected-resource/mcp"`,
    );
    expect(challenge).toContain('error="invalid_token"');
    expect(((await response.json()) as { error_description: string }).error_description).toContain(
      description,
    );
  });

  it('refuses a Host outside MCP_ALLOWED_HOSTS (DNS rebinding)', async () => {
    const request = (host: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = http.request(
          {
            host: '127.0.0.1',
            port: new URL(stack.mcpUrl).port,
            path: '/mcp',
            method: 'POST',
            headers: { Host: host },
          },
          (res) => {
            let body = '';
            res.on('data', (chunk) => {
              body += chunk;
            });
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          },
        );
        req.on('error', reject);
        req.end('{}');
      });
    const rebound = await request('evil.example:8002');
    expect(rebound.status).toBe(403);
    expect(JSON.parse(rebound.body)).toEqual({ error: 'forbidden', error_description: 'Host not allowed' });
    expect((await request('localhost:1234')).status).toBe(401);
    expect((await request('mcp:8002')).status).toBe(401);
  });

  it('refuses an Origin outside MCP_ALLOWED_ORIGINS when that list is set', async () => {
    const app = createApp({
      ...stack.mcp,
      config: { ...stack.mcp.config, MCP_ALLOWED_ORIGINS: ['https://app.example'] },
    });
    const post = (origin: string) =>
      app.request('http://localhost/mcp', { method: 'POST', headers: { Origin: origin }, body: '{}' });
    const refused = await post('https://evil.example');
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({ error: 'forbidden', error_description: 'Origin not allowed' });
    expect((await post('https://app.example')).status).toBe(401);
  });
});

describe('client ID metadata documents', () => {
  it('authorizes a client by its metadata document URL, showing the verified host', async () => {
    const client: oauth.Client = { client_id: CIMD_ID, token_endpoint_auth_method: 'none' };
    const { challenge, verifier } = await pkce();
    const page = await openConsentPage(authorizationUrl(as, CIMD_ID, challenge));
    expect(page.html).toContain('Metadata Document Client');
    expect(page.html).toContain('cimd.example.test');
    const answer = await submitConsent(page, {
      login: user.username,
      password: user.password,
      decision: 'allow',
    });
    const tokens = await redeem(client, new URL(answer.location as string), verifier);
    expect(tokens.refresh_token).toMatch(/^mcp_rt_/);
    const [row] = await stack.database.db
      .select()
      .from(oauthClients)
      .where(eq(oauthClients.clientId, CIMD_ID));
    expect(row).toMatchObject({
      registrationType: 'cimd',
      clientType: 'public',
      tokenEndpointAuthMethod: 'none',
    });
  });

  it.each([
    ['https://127.0.0.1/oauth/metadata.json', 'could not be fetched'],
    ['https://10.1.2.3/client', 'could not be fetched'],
    ['https://cimd.example.test/wrong-id.json', 'names a different client_id'],
  ])('refuses %s with an HTML page', async (clientId, message) => {
    const { challenge } = await pkce();
    const response = await fetch(authorizationUrl(as, clientId, challenge), { redirect: 'manual' });
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(await response.text()).toContain(message);
  });
});

describe('rate limits', () => {
  it('answers registrations and token requests over the limit in OAuth format', async () => {
    const app = createApp({
      ...stack.mcp,
      config: {
        ...stack.mcp.config,
        MCP_REGISTER_RATE_LIMIT_PER_HOUR: 1,
        MCP_TOKEN_RATE_LIMIT_PER_MINUTE: 1,
      },
    });
    const headers = { 'X-Real-IP': '203.0.113.7', 'Content-Type': 'application/json' };
    const body = JSON.stringify({ redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: 'none' });
    expect((await app.request('/register', { method: 'POST', headers, body })).status).toBe(201);
    const limited = await app.request('/register', { method: 'POST', headers, body });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await limited.json()).toEqual({
      error: 'temporarily_unavailable',
      error_description: 'Too many requests',
    });

    const form = { 'X-Real-IP': '203.0.113.7', 'Content-Type': 'application/x-www-form-urlencoded' };
    await app.request('/mcp/oauth/token', {
      method: 'POST',
      headers: form,
      body: 'grant_type=refresh_token',
    });
    const token = await app.request('/mcp/oauth/token', {
      method: 'POST',
      headers: form,
      body: 'grant_type=x',
    });
    expect(token.status).toBe(429);
    expect(token.headers.get('x-ratelimit-limit')).toBe('1');
  });
});

describe('health, readiness and metrics', () => {
  it('reports liveness, dependencies and OAuth metrics', async () => {
    for (const path of ['/health', '/mcp/health']) {
      const body = (await (await fetch(`${stack.mcpUrl}${path}`)).json()) as Record<string, unknown>;
      expect(body).toMatchObject({ status: 'healthy', service: 'mcp', version: expect.any(String) });
    }
    const ready = await fetch(`${stack.mcpUrl}/ready`);
    expect(ready.status).toBe(200);
    const report = (await ready.json()) as { status: string; components: Record<string, { status: string }> };
    expect(report.status).toBe('ready');
    for (const component of ['database', 'redis', 'signing_key', 'backend']) {
      expect(report.components[component]?.status).toBe('ok');
    }
    const metrics = await (await fetch(`${stack.mcpUrl}/metrics`)).text();
    expect(metrics).toContain('oauth_tokens_issued_total{grant_type="authorization_code"}');
    expect(metrics).toContain('oauth_authorizations_total{outcome="allowed"}');
  });
});
