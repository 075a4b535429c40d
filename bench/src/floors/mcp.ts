/**
 * The MCP service's floor for `discover_syfthub_endpoints`: a bare Hono route that verifies the MCP access token
 * (RS256 against the service's JWKS, plus the revocation key in Redis), pages through the hub's public listing
 * exactly as the tool does (up to ten pages of 100, then one probe), formats the same Markdown table and answers
 * a JSON-RPC result. No MCP SDK, grant lookups, hub-session refresh or logging.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { Redis } from 'ioredis';
import { createRemoteJWKSet, jwtVerify } from 'jose';

const env = process.env as Record<string, string>;
const jwks = createRemoteJWKSet(new URL(env.MCP_JWKS_URL as string));
const redis = new Redis(env.REDIS_URL as string);
const hub = env.HUB_URL as string;
const hubToken = env.HUB_ACCESS_TOKEN as string;

interface Listed {
  name: string;
  slug: string;
  type: string;
  description: string;
  owner_username: string;
  connect: Array<{ enabled: boolean; config: { url?: string } }>;
}

async function page(skip: number, limit: number): Promise<Listed[]> {
  const res = await fetch(`${hub}/api/v1/endpoints/public?skip=${skip}&limit=${limit}`, {
    headers: { authorization: `Bearer ${hubToken}` },
  });
  return (await res.json()) as Listed[];
}

const app = new Hono();

app.get('/health', (c) => c.json({ status: 'healthy' }));

app.post('/mcp', async (c) => {
  const token = /^bearer[ \t]+(\S+)/i.exec(c.req.header('authorization') ?? '')?.[1] ?? '';
  let jti: string;
  try {
    ({
      payload: { jti = '' },
    } = await jwtVerify(token, jwks, { algorithms: ['RS256'] }));
  } catch {
    return c.json({ error: 'invalid_token' }, 401);
  }
  if (await redis.exists(`mcp:oauth:revoked-jti:${jti}`)) return c.json({ error: 'invalid_token' }, 401);
  const request = (await c.req.json()) as { id: number };

  const endpoints: Listed[] = [];
  let truncated = false;
  for (let n = 0; n < 10; n += 1) {
    const batch = await page(n * 100, 100);
    endpoints.push(...batch);
    if (batch.length < 100) break;
    if (n === 9) truncated = (await page(1000, 1)).length > 0;
  }
  const entries = endpoints.map((e) => {
    const url = e.connect.find((conn) => conn.enabled)?.config.url ?? null;
    return {
      path: `${e.owner_username}/${e.slug}`,
      name: e.name,
      description: e.description.slice(0, 200),
      owner: e.owner_username,
      has_url: url !== null,
      url,
      slug: e.slug,
      tenant_name: null,
      type: e.type,
    };
  });
  const models = entries.filter((e) => e.type === 'model' || e.type === 'model_data_source');
  const dataSources = entries.filter((e) => e.type === 'data_source' || e.type === 'model_data_source');
  const table = (list: typeof entries) =>
    list
      .map(
        (e) =>
          `| ${e.path} | ${e.name} | ${e.description.slice(0, 50)} | ${e.has_url ? 'Ready' : 'No URL'} |`,
      )
      .join('\n');
  const structured = {
    success: true,
    formatted_output: `## Available SyftHub Endpoints\n\n${table(models)}\n\n${table(dataSources)}`,
    models,
    data_sources: dataSources,
    total_endpoints: entries.length,
    truncated,
    timestamp: new Date().toISOString(),
  };
  return c.json({
    jsonrpc: '2.0',
    id: request.id,
    result: { content: [{ type: 'text', text: JSON.stringify(structured) }], structuredContent: structured },
  });
});

serve({ fetch: app.fetch, port: Number(env.PORT), hostname: '127.0.0.1' });
