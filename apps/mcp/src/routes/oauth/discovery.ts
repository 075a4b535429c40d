import { type Env, setResponseHeader } from '@syfthub/service';
import type { Hono, MiddlewareHandler } from 'hono';
import type { McpDeps } from '../../deps';
import { SUPPORTED_SCOPES } from '../../oauth/params';

const PRM_PATHS = [
  '/.well-known/oauth-protected-resource/mcp',
  '/mcp/.well-known/oauth-protected-resource',
  '/.well-known/oauth-protected-resource',
];

const AS_PATHS = [
  '/.well-known/oauth-authorization-server/mcp',
  '/mcp/.well-known/oauth-authorization-server',
  '/.well-known/oauth-authorization-server',
  '/.well-known/openid-configuration/mcp',
  '/mcp/.well-known/openid-configuration',
  '/.well-known/openid-configuration',
];

const JWKS_PATH = '/mcp/.well-known/jwks.json';

/** RFC 9728 protected resource metadata (mcp.md §3.1). */
function protectedResourceMetadata(deps: McpDeps) {
  const { urls } = deps;
  return {
    resource: urls.resource,
    authorization_servers: [urls.issuer],
    scopes_supported: [...SUPPORTED_SCOPES],
    bearer_methods_supported: ['header'],
    resource_name: 'SyftHub',
    resource_documentation: urls.documentation,
  };
}

/** RFC 8414 / OpenID Connect discovery metadata (mcp.md §3.2); `resource` is never folded into a URL. */
function authorizationServerMetadata(deps: McpDeps) {
  const { urls, config } = deps;
  return {
    issuer: urls.issuer,
    authorization_endpoint: urls.authorization,
    token_endpoint: urls.token,
    ...(config.MCP_DCR_ENABLED ? { registration_endpoint: urls.registration } : {}),
    revocation_endpoint: urls.revocation,
    userinfo_endpoint: urls.userinfo,
    jwks_uri: urls.jwks,
    scopes_supported: [...SUPPORTED_SCOPES],
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    token_endpoint_auth_methods_supported: ['none', 'client_secret_basic', 'client_secret_post'],
    revocation_endpoint_auth_methods_supported: ['none', 'client_secret_basic', 'client_secret_post'],
    code_challenge_methods_supported: ['S256'],
    client_id_metadata_document_supported: config.MCP_CIMD_ENABLED,
    authorization_response_iss_parameter_supported: true,
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    claims_supported: [
      'sub',
      'iss',
      'aud',
      'exp',
      'iat',
      'auth_time',
      'nonce',
      'email',
      'email_verified',
      'name',
      'preferred_username',
    ],
    service_documentation: urls.documentation,
  };
}

/**
 * Public, cacheable documents any origin may read. Set after the handler because the app-wide CORS middleware
 * echoes the request's origin, and a set-before value would be overwritten by it.
 */
const publicDocument: MiddlewareHandler = async (c, next) => {
  await next();
  if (c.res.status !== 200) return;
  setResponseHeader(c, 'Access-Control-Allow-Origin', '*');
  c.res.headers.delete('Access-Control-Allow-Credentials');
  setResponseHeader(c, 'Cache-Control', 'public, max-age=300');
};

/** Discovery documents at the path-inserted, prefixed and root-fallback paths, and the JWKS (mcp.md §3, §4.8). */
export function registerDiscoveryRoutes(app: Hono<Env>, deps: McpDeps): void {
  // Built once: the documents never change while the process runs, and the issuer stays byte-identical.
  const prm = protectedResourceMetadata(deps);
  const as = authorizationServerMetadata(deps);
  for (const path of PRM_PATHS) app.get(path, publicDocument, (c) => c.json(prm));
  for (const path of AS_PATHS) app.get(path, publicDocument, (c) => c.json(as));
  app.get(JWKS_PATH, publicDocument, (c) => c.json(deps.keyRing.jwks()));
}
