/**
 * Obtains an MCP access token the way a real client does (mcp.md §4): discovery, dynamic client registration,
 * PKCE authorization through the sign-in/consent form, then the token endpoint.
 */
import * as oauth from 'oauth4webapi';

const REDIRECT_URI = 'http://127.0.0.1/callback';
// The service runs on plain http on loopback; oauth4webapi needs the explicit opt-in for that.
const insecure = { [oauth.allowInsecureRequests]: true } as const;

function formField(html: string, pattern: RegExp, what: string): string {
  const value = pattern.exec(html)?.[1];
  if (value === undefined) throw new Error(`MCP sign-in page has no ${what}: ${html.slice(0, 300)}`);
  return value.replace(/&amp;/g, '&').replace(/&quot;/g, '"');
}

export async function obtainMcpToken(resource: string, username: string, password: string): Promise<string> {
  const issuer = new URL(resource);
  const as = await oauth.processDiscoveryResponse(
    issuer,
    await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }),
  );
  const client = await oauth.processDynamicClientRegistrationResponse(
    await oauth.dynamicClientRegistrationRequest(
      as,
      {
        client_name: 'syfthub bench',
        redirect_uris: [REDIRECT_URI],
        grant_types: ['authorization_code', 'refresh_token'],
        token_endpoint_auth_method: 'none',
      },
      insecure,
    ),
  );
  const verifier = oauth.generateRandomCodeVerifier();
  const authorize = new URL(as.authorization_endpoint as string);
  for (const [key, value] of Object.entries({
    response_type: 'code',
    client_id: client.client_id,
    redirect_uri: REDIRECT_URI,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state: 'bench',
    scope: 'openid profile email',
    resource,
  })) {
    authorize.searchParams.set(key, value);
  }

  const page = await fetch(authorize, { redirect: 'manual' });
  const html = await page.text();
  const form = await fetch(
    new URL(formField(html, /<form method="post" action="([^"]*)">/, 'form'), authorize),
    {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        Cookie: (page.headers.get('set-cookie') ?? '').split(';')[0] ?? '',
      },
      body: new URLSearchParams({
        request_id: formField(html, /<input type="hidden" name="request_id" value="([^"]*)">/, 'request id'),
        login: username,
        password,
        decision: 'allow',
      }),
    },
  );
  const location = form.headers.get('location');
  if (form.status !== 303 || !location) {
    throw new Error(`MCP sign-in failed (${form.status}): ${(await form.text()).slice(0, 300)}`);
  }
  const params = oauth.validateAuthResponse(as, client, new URL(location), 'bench');
  const tokens = await oauth.processAuthorizationCodeResponse(
    as,
    client,
    await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, REDIRECT_URI, verifier, {
      ...insecure,
      additionalParameters: { resource },
    }),
  );
  return tokens.access_token;
}
