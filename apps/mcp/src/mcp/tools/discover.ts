import type { McpServer } from '@modelcontextprotocol/server';
import type { EndpointPublic, EndpointType } from '@syfthub/client';
import { z } from 'zod';
import { DATA_SOURCE_TYPES, firstConnection, pathOf } from '../endpoints';
import { nowIso, runTool, type ToolEnv } from '../tool-runner';

const PAGE_SIZE = 100;
const MAX_PAGES = 10;
const DESCRIPTION_CHARS = 200;
const TABLE_DESCRIPTION_CHARS = 50;
/** Upstream's listing has two sections, models and data sources; agents appear in neither (mcp.md §6.1). */
const LISTED_MODEL_TYPES: ReadonlySet<EndpointType> = new Set(['model', 'model_data_source']);

const entrySchema = z.object({
  path: z.string(),
  name: z.string(),
  description: z.string(),
  owner: z.string(),
  has_url: z.boolean(),
  url: z.string().nullable(),
  slug: z.string(),
  tenant_name: z.string().nullable(),
});

type Entry = z.infer<typeof entrySchema>;

const outputSchema = z.object({
  success: z.literal(true),
  formatted_output: z.string(),
  models: z.array(entrySchema),
  data_sources: z.array(entrySchema),
  total_endpoints: z.number().int(),
  truncated: z.boolean(),
  timestamp: z.string(),
});

function toEntry(endpoint: EndpointPublic): Entry {
  const connection = firstConnection(endpoint);
  const url = connection ? (connection.config.url as string) : null;
  return {
    path: pathOf(endpoint),
    name: endpoint.name,
    description: endpoint.description.slice(0, DESCRIPTION_CHARS),
    owner: endpoint.owner_username,
    has_url: url !== null,
    url,
    slug: endpoint.slug,
    tenant_name: connection?.config.tenant_name ?? null,
  };
}

function cell(text: string): string {
  return text.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
}

function table(entries: readonly Entry[]): string {
  const rows = entries.map((e) => {
    const description =
      e.description.length > TABLE_DESCRIPTION_CHARS
        ? `${e.description.slice(0, TABLE_DESCRIPTION_CHARS)}...`
        : e.description;
    const status = e.has_url ? '✅ Ready' : '⚠️ No URL';
    return `| ${cell(e.path)} | ${cell(e.name)} | ${cell(description)} | ${status} |`;
  });
  return ['| Path | Name | Description | Status |', '|------|------|-------------|--------|', ...rows].join(
    '\n',
  );
}

/** The Markdown overview upstream clients show verbatim (mcp.md §6.1). */
export function formatDiscovery(models: readonly Entry[], dataSources: readonly Entry[]): string {
  const parts = ['## Available SyftHub Endpoints', ''];
  if (models.length === 0 && dataSources.length === 0) {
    parts.push('No endpoints found in SyftHub Hub.', '');
  } else {
    parts.push('### Models (AI/ML)', '', models.length > 0 ? table(models) : 'No models found.', '');
    parts.push(
      '### Data Sources (RAG)',
      '',
      dataSources.length > 0 ? table(dataSources) : 'No data sources found.',
      '',
    );
  }
  parts.push(`**Summary:** Found ${models.length} models and ${dataSources.length} data sources.`);
  return parts.join('\n');
}

async function listPublic(env: ToolEnv): Promise<{ endpoints: EndpointPublic[]; truncated: boolean }> {
  const endpoints: EndpointPublic[] = [];
  for (let page = 0; page < MAX_PAGES; page++) {
    const batch = await env.hub.endpoints.listPublic({ skip: page * PAGE_SIZE, limit: PAGE_SIZE });
    endpoints.push(...batch);
    if (batch.length < PAGE_SIZE) return { endpoints, truncated: false };
  }
  const more = await env.hub.endpoints.listPublic({ skip: MAX_PAGES * PAGE_SIZE, limit: 1 });
  return { endpoints, truncated: more.length > 0 };
}

/** `discover_syfthub_endpoints` (mcp.md §6.1): upstream's name and output shape, hybrids included. */
export function registerDiscoverTool(server: McpServer, env: ToolEnv): void {
  server.registerTool(
    'discover_syfthub_endpoints',
    {
      title: 'Discover SyftHub Endpoints',
      description:
        'List the public models and data sources on SyftHub, with their paths (owner/slug) and whether they are ' +
        'ready to use. Call this (or search_endpoints) before chat_with_syfthub to find valid paths.',
      inputSchema: z.object({}),
      outputSchema,
      annotations: {
        title: 'Discover SyftHub Endpoints',
        readOnlyHint: true,
        idempotentHint: true,
        openWorldHint: true,
      },
    },
    (_args, ctx) =>
      runTool(
        env,
        ctx.mcpReq.signal,
        {
          name: 'discover_syfthub_endpoints',
          failure: (error) => ({ success: false, error, models: [], data_sources: [], timestamp: nowIso() }),
        },
        async () => {
          const { endpoints, truncated } = await listPublic(env);
          const models = endpoints.filter((e) => LISTED_MODEL_TYPES.has(e.type)).map(toEntry);
          const dataSources = endpoints.filter((e) => DATA_SOURCE_TYPES.has(e.type)).map(toEntry);
          const listed = new Set([...models, ...dataSources].map((e) => e.path));
          return {
            success: true,
            formatted_output: formatDiscovery(models, dataSources),
            models,
            data_sources: dataSources,
            total_endpoints: listed.size,
            truncated,
            timestamp: nowIso(),
          };
        },
      ),
  );
}
