import type { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { firstConnection, pathOf } from '../endpoints';
import { nowIso, runTool, type ToolEnv } from '../tool-runner';

const DESCRIPTION_CHARS = 300;
const ENDPOINT_TYPES = ['model', 'data_source', 'model_data_source', 'agent'] as const;

const outputSchema = z.object({
  success: z.literal(true),
  query: z.string(),
  total: z.number().int(),
  results: z.array(
    z.object({
      path: z.string(),
      name: z.string(),
      type: z.enum(ENDPOINT_TYPES),
      description: z.string(),
      tags: z.array(z.string()),
      stars_count: z.number().int(),
      relevance_score: z.number(),
      has_url: z.boolean(),
    }),
  ),
  timestamp: z.string(),
});

/** `search_endpoints` (mcp.md §6.3): the hub's ranked search over listed endpoints. */
export function registerSearchTool(server: McpServer, env: ToolEnv): void {
  server.registerTool(
    'search_endpoints',
    {
      title: 'Search SyftHub endpoints',
      description:
        'Search SyftHub for models and data sources matching a query, best matches first. `type: "model"` also ' +
        'finds hybrid model/data-source endpoints, and so does `type: "data_source"`.',
      inputSchema: z.object({
        query: z.string().min(1).max(1000).describe('What to search for'),
        type: z.enum(ENDPOINT_TYPES).optional().describe('Only endpoints of this type'),
        top_k: z.number().int().min(1).max(50).default(10).describe('How many results to return'),
      }),
      outputSchema,
      annotations: {
        title: 'Search SyftHub endpoints',
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
          name: 'search_endpoints',
          failure: (error) => ({ success: false, error, query: args.query, timestamp: nowIso() }),
        },
        async (signal) => {
          const found = await env.hub.endpoints.search(
            { query: args.query, top_k: args.top_k, ...(args.type ? { type: args.type } : {}) },
            signal,
          );
          return {
            success: true,
            query: args.query,
            total: found.results.length,
            results: found.results.map((endpoint) => ({
              path: pathOf(endpoint),
              name: endpoint.name,
              type: endpoint.type,
              description: endpoint.description.slice(0, DESCRIPTION_CHARS),
              tags: endpoint.tags,
              stars_count: endpoint.stars_count,
              relevance_score: endpoint.relevance_score,
              has_url: firstConnection(endpoint) !== undefined,
            })),
            timestamp: nowIso(),
          };
        },
      ),
  );
}
