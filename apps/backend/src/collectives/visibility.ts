import { collectiveMembers, endpoints, type SQL, sql, users } from '@syfthub/db';
import type { Viewer } from '../endpoints/visibility';

/**
 * `V(caller)` of collectives.md §5.3: an approved membership whose endpoint is active, of a joinable type, not
 * archived, owned by an active user, and readable by the caller under backend-api §3.6. Every member read
 * (paths, lists, counts, billing, shared-endpoint members) uses it, so what a caller is shown, billed for and fans
 * out to is one set. Queries using it join `endpoints` and the owner in `users`.
 */
export function visibleMember(viewer: Viewer): SQL {
  const base = sql`${collectiveMembers.status} = 'approved' and ${activeJoinable}`;
  return sql`(${base} and ${readableBy(viewer)})`;
}

/** The endpoint half of `V` without the membership status (shared-endpoint rows carry their own join). */
export const activeJoinable: SQL = sql`${endpoints.isActive} and ${users.isActive} and ${endpoints.type} in ('data_source', 'model_data_source') and not ${endpoints.archived}`;

/** backend-api §3.6 direct reads: admins any, signed-in users public, internal and own, anonymous public. */
export function readableBy(viewer: Viewer): SQL {
  if (viewer?.role === 'admin') return sql`true`;
  if (viewer) {
    return sql`(${endpoints.visibility} in ('public', 'internal') or ${endpoints.userId} = ${viewer.id})`;
  }
  return sql`${endpoints.visibility} = 'public'`;
}

/** Managers of a collective: its owner and admins (collectives.md §3.1). */
export function isManager(collective: { ownerId: number }, viewer: Viewer): boolean {
  return viewer !== null && (viewer.role === 'admin' || viewer.id === collective.ownerId);
}
