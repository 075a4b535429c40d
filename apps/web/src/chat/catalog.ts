import type { EndpointPublic, EndpointType } from '@syfthub/client';
import { useQuery } from '@tanstack/react-query';
import { config } from '../config';
import { useHub } from '../lib/ApiContext';
import { keys } from '../lib/queries';
import { useSession } from '../session/SessionProvider';

function dedupe(lists: EndpointPublic[][]): EndpointPublic[] {
  const seen = new Map<string, EndpointPublic>();
  for (const list of lists) {
    for (const endpoint of list) {
      const path = `${endpoint.owner_username}/${endpoint.slug}`;
      if (!seen.has(path)) seen.set(path, endpoint);
    }
  }
  return [...seen.values()];
}

/**
 * Models or data sources offered in chat (web.md §6.1): public ones plus the user's own when signed in, the
 * guest-accessible ones otherwise.
 */
export function useChatCatalog(kind: 'model' | 'data_source') {
  const hub = useHub();
  const { status } = useSession();
  const signedIn = status === 'signed_in';
  const types: EndpointType[] =
    kind === 'model' ? ['model', 'model_data_source'] : ['data_source', 'model_data_source'];
  return useQuery({
    queryKey: keys.chatCatalog(kind, signedIn),
    enabled: status !== 'loading',
    queryFn: async () => {
      if (!signedIn) {
        return dedupe(
          await Promise.all(
            types.map((type) => hub.endpoints.guestAccessible({ endpoint_type: type, limit: 100 })),
          ),
        );
      }
      const ownTypes: EndpointType[] = kind === 'model' ? [...types, 'agent'] : types;
      const [own, ...lists] = await Promise.all([
        hub.endpoints.mine({ limit: 100 }).catch(() => []),
        ...types.map((type) => hub.endpoints.listPublic({ endpoint_type: type, limit: 100 })),
      ]);
      const mine = own
        .filter((endpoint) => ownTypes.includes(endpoint.type) && !endpoint.archived)
        .map(
          (endpoint): EndpointPublic => ({ ...endpoint, contributors_count: endpoint.contributors.length }),
        );
      return dedupe([...lists, mine]);
    },
  });
}

/** `VITE_DEFAULT_MODEL` when offered, else the most-starred healthy model, else the most-starred one. */
export function pickDefaultModel(models: EndpointPublic[]): EndpointPublic | null {
  if (models.length === 0) return null;
  const preferred = config.defaultModel.toLowerCase();
  const configured = models.find((m) => `${m.owner_username}/${m.slug}`.toLowerCase() === preferred);
  if (configured) return configured;
  const byStars = [...models].sort((a, b) => b.stars_count - a.stars_count);
  return byStars.find((m) => m.health_status === 'healthy') ?? byStars[0] ?? null;
}
