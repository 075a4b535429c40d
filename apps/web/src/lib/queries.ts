import type {
  AdminUserQuery,
  EndpointPublic,
  EndpointType,
  EndpointView,
  UserAggregatorList,
  Visibility,
} from '@syfthub/client';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useSession } from '../session/SessionProvider';
import { useHub } from './ApiContext';

export const PAGE_SIZE = 20;

export const keys = {
  authConfig: ['auth-config'] as const,
  tunnelStatus: ['tunnel-status'] as const,
  endpoint: (owner: string, slug: string) => ['endpoint', owner.toLowerCase(), slug.toLowerCase()] as const,
  endpoints: ['endpoints'] as const,
  publicList: (query: object) => ['endpoints', 'public', query] as const,
  trending: (query: object) => ['endpoints', 'trending', query] as const,
  grouped: ['endpoints', 'grouped'] as const,
  chatCatalog: (kind: 'model' | 'data_source', signedIn: boolean) =>
    ['endpoints', 'catalog', kind, signedIn] as const,
  mine: (query: object) => ['endpoints', 'mine', query] as const,
  byOwner: (owner: string, page: number) => ['endpoints', 'by-owner', owner.toLowerCase(), page] as const,
  starred: (id: number) => ['starred', id] as const,
  uptime: (owner: string, slug: string, hours: number) => ['uptime', owner, slug, hours] as const,
  profile: (username: string) => ['profile', username.toLowerCase()] as const,
  tokens: (includeInactive: boolean) => ['tokens', includeInactive] as const,
  aggregators: ['aggregators'] as const,
  adminOverview: (days: number) => ['admin', 'overview', days] as const,
  adminUsers: (query: AdminUserQuery) => ['admin', 'users', query] as const,
};

export function useAuthConfig() {
  const hub = useHub();
  return useQuery({ queryKey: keys.authConfig, queryFn: () => hub.auth.config(), staleTime: 10 * 60_000 });
}

/** Whether this hub runs the NATS tunnel; endpoints published as `tunneling:<owner>` need it. */
export function useTunnelStatus() {
  const hub = useHub();
  return useQuery({ queryKey: keys.tunnelStatus, queryFn: () => hub.tunnel.status(), staleTime: 5 * 60_000 });
}

export function useEndpoint(owner: string, slug: string) {
  const hub = useHub();
  const { status } = useSession();
  return useQuery({
    queryKey: [...keys.endpoint(owner, slug), status],
    queryFn: () => hub.endpoints.byPath(owner, slug),
    enabled: status !== 'loading' && owner !== '' && slug !== '',
  });
}

export type BrowseSort = 'recent' | 'stars';

export function useBrowse(params: { type: EndpointType; search: string; sort: BrowseSort; page: number }) {
  const hub = useHub();
  const skip = (params.page - 1) * PAGE_SIZE;
  const query = { endpoint_type: params.type, skip, limit: PAGE_SIZE };
  return useQuery({
    queryKey:
      params.sort === 'stars'
        ? keys.trending({ ...query, search: params.search })
        : keys.publicList({ ...query, search: params.search }),
    queryFn: async (): Promise<EndpointPublic[]> => {
      if (params.sort === 'recent') {
        return hub.endpoints.listPublic(params.search ? { ...query, search: params.search } : query);
      }
      // Trending has no text filter, so a search narrows the loaded page client-side.
      const page = await hub.endpoints.trending(query);
      const needle = params.search.toLowerCase();
      return needle
        ? page.filter((e) =>
            [e.name, e.description, e.owner_username, ...e.tags].some((text) =>
              text.toLowerCase().includes(needle),
            ),
          )
        : page;
    },
    placeholderData: keepPreviousData,
  });
}

export function useGroupedEndpoints() {
  const hub = useHub();
  return useQuery({ queryKey: keys.grouped, queryFn: () => hub.endpoints.grouped({ max_per_owner: 15 }) });
}

