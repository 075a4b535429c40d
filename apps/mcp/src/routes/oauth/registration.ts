import { oauthClients } from '@syfthub/db';
import {
  bodyLimit,
  clientIp,
  currentLogger,
  type Env,
  parseJsonBounded,
  rateLimitSubject,
} from '@syfthub/service';
import type { Context, Hono } from 'hono';
import type { McpDeps } from '../../deps';
import { type ClientMetadata, metadataColumns, validateClientMetadata } from '../../oauth/client-metadata';
import { oauthError, oauthRateLimited, oauthServerErrors } from '../../oauth/errors';
import { randomToken, sha256Hex } from '../../oauth/params';
import { hitRateLimit } from '../../oauth/rate-limits';

const MAX_REGISTRATION_BYTES = 64 * 1024;
const HOUR_SECONDS = 3600;

/**
 * The JSON body, or undefined when it is not JSON or nests deeper than any metadata does (validation then reports
 * it as invalid metadata).
 */
async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  try {
    return parseJsonBounded(text);
  } catch {
    return undefined;
  }
}

/** Metadata without its unset fields: RFC 7591 clients expect absent values to be omitted, not null. */
function withoutNulls(metadata: ClientMetadata): Record<string, unknown> {
  return Object.fromEntries(Object.entries(metadata).filter(([, value]) => value !== null));
}

/** RFC 7591 dynamic client registration (mcp.md §4.1), at `/mcp/oauth/register` and the `/register` alias. */
export function registerRegistrationRoutes(app: Hono<Env>, deps: McpDeps): void {
  const { config, db } = deps;

  const handler = async (c: Context<Env>) => {
    if (!config.MCP_DCR_ENABLED) {
      return oauthError(c, 403, 'invalid_request', 'Dynamic client registration is disabled');
    }
    const ip = clientIp(c, deps.trustedProxies);
    const limited = await hitRateLimit(
      deps.kv,
      'mcp-register',
      rateLimitSubject(ip),
      config.MCP_REGISTER_RATE_LIMIT_PER_HOUR,
      HOUR_SECONDS,
    );
    if (limited) return oauthRateLimited(c, limited);

    const body = await readJson(c);
    const result = validateClientMetadata(body, 'dcr');
    if (!result.ok) return oauthError(c, 400, result.error, result.description);
    const metadata = result.metadata;

    const clientId = `client_${randomToken(16)}`;
    const confidential = metadata.token_endpoint_auth_method !== 'none';
    const secret = confidential ? `secret_${randomToken(32)}` : undefined;
    const issuedAt = new Date();
    await db.insert(oauthClients).values({
      clientId,
      registrationType: 'dcr',
      clientType: confidential ? 'confidential' : 'public',
      clientSecretHash: secret === undefined ? null : sha256Hex(secret),
      tokenEndpointAuthMethod: metadata.token_endpoint_auth_method,
      ...metadataColumns(metadata),
      metadata: withoutNulls(metadata),
      registeredIp: ip.slice(0, 45),
      createdAt: issuedAt,
      updatedAt: issuedAt,
    });
    currentLogger()?.info(
      { event: 'oauth.client.registered', client_id: clientId, registration_type: 'dcr' },
      'OAuth client registered',
    );
    return c.json(
      {
        ...withoutNulls(metadata),
        client_id: clientId,
        client_id_issued_at: Math.floor(issuedAt.getTime() / 1000),
        ...(secret === undefined ? {} : { client_secret: secret, client_secret_expires_at: 0 }),
      },
      201,
      { 'Cache-Control': 'no-store', Pragma: 'no-cache' },
    );
  };

  for (const path of ['/mcp/oauth/register', '/register']) {
    app.post(path, oauthServerErrors(), bodyLimit(MAX_REGISTRATION_BYTES), handler);
  }
}
