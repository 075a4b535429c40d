import type {
  BillingSummary,
  Collective,
  CollectiveCreate,
  CollectiveMember,
  CollectiveUpdate,
  MemberStatus,
  SharedEndpoint,
  SharedEndpointCreate,
  SharedEndpointUpdate,
} from '@syfthub/contracts';
import { isApiError } from './errors';
import { type Http, seg } from './http';

const BASE = '/api/v1/collectives';

/** The collectives routes (collectives.md §3) as the SPA and the MCP server call them. */
export function createCollectivesResource({ json }: Http) {
  const byId = (id: number) => `${BASE}/${seg(id)}`;
  const bySlug = (slug: string) => `${BASE}/by-slug/${seg(slug)}`;
  return {
    list: (query: { skip?: number; limit?: number; owner_id?: number; search?: string } = {}) =>
      json<Collective[]>(BASE, { query, auth: 'optional' }),
    create: (body: CollectiveCreate) => json<Collective>(BASE, { method: 'POST', json: body }),
    bySlug: (slug: string) => json<Collective>(bySlug(slug), { auth: 'optional' }),
    byEndpoint: (owner: string, slug: string) =>
      json<Collective[]>(`${BASE}/by-endpoint/${seg(owner)}/${seg(slug)}`, { auth: 'optional' }),
    billing: (slug: string, shared?: string) =>
      json<BillingSummary>(
        shared
          ? `${bySlug(slug)}/shared-endpoints/${seg(shared)}/billing-summary`
          : `${bySlug(slug)}/billing-summary`,
      ),
    bulkShared: (collectiveIds: number[]) =>
      json<SharedEndpoint[]>(
        `${BASE}/shared-endpoints/bulk?${collectiveIds.map((id) => `collective_id=${seg(id)}`).join('&')}`,
        { auth: 'optional' },
      ),
    update: (id: number, body: CollectiveUpdate) =>
      json<Collective>(byId(id), { method: 'PATCH', json: body }),
    delete: (id: number) => json<void>(byId(id), { method: 'DELETE' }),
    members: (id: number, status?: MemberStatus) =>
      json<CollectiveMember[]>(`${byId(id)}/members`, { query: { status }, auth: 'optional' }),
    join: (id: number, endpointId: number) =>
      json<CollectiveMember>(`${byId(id)}/members`, { method: 'POST', json: { endpoint_id: endpointId } }),
    review: (id: number, endpointId: number, decision: 'approve' | 'reject') =>
      json<CollectiveMember>(`${byId(id)}/members/${seg(endpointId)}/review`, {
        method: 'POST',
        json: { decision },
      }),
    removeMember: (id: number, endpointId: number) =>
      json<void>(`${byId(id)}/members/${seg(endpointId)}`, { method: 'DELETE' }),
    invite: (id: number, endpointId: number) =>
      json<CollectiveMember>(`${byId(id)}/invitations`, {
        method: 'POST',
        json: { endpoint_id: endpointId },
      }),
    inviteByPath: (id: number, ownerUsername: string, slug: string) =>
      json<CollectiveMember>(`${byId(id)}/invitations/by-path`, {
        method: 'POST',
        json: { owner_username: ownerUsername, slug },
      }),
    invitation: (id: number, endpointId: number) =>
      json<CollectiveMember>(`${byId(id)}/invitations/${seg(endpointId)}`),
    respond: (id: number, endpointId: number, decision: 'accept' | 'decline') =>
      json<CollectiveMember>(`${byId(id)}/invitations/${seg(endpointId)}/respond`, {
        method: 'POST',
        json: { decision },
      }),
    shared: (id: number) => json<SharedEndpoint[]>(`${byId(id)}/shared-endpoints`, { auth: 'optional' }),
    createShared: (id: number, body: SharedEndpointCreate) =>
      json<SharedEndpoint>(`${byId(id)}/shared-endpoints`, { method: 'POST', json: body }),
    updateShared: (id: number, slug: string, body: SharedEndpointUpdate) =>
      json<SharedEndpoint>(`${byId(id)}/shared-endpoints/${seg(slug)}`, { method: 'PATCH', json: body }),
    deleteShared: (id: number, slug: string) =>
      json<void>(`${byId(id)}/shared-endpoints/${seg(slug)}`, { method: 'DELETE' }),
    /** `owner/slug` paths of `collective/<slug>[/<shared>]` as the caller may use them (R05, R10). */
    endpointPaths: (slug: string, shared: string | null, signal?: AbortSignal) =>
      json<string[]>(
        shared
          ? `${bySlug(slug)}/shared-endpoints/${seg(shared)}/endpoint-paths`
          : `${bySlug(slug)}/endpoint-paths`,
        { auth: 'optional', ...(signal ? { signal } : {}) },
      ),
  };
}

