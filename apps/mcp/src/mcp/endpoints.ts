import {
  CollectiveResolutionError,
  type Connection,
  type EndpointRefInput,
  type EndpointType,
  type EndpointView,
  expandDataSources,
  type HubClient,
  isApiError,
  TooManyDataSourcesError,
} from '@syfthub/client';

/** A tool failure whose message is shown to the user as is (mcp.md §6 common error texts). */
export class ToolFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ToolFailure';
  }
}

export const MODEL_TYPES: ReadonlySet<EndpointType> = new Set(['model', 'model_data_source', 'agent']);
export const DATA_SOURCE_TYPES: ReadonlySet<EndpointType> = new Set(['data_source', 'model_data_source']);

const OWNER_SLUG = /^([^/\s]+)\/([^/\s]+)$/;

function unresolvable(path: string): ToolFailure {
  return new ToolFailure(
    `Could not resolve endpoint: ${path}. Please check that the model/data source paths are correct.`,
  );
}

/** `owner/slug` split in two, or null when the text is not such a path. */
function splitPath(path: string): { owner: string; slug: string } | null {
  const match = OWNER_SLUG.exec(path.trim());
  return match?.[1] && match[2] ? { owner: match[1], slug: match[2] } : null;
}

/** The endpoint at `owner/slug` as the user sees it, or null when it does not exist or is not visible to them. */
export async function findEndpoint(
  hub: HubClient,
  path: string,
  signal?: AbortSignal,
): Promise<EndpointView | null> {
  const parts = splitPath(path);
  if (!parts) return null;
  try {
    return await hub.endpoints.byPath(parts.owner, parts.slug, signal);
  } catch (error) {
    if (isApiError(error) && [400, 403, 404, 422].includes(error.status)) return null;
    throw error;
  }
}

/** The first enabled connection with a URL (the one the SDKs call). */
export function firstConnection(endpoint: EndpointView): Connection | undefined {
  return endpoint.connect.find((c) => c.enabled && typeof c.config.url === 'string' && c.config.url !== '');
}

export function pathOf(endpoint: { owner_username: string; slug: string }): string {
  return `${endpoint.owner_username}/${endpoint.slug}`;
}

/** The aggregator's reference to a resolved endpoint (aggregator.md §3.2). */
export function toEndpointRef(endpoint: EndpointView): EndpointRefInput {
  const connection = firstConnection(endpoint);
  if (!connection) throw new ToolFailure(`Endpoint ${pathOf(endpoint)} has no URL to reach it at.`);
  return {
    url: connection.config.url as string,
    slug: endpoint.slug,
    name: endpoint.name,
    tenant_name: connection.config.tenant_name ?? null,
    owner_username: endpoint.owner_username,
  };
}

/**
 * Data-source paths with `collective/<slug>[/<shared>]` entries expanded with the user's credentials
 * (collectives.md §9); duplicates removed, order kept. An unknown collective reads like any unresolvable path; a
 * selection that expands past the aggregator's limit fails here with that limit named, before anything is sent.
 */
async function expandDataSourcePaths(
  hub: HubClient,
  paths: readonly string[],
  limit: number,
  signal?: AbortSignal,
): Promise<string[]> {
  try {
    const expanded = await expandDataSources(
      hub.collectives,
      paths.map((path) => path.trim()),
      { limit, ...(signal ? { signal } : {}) },
    );
    return expanded.map((source) => source.path);
  } catch (error) {
    if (error instanceof CollectiveResolutionError) throw unresolvable(error.source);
    if (error instanceof TooManyDataSourcesError) throw new ToolFailure(error.message);
    throw error;
  }
}

/** Resolves `path` and checks its type, or fails with the common "could not resolve" text. */
export async function resolveTyped(
  hub: HubClient,
  path: string,
  accepted: ReadonlySet<EndpointType>,
  signal?: AbortSignal,
): Promise<EndpointView> {
  const endpoint = await findEndpoint(hub, path, signal);
  if (!endpoint || !accepted.has(endpoint.type)) throw unresolvable(path);
  return endpoint;
}

/**
 * One satellite token per distinct owner (`GET /api/v1/token?aud=<owner>`); an owner whose token cannot be
 * minted is left out, as the SDKs do, and its satellite then decides what a caller without a token may do.
 */
export async function satelliteTokens(
  hub: HubClient,
  refs: readonly EndpointRefInput[],
): Promise<Record<string, string>> {
  const owners = new Set(refs.flatMap((ref) => (ref.owner_username ? [ref.owner_username] : [])));
  const tokens: Record<string, string> = {};
  await Promise.all(
    [...owners].map(async (owner) => {
      try {
        tokens[owner] = (await hub.identity.satelliteToken(owner)).target_token;
      } catch {
        // Left without a token (see above).
      }
    }),
  );
  return tokens;
}

/** Resolved data sources: their aggregator references and paths, in request order. */
export interface ResolvedSources {
  refs: EndpointRefInput[];
  paths: string[];
}

/** Expands and resolves data-source paths as the user sees them (mcp.md §6.2 steps 1–3). */
export async function resolveDataSources(
  hub: HubClient,
  paths: readonly string[],
  limit: number,
  signal?: AbortSignal,
): Promise<ResolvedSources> {
  const expanded = await expandDataSourcePaths(hub, paths, limit, signal);
  const endpoints = await Promise.all(
    expanded.map((path) => resolveTyped(hub, path, DATA_SOURCE_TYPES, signal)),
  );
  return { refs: endpoints.map(toEndpointRef), paths: endpoints.map(pathOf) };
}
