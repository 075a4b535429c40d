import { type AuthInfo, createMcpHandler } from '@modelcontextprotocol/server';
import { currentLogger, type Env, jsonNestingExceeds, MAX_JSON_DEPTH } from '@syfthub/service';
import type { Context, Hono } from 'hono';
import type { McpDeps } from '../deps';
import { DEFAULT_SCOPE } from '../oauth/params';
import { authenticateBearer } from '../routes/oauth/bearer';
import { createMcpServer } from './server';
import type { ToolUser } from './tool-runner';

/** JSON-RPC bodies up to 1 MiB (mcp.md §5.1); the app-wide body limit answers 413 beyond. */
const MAX_BODY_BYTES = 1024 * 1024;

interface HostRule {
  host: string;
  port: string | null;
}

/** `host` (any port) or `host:port` entries of `MCP_ALLOWED_HOSTS`; IPv6 literals in brackets. */
export function parseHostRules(entries: readonly string[]): HostRule[] {
  return entries.map((entry) => {
    const text = entry.trim().toLowerCase();
    const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(text);
    return match?.[1] ? { host: match[1], port: match[2] ?? null } : { host: text, port: null };
  });
}

export function hostAllowed(rules: readonly HostRule[], hostHeader: string): boolean {
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(hostHeader.trim().toLowerCase());
  if (!match?.[1]) return false;
  const host = match[1];
  const port = match[2] ?? null;
  return rules.some((rule) => rule.host === host && (rule.port === null || rule.port === port));
}

/**
 * The request to hand to the SDK, or the answer when its body nests deeper than MAX_JSON_DEPTH: a POST body is read
 * here first so such JSON is refused (a JSON-RPC parse error, as the SDK answers malformed JSON) before anything
 * walks it recursively.
 */
async function boundedRequest(c: Context): Promise<Request | Response> {
  if (c.req.method !== 'POST') return c.req.raw;
  const text = await c.req.text();
  if (jsonNestingExceeds(text)) {
    const message = `Parse error: JSON nesting exceeds ${MAX_JSON_DEPTH} levels`;
    return c.json({ jsonrpc: '2.0', id: null, error: { code: -32700, message } }, 400);
  }
  return new Request(c.req.raw, { body: text });
}

function forbidden(c: Context, description: string): Response {
  return c.json({ error: 'forbidden', error_description: description }, 403);
}

/** `/mcp`: DNS-rebinding guard, bearer authentication, then the SDK's Streamable HTTP handler (mcp.md §5.2). */
export function registerMcpRoutes(app: Hono<Env>, deps: McpDeps): void {
  const { config, urls } = deps;
  const hostRules = parseHostRules(config.MCP_ALLOWED_HOSTS);
  const allowedOrigins = new Set(config.MCP_ALLOWED_ORIGINS.map((o) => o.replace(/\/+$/, '').toLowerCase()));
  const challenge = `Bearer realm="mcp", resource_metadata="${urls.protectedResourceMetadata}", scope="${DEFAULT_SCOPE}"`;

  const handler = createMcpHandler(
    ({ authInfo }) => createMcpServer(deps, authInfo?.extra?.user as ToolUser),
    {
      legacy: 'stateless',
      maxRequestBodySize: MAX_BODY_BYTES,
      onerror: (error) => (currentLogger() ?? deps.logger).debug({ event: 'mcp.request.rejected', error }),
    },
  );

  app.on(['GET', 'POST', 'DELETE'], '/mcp', async (c) => {
    const host = c.req.header('host') ?? new URL(c.req.url).host;
    if (!hostAllowed(hostRules, host)) return forbidden(c, 'Host not allowed');
    const origin = c.req.header('origin');
    if (allowedOrigins.size > 0 && origin !== undefined && !allowedOrigins.has(origin.toLowerCase())) {
      return forbidden(c, 'Origin not allowed');
    }

    const auth = await authenticateBearer(deps, c.req.header('authorization'));
    if (!auth.ok) {
      const header = auth.presented
        ? `${challenge}, error="invalid_token", error_description="${auth.description}"`
        : challenge;
      return c.json({ error: 'invalid_token', error_description: auth.description }, 401, {
        'WWW-Authenticate': header,
      });
    }
    const { claims } = auth;
    const user: ToolUser = {
      userId: Number(claims.sub),
      email: claims.email,
      grantId: claims.sid,
      clientId: claims.client_id,
    };
    c.set('principal', { user: { id: user.userId } });
    const authInfo: AuthInfo = {
      token: auth.token,
      clientId: claims.client_id,
      scopes: claims.scope.split(' '),
      expiresAt: claims.exp,
      resource: new URL(urls.resource),
      resourceMetadataUrl: urls.protectedResourceMetadata,
      extra: { user },
    };
    const request = await boundedRequest(c);
    return request instanceof Response ? request : handler.fetch(request, { authInfo });
  });
}
