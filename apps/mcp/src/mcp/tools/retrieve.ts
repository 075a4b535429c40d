import type { McpServer } from '@modelcontextprotocol/server';
import type { ChatRequestInput } from '@syfthub/client';
import { z } from 'zod';
import { resolveDataSources, satelliteTokens } from '../endpoints';
import { nowIso, runTool, type ToolEnv } from '../tool-runner';
import { chatServiceError, metadataSchema } from './chat';

const CONTENT_CHARS = 4000;

/** The SDKs' placeholder model of a retrieval-only request (aggregator.md §3.2). */
const RETRIEVAL_ONLY_MODEL = {
  url: '',
  slug: '',
  name: 'retrieval-only',
  tenant_name: null,
  owner_username: null,
};

const outputSchema = z.object({
  success: z.literal(true),
  documents: z.array(z.object({ title: z.string(), source: z.string(), content: z.string() })),
  total_documents: z.number().int(),
  retrieval_info: z.array(
    z.object({
      path: z.string(),
      status: z.string(),
      documents_retrieved: z.number().int(),
      error_message: z.string().nullable(),
    }),
  ),
  metadata: metadataSchema,
  query: z.string(),
  timestamp: z.string(),
});

/** `retrieve_documents` (mcp.md §6.5): passages from data sources, reranked by the aggregator, no generation. */
export function registerRetrieveTool(server: McpServer, env: ToolEnv): void {
  server.registerTool(
    'retrieve_documents',
    {
      title: 'Retrieve documents',
      description:
        'Retrieve the most relevant passages for a query from one to ten SyftHub data sources (owner/slug paths), ' +
        'without asking a model. Use it when the user wants sources or quotes rather than an answer.',
      inputSchema: z.object({
        data_sources: z
          .array(z.string().min(1).max(200))
          .min(1)
          .max(10)
          .describe('Data source paths, owner/slug'),
        query: z.string().min(1).max(4000).describe('What to look for'),
        top_k: z.number().int().min(1).max(20).default(5).describe('How many documents to return'),
      }),
      outputSchema,
      annotations: {
        title: 'Retrieve documents',
        readOnlyHint: true,
        idempotentHint: false,
        openWorldHint: true,
      },
    },
    (args, ctx) =>
      runTool(
        env,
        ctx.mcpReq.signal,
        {
          name: 'retrieve_documents',
          failure: (error) => ({ success: false, error, query: args.query, timestamp: nowIso() }),
          logFields: { prompt_length: args.query.length, sources_count: args.data_sources.length },
        },
        async (signal) => {
          const sources = await resolveDataSources(
            env.hub,
            args.data_sources,
            env.deps.config.AGGREGATOR_MAX_DATA_SOURCES,
            signal,
          );
          const request: ChatRequestInput = {
            prompt: args.query,
            model: RETRIEVAL_ONLY_MODEL,
            data_sources: sources.refs,
            endpoint_tokens: await satelliteTokens(env.hub, sources.refs),
            top_k: args.top_k,
            retrieval_only: true,
          };
          const response = await env.deps.hub.aggregator.chat(request, { signal }).catch(chatServiceError);
          const documents = Object.entries(response.sources)
            .slice(0, args.top_k)
            .map(([title, doc]) => ({
              title,
              source: doc.slug,
              content: doc.content.slice(0, CONTENT_CHARS),
            }));
          return {
            success: true,
            documents,
            total_documents: response.retrieval_info.reduce((sum, info) => sum + info.documents_retrieved, 0),
            retrieval_info: response.retrieval_info,
            metadata: response.metadata,
            query: args.query,
            timestamp: nowIso(),
          };
        },
      ),
  );
}
