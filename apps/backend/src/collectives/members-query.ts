import { ALL_SHARED_SLUG } from '@syfthub/contracts';
import {
  type AnyPgColumn,
  and,
  collectiveMembers,
  collectiveSharedEndpointMembers,
  collectiveSharedEndpoints,
  collectives,
  type Db,
  endpoints,
  eq,
  prepared,
  type SQL,
  type StoredPolicy,
  sql,
  users,
} from '@syfthub/db';
import { ApiError } from '@syfthub/service';
import type { Viewer } from '../endpoints/visibility';
import { COLLECTIVE_NOT_FOUND } from './collectives';
import { SHARED_NOT_FOUND } from './shared-endpoints';
import { readableByKind, usableMember, type ViewerKind, viewerKind } from './visibility';

/** A member the caller may use: what billing summaries need of it. */
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

type Ref = SQL | ReturnType<typeof sql.placeholder> | AnyPgColumn;

/** The order of members: newest membership first (§14 D2), or a shared endpoint's configuration order (R10, R11). */
function memberOrder(shared: boolean): SQL[] {
  return shared
    ? [sql`${collectiveSharedEndpointMembers.position}`]
    : [sql`${collectiveMembers.requestedAt} desc`, sql`${collectiveMembers.id} desc`];
}

/**
 * The members of collective `collectiveId` in `V(caller)` (collectives.md §5.3), or with `sharedId` only that
 * shared endpoint's configured ones. The ids are placeholders or outer columns (a correlated subquery).
 */
function memberSource<F extends Record<string, unknown>>(
  db: Db,
  select: F,
  kind: ViewerKind,
  collectiveId: Ref,
  sharedId?: Ref,
) {
  const base = db
    .select(select as never)
    .from(collectiveMembers)
    .innerJoin(endpoints, eq(endpoints.id, collectiveMembers.endpointId))
    .innerJoin(users, eq(users.id, endpoints.userId))
    .$dynamic();
  const visible = and(
    eq(collectiveMembers.collectiveId, collectiveId),
    usableMember,
    readableByKind(kind, sql.placeholder('viewerId')),
  );
  if (sharedId === undefined) return base.where(visible);
  return base
    .innerJoin(
      collectiveSharedEndpointMembers,
      and(
        eq(collectiveSharedEndpointMembers.endpointId, collectiveMembers.endpointId),
        eq(collectiveSharedEndpointMembers.sharedEndpointId, sharedId),
      ),
    )
    .where(visible);
}

/** Prepared once per caller kind and form. */
export async function visibleMembers(
  db: Db,
  collectiveId: number,
  viewer: Viewer,
  sharedId?: number,
): Promise<VisibleMember[]> {
  const kind = viewerKind(viewer);
  const shared = sharedId !== undefined;
  const statement = prepared(db, `collective_members_${kind}${shared ? '_shared' : ''}`, (name) => {
    return memberSource(
      db,
      fields,
      kind,
      sql.placeholder('collectiveId'),
      shared ? sql.placeholder('sharedId') : undefined,
    )
      .orderBy(...memberOrder(shared))
      .prepare(name);
  });
  return (await statement.execute({
    collectiveId,
    viewerId: viewer?.id ?? 0,
    sharedId,
  })) as VisibleMember[];
}

/**
 * R05/R11: the `["owner/slug", …]` JSON text of the members of collective `slug` in `V(caller)`, or with
 * `sharedSlug` of that shared endpoint's (`all`: every visible member); 404 when either does not exist. One
 * statement, prepared per caller kind and form, aggregated by PostgreSQL: path resolution is a hot route and its
 * answer needs nothing of a member but its path.
 */
export async function memberPathsJson(
  db: Db,
  slug: string,
  viewer: Viewer,
  sharedSlug?: string,
): Promise<string> {
  const kind = viewerKind(viewer);
  const shared = sharedSlug !== undefined && sharedSlug.toLowerCase() !== ALL_SHARED_SLUG;
  const statement = prepared(db, `collective_paths_${kind}${shared ? '_shared' : ''}`, (name) => {
    const query = memberSource(
      db,
      {
        paths: sql`coalesce(json_agg(${users.username} || '/' || ${endpoints.slug} order by ${sql.join(memberOrder(shared), sql`, `)}), '[]')::text`,
      },
      kind,
      collectives.id,
      shared ? collectiveSharedEndpoints.id : undefined,
    );
    const outer = db
      .select({
        paths: sql<string>`${query}`,
        sharedId: shared ? collectiveSharedEndpoints.id : sql<null>`null`,
      })
      .from(collectives)
      .$dynamic();
    return (
      shared
        ? outer.leftJoin(
            collectiveSharedEndpoints,
            and(
              eq(collectiveSharedEndpoints.collectiveId, collectives.id),
              eq(collectiveSharedEndpoints.slug, sql.placeholder('sharedSlug')),
            ),
          )
        : outer
    )
      .where(eq(collectives.slug, sql.placeholder('slug')))
      .limit(1)
      .prepare(name);
  });
  const [row] = (await statement.execute({
    slug: slug.toLowerCase(),
    sharedSlug: shared ? sharedSlug?.toLowerCase() : undefined,
    viewerId: viewer?.id ?? 0,
  })) as Array<{ paths: string; sharedId: number | null }>;
  if (!row) throw new ApiError(404, COLLECTIVE_NOT_FOUND);
  if (shared && row.sharedId === null) throw new ApiError(404, SHARED_NOT_FOUND);
  return row.paths;
}
