import { type Endpoint, endpoints, sql, users } from '@syfthub/db';

/**
 * The columns every endpoint response is built from: the endpoint (without its search vectors and monitor
 * bookkeeping) plus what the serialisers and visibility rules need of its owner, fetched in the same query.
 */
export const endpointViewFields = {
  id: endpoints.id,
  userId: endpoints.userId,
  name: endpoints.name,
  slug: endpoints.slug,
  description: endpoints.description,
  type: endpoints.type,
  visibility: endpoints.visibility,
  isActive: endpoints.isActive,
  archived: endpoints.archived,
  version: endpoints.version,
  readme: endpoints.readme,
  starsCount: endpoints.starsCount,
  tags: endpoints.tags,
  contributors: endpoints.contributors,
  policies: endpoints.policies,
  connect: endpoints.connect,
  healthStatus: endpoints.healthStatus,
  healthCheckedAt: endpoints.healthCheckedAt,
  healthTtlSeconds: endpoints.healthTtlSeconds,
  createdAt: endpoints.createdAt,
  updatedAt: endpoints.updatedAt,
  // Aliased so the selection can be wrapped in a subquery without clashing with the endpoint's own columns.
  ownerUsername: sql<string>`${users.username}`.as('owner_username'),
  ownerDomain: sql<string | null>`${users.domain}`.as('owner_domain'),
  ownerIsActive: sql<boolean>`${users.isActive}`.as('owner_is_active'),
};

/** An endpoint row joined with its owner, as selected by {@link endpointViewFields}. */
export type EndpointView = Omit<
  Endpoint,
  'searchVector' | 'nameVector' | 'searchText' | 'disabledByAdmin' | 'consecutiveFailureCount'
> & {
  ownerUsername: string;
  ownerDomain: string | null;
  ownerIsActive: boolean;
};

/** The view of a freshly written endpoint row whose owner is already known (create, update, sync). */
export function viewOf(
  row: Endpoint,
  owner: { username: string; domain: string | null; isActive: boolean },
): EndpointView {
  const {
    searchVector: _sv,
    nameVector: _nv,
    searchText: _st,
    disabledByAdmin: _d,
    consecutiveFailureCount: _c,
    ...rest
  } = row;
  return { ...rest, ownerUsername: owner.username, ownerDomain: owner.domain, ownerIsActive: owner.isActive };
}
