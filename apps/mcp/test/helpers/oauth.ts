import * as oauth from 'oauth4webapi';
import { authorizeInBrowser } from './browser';

export const REDIRECT_URI = 'http://127.0.0.1/callback';

/** An http issuer on loopback: oauth4webapi requires the explicit opt-in for non-https endpoints. */
export const insecure = { [oauth.allowInsecureRequests]: true } as const;

export async function discover(issuer: string, algorithm: 'oauth2' | 'oidc' = 'oauth2') {
  const url = new URL(issuer);
  return oauth.processDiscoveryResponse(url, await oauth.discoveryRequest(url, { algorithm, ...insecure }));
}

export async function register(as: oauth.AuthorizationServer, metadata: Partial<oauth.Client> = {}) {
  const response = await oauth.dynamicClientRegistrationRequest(
    as,
    {
      client_name: 'oauth4webapi test client',
      redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token'],
      token_endpoint_auth_method: 'none',
      ...metadata,
    },
    insecure,
  );
  return oauth.processDynamicClientRegistrationResponse(response);
}

export interface PkcePair {
  verifier: string;
  challenge: string;
}

export async function pkce(): Promise<PkcePair> {
  const verifier = oauth.generateRandomCodeVerifier();
  return { verifier, challenge: await oauth.calculatePKCECodeChallenge(verifier) };
}

/** An authorization URL with every required parameter, overridable one by one (`null` removes one). */
export function authorizationUrl(
  as: oauth.AuthorizationServer,
  clientId: string,
  challenge: string,
  overrides: Record<string, string | null> = {},
): URL {
  const url = new URL(as.authorization_endpoint as string);
  const params: Record<string, string | null> = {
    response_type: 'code',
    client_id: clientId,
    redirect_uri: REDIRECT_URI,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state: 'state-1',
    scope: 'openid profile email',
    ...overrides,
  };
  for (const [key, value] of Object.entries(params)) if (value !== null) url.searchParams.set(key, value);
  return url;
}

/** Runs authorization through the consent page and returns the callback URL. */
export async function obtainCallback(
  as: oauth.AuthorizationServer,
  client: oauth.Client,
  login: { username: string; password: string },
  challenge: string,
  overrides: Record<string, string | null> = {},
): Promise<URL> {
  return authorizeInBrowser(
    authorizationUrl(as, client.client_id, challenge, overrides),
    login.username,
    login.password,
  );
}

export interface RawAnswer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

/** A raw form POST (for requests oauth4webapi would refuse to build). */
export async function postForm(
  url: string,
  form: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<RawAnswer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : {} };
}

/** A JSON-RPC ping at the MCP endpoint with the given bearer token. */
export function pingMcp(resource: string, token: string | undefined, headers: Record<string, string> = {}) {
  return fetch(resource, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Accept: 'application/json, text/event-stream',
      ...(token === undefined ? {} : { Authorization: `Bearer ${token}` }),
      ...headers,
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: '2025-11-25',
        capabilities: {},
        clientInfo: { name: 'raw-test', version: '1.0.0' },
      },
    }),
  });
}
