import type { McpConfig } from './env';

/**
 * Every public URL of the service, built once from the settings and never from an incoming request: TLS ends at
 * nginx, so the URL a request arrives on is an internal http address.
 */
export interface PublicUrls {
  issuer: string;
  resource: string;
  authorization: string;
  token: string;
  registration: string;
  revocation: string;
  userinfo: string;
  jwks: string;
  /** RFC 9728 path-inserted metadata URL advertised in every 401 challenge. */
  protectedResourceMetadata: string;
  documentation: string;
  /** Path the consent form posts to and the `mcp_authreq` cookie is scoped under. */
  authorizePath: string;
  cookiePath: string;
  staticPath: string;
  /** Hub links shown on the consent page. */
  hubRegister: string;
  hubReset: string;
  hubLogin: string;
}

export function buildPublicUrls(config: McpConfig): PublicUrls {
  const issuer = config.OAUTH_ISSUER;
  const resource = config.API_BASE_URL;
  const resourceUrl = new URL(resource);
  const issuerPath = new URL(issuer).pathname.replace(/\/$/, '');
  const hub = config.SYFTHUB_PUBLIC_URL;
  return {
    issuer,
    resource,
    authorization: `${issuer}/oauth/authorize`,
    token: `${issuer}/oauth/token`,
    registration: `${issuer}/oauth/register`,
    revocation: `${issuer}/oauth/revoke`,
    userinfo: `${issuer}/oauth/userinfo`,
    jwks: `${issuer}/.well-known/jwks.json`,
    protectedResourceMetadata: `${resourceUrl.origin}/.well-known/oauth-protected-resource${resourceUrl.pathname.replace(/\/$/, '')}`,
    documentation: `${hub}/build#mcp`,
    authorizePath: `${issuerPath}/oauth/authorize`,
    cookiePath: `${issuerPath}/oauth/`,
    staticPath: `${issuerPath}/static`,
    hubRegister: `${hub}/?auth=register`,
    hubReset: `${hub}/?auth=reset`,
    hubLogin: `${hub}/?auth=login`,
  };
}