export type CollectivesResource = ReturnType<typeof createCollectivesResource>;

/**
 * `collective/<slug>` or `collective/<slug>/<shared>` (a shared slug of exactly `all` is dropped), or null for any
 * other data source: the grammar of the official SDKs (collectives.md §9).
 */
export function parseCollectivePath(path: string): { slug: string; shared: string | null } | null {
  if (!path.startsWith('collective/')) return null;
  const rest = path.slice('collective/'.length);
  const cut = rest.indexOf('/');
  const slug = cut === -1 ? rest : rest.slice(0, cut);
  if (slug === '') throw new CollectiveResolutionError(`Malformed collective path: ${path}`, path);
  const shared = cut === -1 ? '' : rest.slice(cut + 1);
  return { slug, shared: shared === '' || shared === 'all' ? null : shared };
}

/** A `collective/…` data source that cannot be expanded; the chat is not sent. */
export class CollectiveResolutionError extends Error {
  constructor(
    message: string,
    readonly source: string,
  ) {
    super(message);
    this.name = 'CollectiveResolutionError';
  }
}

/** More data sources than the aggregator takes once collectives are expanded. */
export class TooManyDataSourcesError extends Error {
  constructor(
    readonly count: number,
    readonly limit: number,
  ) {
    super(`This selection expands to ${count} data sources; the limit is ${limit}.`);
    this.name = 'TooManyDataSourcesError';
  }
}

/** One expanded source: the `owner/slug` path and the `collective/…` entry it came from, if any. */
export interface ExpandedSource {
  path: string;
  from: string | null;
}

/**
 * Expands `collective/…` entries into member paths with the caller's credentials (so their internal and own
 * private members are included), as the SDKs do: string paths de-duplicated, first occurrence wins; an unknown
 * collective or shared endpoint fails the whole selection; more than `limit` results is a
 * {@link TooManyDataSourcesError}, checked before anything is sent to the aggregator.
 */
export async function expandDataSources(
  collectives: Pick<CollectivesResource, 'endpointPaths'>,
  sources: readonly string[],
  options: { limit?: number; signal?: AbortSignal } = {},
): Promise<ExpandedSource[]> {
  const seen = new Set<string>();
  const out: ExpandedSource[] = [];
  const add = (path: string, from: string | null) => {
    if (seen.has(path)) return;
    seen.add(path);
    out.push({ path, from });
  };
  for (const source of sources) {
    const collective = parseCollectivePath(source);
    if (!collective) {
      add(source, null);
      continue;
    }
    let paths: string[];
    try {
      paths = await collectives.endpointPaths(collective.slug, collective.shared, options.signal);
    } catch (error) {
      if (!isApiError(error) || error.status >= 500) throw error;
      const target = collective.shared ? `${collective.slug}/${collective.shared}` : collective.slug;
      throw new CollectiveResolutionError(
        `Failed to resolve collective '${target}': ${error.message}`,
        source,
      );
    }
    for (const path of paths) add(path, source);
  }
  if (options.limit !== undefined && out.length > options.limit) {
    throw new TooManyDataSourcesError(out.length, options.limit);
  }
  return out;
}

/** The default `AGGREGATOR_MAX_DATA_SOURCES` of the aggregator (aggregator.md §3.3, collectives.md §14 D1b). */
export const DEFAULT_MAX_DATA_SOURCES = 50;
