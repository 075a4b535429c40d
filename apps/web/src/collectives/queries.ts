import type { Collective, MemberStatus } from '@syfthub/client';
import { isApiError } from '@syfthub/client';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useHub } from '../lib/ApiContext';
import { useSession } from '../session/SessionProvider';

// Server state of the collectives pages (collectives.md §12). Every key starts with `collectives`, so a mutation
// can refresh everything a change may affect (counts, members, shared endpoints) with one invalidation.

export const collectiveKeys = {
  all: ['collectives'] as const,
  list: (query: object, signedIn: boolean) => ['collectives', 'list', query, signedIn] as const,
  bySlug: (slug: string, signedIn: boolean) => ['collectives', 'slug', slug.toLowerCase(), signedIn] as const,
  members: (id: number, status: MemberStatus | undefined, signedIn: boolean) =>
    ['collectives', 'members', id, status ?? 'all', signedIn] as const,
  shared: (id: number, signedIn: boolean) => ['collectives', 'shared', id, signedIn] as const,
  bulkShared: (ids: number[], signedIn: boolean) => ['collectives', 'bulk-shared', ids, signedIn] as const,
  billing: (slug: string, shared: string | null) => ['collectives', 'billing', slug, shared] as const,
  byEndpoint: (owner: string, slug: string, signedIn: boolean) =>
    ['collectives', 'by-endpoint', owner.toLowerCase(), slug.toLowerCase(), signedIn] as const,
  invitation: (id: number, endpointId: number) => ['collectives', 'invitation', id, endpointId] as const,
};

/** Whether the session has settled, and whether someone is signed in (answers differ per caller). */
function useCaller() {
  const { status, user } = useSession();
  return { ready: status !== 'loading', signedIn: status === 'signed_in', user };
}

export function useCollectiveList(query: {
  search?: string;
  skip?: number;
  limit?: number;
  owner_id?: number;
}) {
  const hub = useHub();
  const { ready, signedIn } = useCaller();
  return useQuery({
    queryKey: collectiveKeys.list(query, signedIn),
    queryFn: () => hub.collectives.list(query),
    enabled: ready,
  });
}

export function useCollective(slug: string) {
  const hub = useHub();
  const { ready, signedIn } = useCaller();
  return useQuery({
    queryKey: collectiveKeys.bySlug(slug, signedIn),
    queryFn: () => hub.collectives.bySlug(slug),
    enabled: ready && slug !== '',
  });
}

export function useMembers(collective: Collective | undefined, status?: MemberStatus) {
  const hub = useHub();
  const { ready, signedIn } = useCaller();
  return useQuery({
    queryKey: collectiveKeys.members(collective?.id ?? 0, status, signedIn),
    queryFn: () => hub.collectives.members(collective?.id ?? 0, status),
    enabled: ready && collective !== undefined,
  });
}

export function useSharedEndpoints(collective: Collective | undefined) {
  const hub = useHub();
  const { ready, signedIn } = useCaller();
  return useQuery({
    queryKey: collectiveKeys.shared(collective?.id ?? 0, signedIn),
    queryFn: () => hub.collectives.shared(collective?.id ?? 0),
    enabled: ready && collective !== undefined,
  });
}

/** The estimated price of a question; signed-out visitors get nothing (the route needs sign-in). */
export function useBilling(slug: string, shared: string | null) {
  const hub = useHub();
  const { ready, signedIn } = useCaller();
  return useQuery({
    queryKey: collectiveKeys.billing(slug, shared),
    queryFn: () => hub.collectives.billing(slug, shared ?? undefined),
    enabled: ready && signedIn,
    retry: false,
  });
}

/** Collectives an endpoint is an approved member of; a 404 reads as none. */
export function useEndpointCollectives(owner: string, slug: string) {
  const hub = useHub();
  const { ready, signedIn } = useCaller();
  return useQuery({
    queryKey: collectiveKeys.byEndpoint(owner, slug, signedIn),
    queryFn: async () => {
      try {
        return await hub.collectives.byEndpoint(owner, slug);
      } catch (error) {
        if (isApiError(error) && error.status === 404) return [];
        throw error;
      }
    },
    enabled: ready,
  });
}

/** Whether the signed-in user manages the collective: its owner or an admin (collectives.md §3.1). */
export function useIsManager(collective: Collective | undefined): boolean {
  const { user } = useCaller();
  return !!collective && !!user && (user.role === 'admin' || user.id === collective.owner_id);
}

/** Refreshes every collectives query after a change (counts, members and shared endpoints move together). */
export function useRefreshCollectives() {
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: collectiveKeys.all });
}
