import type * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discover, obtainCallback, pkce, postForm, REDIRECT_URI, register } from './helpers/oauth';
import { type Stack, startStack } from './helpers/stack';

// Issue 19: hostile input at the OAuth routes (defects 4 and 5) and the checks its mutation run found untested.

let stack: Stack;
let as: oauth.AuthorizationServer;
let user: Awaited<ReturnType<Stack['registerUser']>>;
let publicClient: oauth.Client;

beforeAll(async () => {
  stack = await startStack({
    satellite: false,
    mcpEnv: {
      MCP_LOGIN_RATE_LIMIT_PER_MINUTE: '1000',
      MCP_TOKEN_RATE_LIMIT_PER_MINUTE: '1000',
      MCP_REGISTER_RATE_LIMIT_PER_HOUR: '1000',
    },
  });
  as = await discover(stack.resource);
  user = await stack.registerUser('hard');
  publicClient = await register(as);
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

async function registerRaw(body: string) {
  const response = await fetch(`${stack.resource}/oauth/register`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function codeAndVerifier(client: oauth.Client) {
  const { verifier, challenge } = await pkce();
  const callback = await obtainCallback(as, client, user, challenge);
  return { code: callback.searchParams.get('code') as string, verifier };
}

describe('NUL and unpaired surrogates (defect 4)', () => {
  const BAD = ['\u0000', '\ud800', '\udfff'];

  it.each([
    ['client_name', (bad: string) => ({ client_name: `a${bad}b` }), 'invalid_client_metadata'],
    ['contacts', (bad: string) => ({ contacts: [`ops${bad}@example.com`] }), 'invalid_client_metadata'],
    ['software_id', (bad: string) => ({ software_id: `id${bad}` }), 'invalid_client_metadata'],
    ['software_version', (bad: string) => ({ software_version: `1${bad}` }), 'invalid_client_metadata'],
    [
      'redirect_uris',
      (bad: string) => ({ redirect_uris: [`https://app.example/cb${bad}`] }),
      'invalid_redirect_uri',
    ],
    ['an unknown key', (bad: string) => ({ [`x${bad}`]: 'y' }), 'invalid_client_metadata'],
  ])('registration refuses them in %s with %s', async (_field, extra, error) => {
    for (const bad of BAD) {
      const res = await registerRaw(
        JSON.stringify({ redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: 'none', ...extra(bad) }),
      );
      expect(res.status).toBe(400);
      expect(res.body.error).toBe(error);
    }
  });

  it('registration refuses deeply nested JSON as invalid metadata', async () => {
    const res = await registerRaw(`{"redirect_uris":${'['.repeat(5000)}${']'.repeat(5000)}}`);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_client_metadata');
  });

  it('the authorization page answers an unknown-client page, without a query', async () => {
    const { challenge } = await pkce();
    for (const clientId of [
      'a%00b',
      `a${encodeURIComponent('\u0000')}`,
      'https%3A%2F%2Fapp.example%2Fc%00',
    ]) {
      const url = `${as.authorization_endpoint}?response_type=code&client_id=${clientId}&redirect_uri=${encodeURIComponent(REDIRECT_URI)}&code_challenge=${challenge}&code_challenge_method=S256`;
      const response = await fetch(url, { redirect: 'manual' });
      expect(response.status).toBe(400);
      expect(response.headers.get('location')).toBeNull();
      expect(await response.text()).toContain('Unknown client.');
    }
  });

  it('token and revocation answer invalid_client for such a client_id, in the form or in Basic', async () => {
    for (const path of ['/oauth/token', '/oauth/revoke']) {
      for (const bad of BAD) {
        const form = await postForm(`${stack.resource}${path}`, {
          grant_type: 'refresh_token',
          refresh_token: 'mcp_rt_x',
          token: 'x',
          client_id: `a${bad}b`,
        });
        expect(form.status).toBe(401);
        expect(form.body.error).toBe('invalid_client');
        // Basic credentials are UTF-8 and percent-decoded: only NUL can arrive through them.
        if (bad !== '\u0000') continue;
        const basic = Buffer.from('a%00b:secret').toString('base64');
        const viaBasic = await postForm(
          `${stack.resource}${path}`,
          { grant_type: 'refresh_token', refresh_token: 'mcp_rt_x', token: 'x' },
          { Authorization: `Basic ${basic}` },
        );
        expect(viaBasic.status).toBe(401);
        expect(viaBasic.body.error).toBe('invalid_client');
      }
    }
  });
});

describe('the sign-in form (defect 5)', () => {
  it('answers 400 to multipart/form-data without a boundary', async () => {
    const response = await fetch(`${stack.resource}/oauth/authorize`, {
      method: 'POST',
      headers: { 'Content-Type': 'multipart/form-data' },
      body: 'request_id=x&login=a&password=b&decision=allow',
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('text/html');
  });
});

describe('JSON-RPC at /mcp', () => {
  it('refuses JSON nested deeper than 64 levels with a parse error before the SDK walks it', async () => {
    const { code, verifier } = await codeAndVerifier(publicClient);
    const tokens = await postForm(`${stack.resource}/oauth/token`, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT_URI,
      code_verifier: verifier,
      client_id: publicClient.client_id,
    });
    expect(tokens.status).toBe(200);
    const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    const response = await fetch(stack.resource, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Accept: 'application/json, text/event-stream',
        Authorization: `Bearer ${tokens.body.access_token as string}`,
      },
      body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search_endpoints","arguments":{"query":${deep}}}}`,
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32700, message: 'Parse error: JSON nesting exceeds 64 levels' },
    });
  });
});

// Issue 19's mutation run: checks of the token endpoint that no test failed without.
describe('token endpoint guards', () => {
  async function redeemFor(client: oauth.Client, code: string, verifier: string) {
    return postForm(`${stack.resource}/oauth/token`, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT_URI,
      code_verifier: verifier,
      client_id: client.client_id,
    });
  }

  it('refuses a code redeemed by another client than it was issued to, and burns it', async () => {
    const other = await register(as);
    const { code, verifier } = await codeAndVerifier(publicClient);
    // Same redirect URI, right verifier: only the code's client differs.
    const stolen = await redeemFor(other, code, verifier);
    expect(stolen.status).toBe(400);
    expect(stolen.body.error).toBe('invalid_grant');
    expect(stolen.body.access_token).toBeUndefined();
    const rightful = await redeemFor(publicClient, code, verifier);
    expect(rightful.body.error).toBe('invalid_grant');
  });

  it('lets at most one of 10 concurrent refreshes with one refresh token win, 10 times over', async () => {
    const { code, verifier } = await codeAndVerifier(publicClient);
    const first = await redeemFor(publicClient, code, verifier);
    expect(first.status).toBe(200);
    let current = first.body.refresh_token as string;
    for (let pair = 0; pair < 10; pair++) {
      const answers = await Promise.all(
        Array.from({ length: 10 }, () =>
          postForm(`${stack.resource}/oauth/token`, {
            grant_type: 'refresh_token',
            refresh_token: current,
            client_id: publicClient.client_id,
          }),
        ),
      );
      const won = answers.filter((answer) => answer.status === 200);
      // Within the reuse grace window the losers are refused without revoking the grant, so the chain goes on.
      expect(won).toHaveLength(1);
      for (const answer of answers)
        if (answer.status !== 200) expect(answer.body.error).toBe('invalid_grant');
      current = won[0]?.body.refresh_token as string;
    }
    const last = await postForm(`${stack.resource}/oauth/token`, {
      grant_type: 'refresh_token',
      refresh_token: current,
      client_id: publicClient.client_id,
    });
    expect(last.status).toBe(200);
  });
});
