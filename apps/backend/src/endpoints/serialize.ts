import type { Endpoint, EndpointPublic, EndpointView as EndpointViewJson } from '@syfthub/contracts';
import { iso } from '../users/serialize';
import { rewriteConnections } from './connections';
import { policiesVisibleTo } from './policies';
import type { EndpointView } from './views';
import { canManage, type Viewer } from './visibility';

function sharedFields(row: EndpointView, viewer: Viewer) {
  return {
    id: row.id,
    name: row.name,
    slug: row.slug,
    description: row.description,
    type: row.type,
    owner_username: row.ownerUsername,
    version: row.version,
    readme: row.readme,
    tags: row.tags,
    stars_count: row.starsCount,
    policies: policiesVisibleTo(row.policies, viewer?.email ?? null, canManage(row, viewer)),
    connect: rewriteConnections(row.connect, row.ownerDomain),
    created_at: iso(row.createdAt),
    updated_at: iso(row.updatedAt),
    health_status: row.healthStatus,
    health_checked_at: iso(row.healthCheckedAt),
    archived: row.archived,
  };
}

/** `Endpoint` (§3.7), the owner/admin shape; policies are still filtered when someone else reads it by id. */
export function endpointJson(row: EndpointView, viewer: Viewer): Endpoint {
  return {
    ...sharedFields(row, viewer),
    user_id: row.userId,
    visibility: row.visibility,
    is_active: row.isActive,
    contributors: row.contributors,
    health_ttl_seconds: row.healthTtlSeconds,
  };
}

/** `EndpointPublic` (§3.8), what everyone but the owner and admins receives. */
export function endpointPublicJson(row: EndpointView, viewer: Viewer): EndpointPublic {
  return { ...sharedFields(row, viewer), contributors_count: row.contributors.length };
}

/** `Endpoint` for managers, `EndpointPublic` for everyone else (§4.2, §4.3). */
export function endpointJsonFor(row: EndpointView, viewer: Viewer): EndpointViewJson {
  return canManage(row, viewer) ? endpointJson(row, viewer) : endpointPublicJson(row, viewer);
}
