import { readFile } from 'node:fs/promises';
import { isTunnelUrl } from '@syfthub/tunnel';
import type { CatalogueEntry } from '../catalogue';
import type { Endpoints } from '../endpoints';
import { type Log, silentLog } from '../log';
import type { SyncEndpoint } from './client';

/** The hub's README limit (backend-api.md §9.1). */
const MAX_README_CHARS = 50_000;

export const SIGNED_IN_ONLY_POLICY = {
  type: 'signed_in_only',
  version: '1.0',
  enabled: true,
  description: 'Requires a signed-in SyftHub user',
  config: {},
} as const;

export function modelReadme(entry: CatalogueEntry, mode: 'proxy' | 'demo'): string {
  const lines = [`# ${entry.name}`, ''];
  if (entry.description !== '') lines.push(entry.description, '');
  if (mode === 'demo') {
    lines.push(
      'This endpoint runs the **demo model** of the SyftHub reference satellite. It is not a language model: it',
      'answers by quoting up to three sentences from the documents supplied with the question, each followed by a',
      'citation such as `[cite:1]`. Without matching documents it says that it cannot answer.',
      '',
      'Answers always start with a label saying so. The satellite owner can connect a real model by setting',
      '`OPENAI_BASE_URL` and `OPENAI_MODEL`.',
    );
  } else {
    lines.push(
      'This endpoint is served by the SyftHub reference satellite, which forwards chat requests to an',
      'OpenAI-compatible language model. Answers can be streamed.',
    );
  }
  lines.push('');
  return lines.join('\n');
}

export function agentReadme(entry: CatalogueEntry, mode: 'proxy' | 'demo'): string {
  const lines = [`# ${entry.name}`, ''];
  if (entry.description !== '') lines.push(entry.description, '');
  lines.push(
    "An interactive agent served by the SyftHub reference satellite through the hub's tunnel. Open a session on",
    'its agent page: it searches the documents of this satellite (`search_documents`), asks you to confirm before',
    'it reads a whole document (`read_document`, which gives the full text to the model), may ask you to rephrase,',
    'and streams its thinking, tool calls, results and answer.',
    '',
    mode === 'demo'
      ? 'It runs with the **demo model**: a fixed plan and an extractive answer quoted from the documents.'
      : 'An OpenAI-compatible language model chooses the tools and writes the answer.',
    '',
  );
  return lines.join('\n');
}

async function readmeFor(entry: CatalogueEntry, endpoints: Endpoints, log: Log): Promise<string> {
  if (entry.readmeFile !== null) {
    try {
      return (await readFile(entry.readmeFile, 'utf8')).slice(0, MAX_README_CHARS);
    } catch {
      log.warn(
        { event: 'satellite.readme.unreadable', slug: entry.slug, path: entry.readmeFile },
        'README file cannot be read; publishing the generated README',
      );
    }
  }
  if (entry.type === 'model') return modelReadme(entry, endpoints.model.mode);
  if (entry.type === 'agent') return agentReadme(entry, endpoints.model.mode);
  return (endpoints.dataSources.get(entry.slug)?.readme() ?? `# ${entry.name}\n`).slice(0, MAX_README_CHARS);
}

/** The body items of `POST /api/v1/endpoints/sync` (satellite-protocol.md §5, §8.2). */
export async function syncEndpoints(
  endpoints: Endpoints,
  publicUrl: string,
  log: Log = silentLog,
): Promise<SyncEndpoint[]> {
  // The hub joins a relative connection URL to the owner's domain (scheme, host and port only), so a satellite
  // served under a path publishes that path; one at the root publishes "". A tunnel node publishes its
  // `tunneling:<owner>` name as it is (tunnelling.md §1 step 3).
  const connectionUrl = isTunnelUrl(publicUrl) ? publicUrl : new URL(publicUrl).pathname.replace(/\/+$/, '');
  return Promise.all(
    endpoints.entries.map(async (entry) => ({
      name: entry.name,
      slug: entry.slug,
      type: entry.type,
      visibility: entry.visibility,
      description: entry.description,
      version: entry.version,
      readme: await readmeFor(entry, endpoints, log),
      tags: entry.tags,
      policies: entry.allowGuests ? [] : [{ ...SIGNED_IN_ONLY_POLICY }],
      connect: [
        {
          type: 'http',
          enabled: true,
          description: 'SyftHub reference satellite',
          config: { url: connectionUrl, tenant_name: entry.tenantName },
        },
      ],
    })),
  );
}