export function useMyEndpoints(params: { page: number; visibility?: Visibility | ''; search?: string }) {
  const hub = useHub();
  const query = {
    skip: (params.page - 1) * PAGE_SIZE,
    limit: PAGE_SIZE,
    ...(params.visibility ? { visibility: params.visibility } : {}),
    ...(params.search ? { search: params.search } : {}),
  };
  return useQuery({
    queryKey: keys.mine(query),
    queryFn: () => hub.endpoints.mine(query),
    placeholderData: keepPreviousData,
  });
}

export function useOwnerEndpoints(owner: string, page: number) {
  const hub = useHub();
  return useQuery({
    queryKey: keys.byOwner(owner, page),
    queryFn: () => hub.endpoints.byOwner(owner, { skip: (page - 1) * PAGE_SIZE, limit: PAGE_SIZE }),
    placeholderData: keepPreviousData,
  });
}

export function useProfile(username: string) {
  const hub = useHub();
  return useQuery({ queryKey: keys.profile(username), queryFn: () => hub.users.publicProfile(username) });
}

export function useUptime(owner: string, slug: string, windowHours: number, enabled: boolean) {
  const hub = useHub();
  return useQuery({
    queryKey: keys.uptime(owner, slug, windowHours),
    queryFn: () => hub.endpoints.uptime(owner, slug, windowHours),
    enabled,
  });
}

export function useStarred(id: number | undefined) {
  const hub = useHub();
  const { status } = useSession();
  return useQuery({
    queryKey: keys.starred(id ?? 0),
    queryFn: () => hub.endpoints.starred(id ?? 0),
    enabled: status === 'signed_in' && id !== undefined,
  });
}

/**
 * Star toggling (web.md §5.4): optimistic on both the starred flag and the endpoint's count, rolled back when the
 * hub refuses.
 */
export function useStarToggle(endpoint: EndpointView | undefined) {
  const hub = useHub();
  const queryClient = useQueryClient();
  const starredKey = keys.starred(endpoint?.id ?? 0);
  const endpointPrefix = endpoint ? keys.endpoint(endpoint.owner_username, endpoint.slug) : ['endpoint'];
  return useMutation({
    mutationFn: async (star: boolean) => {
      if (!endpoint) return;
      if (star) await hub.endpoints.star(endpoint.id);
      else await hub.endpoints.unstar(endpoint.id);
    },
    onMutate: async (star: boolean) => {
      await queryClient.cancelQueries({ queryKey: starredKey });
      await queryClient.cancelQueries({ queryKey: endpointPrefix });
      const previousStarred = queryClient.getQueryData<{ starred: boolean }>(starredKey);
      const previousEndpoints = queryClient.getQueriesData<EndpointView>({ queryKey: endpointPrefix });
      queryClient.setQueryData(starredKey, { starred: star });
      queryClient.setQueriesData<EndpointView>({ queryKey: endpointPrefix }, (current) =>
        current ? { ...current, stars_count: Math.max(0, current.stars_count + (star ? 1 : -1)) } : current,
      );
      return { previousStarred, previousEndpoints };
    },
    onError: (_error, _star, context) => {
      if (!context) return;
      queryClient.setQueryData(starredKey, context.previousStarred);
      for (const [key, data] of context.previousEndpoints) queryClient.setQueryData(key, data);
    },
    onSettled: () => {
      void queryClient.invalidateQueries({ queryKey: ['endpoints'] });
    },
  });
}

export function useTokens(includeInactive: boolean) {
  const hub = useHub();
  return useQuery({
    queryKey: keys.tokens(includeInactive),
    queryFn: () => hub.tokens.list({ include_inactive: includeInactive, limit: 100 }),
  });
}

export function useAggregators(enabled = true) {
  const hub = useHub();
  return useQuery<UserAggregatorList>({
    queryKey: keys.aggregators,
    queryFn: () => hub.aggregators.list(),
    enabled,
  });
}
