import type { McpServer } from '@modelcontextprotocol/server';
import { type ChatRequestInput, type ChatResponse, isApiError } from '@syfthub/client';
import { z } from 'zod';
import {
  MODEL_TYPES,
  pathOf,
  resolveDataSources,
  resolveTyped,
  satelliteTokens,
  ToolFailure,
  toEndpointRef,
} from '../endpoints';
import { nowIso, runTool, type ToolEnv } from '../tool-runner';

const MARKER = /\[cite:\s*(\d+(?:\s*,\s*\d+)*)\s*(?:-\s*\d+\s*:\s*\d+\s*)?\]/g;

const citationSchema = z.object({ index: z.number().int(), source_path: z.string(), title: z.string() });
const sourceSchema = z.object({
  path: z.string(),
  status: z.string(),
  documents_retrieved: z.number().int(),
  error_message: z.string().optional(),
});
export const metadataSchema = z.object({
  retrieval_time_ms: z.number(),
  generation_time_ms: z.number(),
  total_time_ms: z.number(),
});

const outputSchema = z.object({
  success: z.literal(true),
  response: z.string(),
  citations: z.array(citationSchema),
  sources: z.array(sourceSchema),
  metadata: metadataSchema,
  prompt: z.string(),
  model: z.string(),
  data_sources_used: z.array(z.string()),
  /** Present when the sources were chosen automatically (no `data_sources` given). */
  sources_selected: z
    .object({
      status: z.string(),
      sources: z.array(z.object({ path: z.string(), name: z.string(), relevance_score: z.number() })),
      message: z.string().nullable(),
    })
    .optional(),
  user: z.string(),
  timestamp: z.string(),
});

function indicesOf(group: string): number[] {
  return group
    .split(',')
    .map((part) => Number.parseInt(part.trim(), 10))
    .filter((n) => Number.isInteger(n) && n > 0);
}

/**
 * The answer with position-annotated markers (`[cite:1,3-0:28]`) simplified to `[1,3]`, and the citations that
 * map each cited N to the N-th entry of the aggregator's `sources` (mcp.md §6.2).
 */
export function simplifyCitations(response: string, sources: ChatResponse['sources']) {
  const entries = Object.entries(sources);
  const cited = new Set<number>();
  const text = response.replace(MARKER, (_marker, group: string) => {
    const indices = indicesOf(group);
    for (const index of indices) cited.add(index);
    return `[${indices.join(',')}]`;
  });
  const citations = [...cited]
    .sort((a, b) => a - b)
    .flatMap((index) => {
      const entry = entries[index - 1];
      return entry ? [{ index, source_path: entry[1].slug, title: entry[0] }] : [];
    });
  return { text, citations };
}

/** Aggregator failures as `Chat service error: <detail>`; hub failures keep their own texts. */
export function chatServiceError(error: unknown): never {
  if (isApiError(error)) throw new ToolFailure(`Chat service error: ${error.message}`);
  throw error;
}

function retrievalSummary(response: ChatResponse) {
  return response.retrieval_info.map((info) => ({
    path: info.path,
    status: info.status,
    documents_retrieved: info.documents_retrieved,
    ...(info.error_message ? { error_message: info.error_message } : {}),
  }));
}

/** `chat_with_syfthub` (mcp.md §6.2): RAG chat through the aggregator, as the signed-in user. */
export function registerChatTool(server: McpServer, env: ToolEnv): void {
  server.registerTool(
    'chat_with_syfthub',
    {
      title: 'Chat with SyftHub',
      description:
        'Ask a SyftHub model a question, grounded in SyftHub data sources (retrieval-augmented generation). ' +
        '`model` and `data_sources` are endpoint paths (owner/slug) found with search_endpoints or ' +
        'discover_syfthub_endpoints; data sources may also name collectives (collective/<slug>[/<shared>]). ' +
        'When no data sources are given, the hub picks the most relevant ones you may use (public ones and your ' +
        'own) from the question itself; `sources_selected` lists them with their relevance scores, and when none ' +
        'is relevant the answer says so.',
      inputSchema: z.object({
        prompt: z.string().min(1).max(4000).describe('The question or instruction for the model'),
        model: z.string().min(1).max(200).describe('Model endpoint path, owner/slug'),
        data_sources: z
          .array(z.string().min(1).max(200))
          .max(10)
          .nullable()
          .default(null)
          .describe(
            'Data source paths (owner/slug) to ground the answer in; omit them to let the hub choose automatically',
          ),
      }),
      outputSchema,
      annotations: {
        title: 'Chat with SyftHub',
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
          name: 'chat_with_syfthub',
          failure: (error) => ({
            success: false,
            error,
            prompt: args.prompt,
            model: args.model,
            timestamp: nowIso(),
          }),
          logFields: { prompt_length: args.prompt.length, sources_count: args.data_sources?.length ?? 0 },
        },
        async (signal) => {
          const [model, sources] = await Promise.all([
            resolveTyped(env.hub, args.model, MODEL_TYPES, signal),
            resolveDataSources(
              env.hub,
              args.data_sources ?? [],
              env.deps.config.AGGREGATOR_MAX_DATA_SOURCES,
              signal,
            ),
          ]);
          const modelRef = toEndpointRef(model);
          const auto = sources.refs.length === 0;
          const request: ChatRequestInput = {
            prompt: args.prompt,
            model: modelRef,
            data_sources: sources.refs,
            endpoint_tokens: await satelliteTokens(env.hub, [modelRef, ...sources.refs]),
            // Automatic selection searches as the user (their own private sources too) and mints their tokens.
            ...(auto
              ? {
                  auto_sources: true,
                  user_token: await env.deps.grants.hubAccessToken(env.user.grantId),
                }
              : {}),
          };
          const response = await env.deps.hub.aggregator.chat(request, { signal }).catch(chatServiceError);
          const { text, citations } = simplifyCitations(response.response, response.sources);
          const selection = response.metadata.source_selection;
          return {
            success: true,
            response: text,
            citations,
            sources: retrievalSummary(response),
            metadata: {
              retrieval_time_ms: response.metadata.retrieval_time_ms,
              generation_time_ms: response.metadata.generation_time_ms,
              total_time_ms: response.metadata.total_time_ms,
            },
            prompt: args.prompt,
            model: pathOf(model),
            data_sources_used: selection ? selection.sources.map((source) => source.path) : sources.paths,
            ...(selection
              ? {
                  sources_selected: {
                    status: selection.status,
                    sources: selection.sources,
                    message: selection.message,
                  },
                }
              : {}),
            user: env.user.email,
            timestamp: nowIso(),
          };
        },
      ),
  );
}
