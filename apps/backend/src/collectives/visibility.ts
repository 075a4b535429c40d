import { collectiveMembers, endpoints, type SQL, sql, users } from '@syfthub/db';
import type { Viewer } from '../endpoints/visibility';

/**
 * `V(caller)` of collectives.md §5.3: an approved membership whose endpoint is active, of a joinable type, not
 * archived, owned by an active user, and readable by the caller under backend-api §3.6. Every member read
 * (paths, lists, counts, billing, shared-endpoint members) uses it, so what a caller is shown, billed for and fans
 * out to is one set. Queries using it join `endpoints` and the owner in `users`. The stored counts on `collectives`
 * (migration 0007, `collective_refresh_counts`) apply the same predicate in SQL; change both together.
 */
export function visibleMember(viewer: Viewer): SQL {
  return sql`(${usableMember} and ${readableBy(viewer)})`;
}

/** The endpoint half of `V` without the membership status (shared-endpoint rows carry their own join). */
export const activeJoinable: SQL = sql`${endpoints.isActive} and ${users.isActive} and ${endpoints.type} in ('data_source', 'model_data_source') and not ${endpoints.archived}`;

/** `V` without the caller's read rule: an approved membership of an active, joinable, unarchived endpoint. */
export const usableMember: SQL = sql`${collectiveMembers.status} = 'approved' and ${activeJoinable}`;

/** The three callers backend-api §3.6 tells apart; prepared statements are built once per kind. */
export type ViewerKind = 'anonymous' | 'user' | 'admin';

export function viewerKind(viewer: Viewer): ViewerKind {
  if (!viewer) return 'anonymous';
  return viewer.role === 'admin' ? 'admin' : 'user';
}

/** backend-api §3.6 direct reads: admins any, signed-in users public, internal and own, anonymous public. */
export function readableBy(viewer: Viewer): SQL {
  return readableByKind(viewerKind(viewer), viewer?.id ?? 0);
}

/** {@link readableBy} for a kind of caller; `viewerId` may be a placeholder (prepared statements). */
export function readableByKind(kind: ViewerKind, viewerId: ReturnType<typeof sql.placeholder> | number): SQL {
  if (kind === 'admin') return sql`true`;
  if (kind === 'user') {
    return sql`(${endpoints.visibility} in ('public', 'internal') or ${endpoints.userId} = ${viewerId})`;
  }
  return sql`${endpoints.visibility} = 'public'`;
}

/** Managers of a collective: its owner and admins (collectives.md §3.1). */
export function isManager(collective: { ownerId: number }, viewer: Viewer): boolean {
  return viewer !== null && (viewer.role === 'admin' || viewer.id === collective.ownerId);
}
