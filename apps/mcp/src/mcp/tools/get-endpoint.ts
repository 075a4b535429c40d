import type { McpServer } from '@modelcontextprotocol/server';
import type { EndpointView } from '@syfthub/client';
import { z } from 'zod';
import { findEndpoint, pathOf, ToolFailure } from '../endpoints';
import { nowIso, runTool, type ToolEnv } from '../tool-runner';

const README_CHARS = 50_000;

const outputSchema = z.object({
  success: z.literal(true),
  endpoint: z.object({
    path: z.string(),
    name: z.string(),
    slug: z.string(),
    owner_username: z.string(),
    type: z.string(),
    visibility: z.string().nullable(),
    description: z.string(),
    version: z.string(),
    tags: z.array(z.string()),
    stars_count: z.number().int(),
    health_status: z.string().nullable(),
    health_checked_at: z.string().nullable(),
    archived: z.boolean(),
    created_at: z.string(),
    updated_at: z.string(),
    connections: z.array(z.object({ type: z.string(), enabled: z.boolean(), url: z.string().nullable() })),
    policies: z.array(
      z.object({ type: z.string(), version: z.string(), enabled: z.boolean(), description: z.string() }),
    ),
  }),
  readme: z.string(),
  timestamp: z.string(),
});

/** The endpoint as the tool reports it: no ids, no policy configuration. */
function describeEndpoint(endpoint: EndpointView) {
  return {
    path: pathOf(endpoint),
    name: endpoint.name,
    slug: endpoint.slug,
    owner_username: endpoint.owner_username,
    type: endpoint.type,
    // Only the owner's view carries it; others see public or internal endpoints without saying which.
    visibility: 'visibility' in endpoint ? endpoint.visibility : null,
    description: endpoint.description,
    version: endpoint.version,
    tags: endpoint.tags,
    stars_count: endpoint.stars_count,
    health_status: endpoint.health_status,
    health_checked_at: endpoint.health_checked_at,
    archived: endpoint.archived,
    created_at: endpoint.created_at,
    updated_at: endpoint.updated_at,
    connections: endpoint.connect.map((c) => ({
      type: c.type,
      enabled: c.enabled,
      url: typeof c.config.url === 'string' ? c.config.url : null,
    })),
    policies: endpoint.policies.map((p) => ({
      type: p.type,
      version: p.version,
      enabled: p.enabled,
      description: p.description,
    })),
  };
}

/** `get_endpoint` (mcp.md §6.4): one endpoint the user can see, with its README. */
export function registerGetEndpointTool(server: McpServer, env: ToolEnv): void {
  server.registerTool(
    'get_endpoint',
    {
      title: 'Get a SyftHub endpoint',
      description:
        'Details of one endpoint by its path (owner/slug): type, description, health, connections, policies and ' +
        'README. Use it to check that a candidate model or data source fits before chatting with it.',
      inputSchema: z.object({
        path: z.string().min(1).max(200).describe('Endpoint path, owner/slug'),
      }),
      outputSchema,
      annotations: {
        title: 'Get a SyftHub endpoint',
        readOnlyHint: true,
        idempotentHint: true,
        openWorldHint: true,
      },
    },
    (args, ctx) =>
      runTool(
        env,
        ctx.mcpReq.signal,
        {
          name: 'get_endpoint',
          failure: (error) => ({ success: false, error, timestamp: nowIso() }),
        },
        async (signal) => {
          const endpoint = await findEndpoint(env.hub, args.path, signal);
          if (!endpoint) throw new ToolFailure(`Endpoint not found: ${args.path}`);
          return {
            success: true,
            endpoint: describeEndpoint(endpoint),
            readme: endpoint.readme.slice(0, README_CHARS),
            timestamp: nowIso(),
          };
        },
      ),
  );
}
