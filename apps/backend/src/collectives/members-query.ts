import {
  and,
  collectiveMembers,
  collectiveSharedEndpointMembers,
  type Db,
  desc,
  endpoints,
  eq,
  type StoredPolicy,
  sql,
  users,
} from '@syfthub/db';
import type { Viewer } from '../endpoints/visibility';
import { prepared } from './prepared';
import { readableByKind, usableMember, viewerKind } from './visibility';

/** A member the caller may use: what fan-out (paths) and billing summaries need of it. */
export interface VisibleMember {
  endpointId: number;
  userId: number;
  name: string;
  slug: string;
  type: string;
  policies: StoredPolicy[];
  ownerUsername: string;
  ownerFullName: string;
}

const fields = {
  endpointId: endpoints.id,
  userId: endpoints.userId,
  name: endpoints.name,
  slug: endpoints.slug,
  type: endpoints.type,
  policies: endpoints.policies,
  ownerUsername: users.username,
  ownerFullName: users.fullName,
};

/**
 * The members of a collective in `V(caller)` (collectives.md §5.3): every approved one, newest membership first
 * (§14 D2), or with `sharedId` only that shared endpoint's configured ones, in configuration order (R10, R11).
 * Prepared once per caller kind and form: path resolution is a hot route.
 */
export async function visibleMembers(
  db: Db,
  collectiveId: number,
  viewer: Viewer,
  sharedId?: number,
): Promise<VisibleMember[]> {
  const kind = viewerKind(viewer);
  const shared = sharedId !== undefined;
  const statement = prepared(db, `collective_members_${kind}${shared ? '_shared' : ''}`, (name) => {
    const base = db
      .select(fields)
      .from(collectiveMembers)
      .innerJoin(endpoints, eq(endpoints.id, collectiveMembers.endpointId))
      .innerJoin(users, eq(users.id, endpoints.userId))
      .$dynamic();
    const visible = and(
      eq(collectiveMembers.collectiveId, sql.placeholder('collectiveId')),
      usableMember,
      readableByKind(kind, sql.placeholder('viewerId')),
    );
    if (!shared) {
      return base
        .where(visible)
        .orderBy(desc(collectiveMembers.requestedAt), desc(collectiveMembers.id))
        .prepare(name);
    }
    return base
      .innerJoin(
        collectiveSharedEndpointMembers,
        and(
          eq(collectiveSharedEndpointMembers.endpointId, collectiveMembers.endpointId),
          eq(collectiveSharedEndpointMembers.sharedEndpointId, sql.placeholder('sharedId')),
        ),
      )
      .where(visible)
      .orderBy(collectiveSharedEndpointMembers.position)
      .prepare(name);
  });
  return statement.execute({ collectiveId, viewerId: viewer?.id ?? 0, sharedId });
}

/** `owner/slug` of each member, the form the aggregator and the SDKs resolve. */
export function pathsOf(members: readonly VisibleMember[]): string[] {
  return members.map((member) => `${member.ownerUsername}/${member.slug}`);
}
