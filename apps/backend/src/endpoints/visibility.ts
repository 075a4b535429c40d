import type { Principal } from '@syfthub/auth';
import { endpoints, type SQL, sql, type User, users } from '@syfthub/db';
import type { EndpointView } from './views';

/** Who is looking: what the visibility rules and policy filter need of the caller, or null when anonymous. */
export type Viewer = Pick<User, 'id' | 'role' | 'email'> | null;

export function viewerOf(principal: Principal<User> | null): Viewer {
  return principal ? principal.user : null;
}

/** Owners and admins see and manage an endpoint in every state (§3.6). */
export function canManage(endpoint: Pick<EndpointView, 'userId'>, viewer: Viewer): boolean {
  return viewer !== null && (viewer.id === endpoint.userId || viewer.role === 'admin');
}

/** Outcome of a direct read (§3.6): allowed, "sign in first" (401), or hidden (404, existence never leaks). */
export type ReadAccess = 'granted' | 'sign-in' | 'hidden';

/**
 * The direct-read table of §3.6. Inactive endpoints (and those of deactivated owners) are hidden from everyone but
 * managers unless `includeInactive` (uptime history, §9.6).
 */
export function readAccess(
  endpoint: Pick<EndpointView, 'userId' | 'visibility' | 'isActive' | 'ownerIsActive'>,
  viewer: Viewer,
  options: { includeInactive?: boolean } = {},
): ReadAccess {
  if (canManage(endpoint, viewer)) return 'granted';
  if (!options.includeInactive && !(endpoint.isActive && endpoint.ownerIsActive)) return 'hidden';
  if (endpoint.visibility === 'public') return 'granted';
  if (endpoint.visibility === 'internal') return viewer ? 'granted' : 'sign-in';
  return 'hidden';
}

// Literal SQL (no parameters) so the planner can match the partial listing and trending indexes, whose predicate
// is the same text (packages/db LISTED_ENDPOINT_PREDICATE).
const listedEndpoint = sql`${endpoints.visibility} = 'public' and ${endpoints.isActive} and not ${endpoints.archived}`;

/**
 * Listings and search (§3.6): active, not archived, public, and owned by an active user. Every query using it
 * joins `users` on the owner.
 */
export const listedCondition: SQL = sql`(${listedEndpoint} and ${users.isActive})`;

/** Which of an owner's endpoints `GET /{owner}` shows (§4.2): managers see all, signed-in users also internal. */
export function ownerPageCondition(viewerClass: 'anonymous' | 'user' | 'manager'): SQL | undefined {
  if (viewerClass === 'manager') return undefined;
  if (viewerClass === 'user') {
    return sql`(${endpoints.visibility} in ('public', 'internal') and ${endpoints.isActive} and not ${endpoints.archived})`;
  }
  return sql`(${listedEndpoint})`;
}
