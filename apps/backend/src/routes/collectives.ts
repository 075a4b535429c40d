import { EndpointPathList } from '@syfthub/contracts';
import {
  and,
  collectiveMembers,
  collectiveSharedEndpointMembers,
  collectiveSharedEndpoints,
  collectives,
  endpoints,
  eq,
  type SQL,
  sql,
  users,
} from '@syfthub/db';
import { ApiError } from '@syfthub/service';
import { z } from 'zod';
import { type Viewer, viewerOf } from '../endpoints/visibility';
import type { BackendContext } from '../http/context';

// backend-api.md §11: collectives are phase 2, except the two path-resolution routes clients use to expand
// `collective/<slug>[/<shared>|/all]` data sources in chat. They resolve against whatever collectives exist.

const collectiveSlug = z.object({ slug: z.string().min(1).max(63) });
const sharedSlug = z.object({ slug: z.string().min(1).max(63), shared: z.string().min(1).max(63) });

/** Approved members the caller may see (§3.6 direct-read rules), active and owned by an active user. */
function visibleMember(viewer: Viewer): SQL {
  const base = sql`${collectiveMembers.status} = 'approved' and ${endpoints.isActive} and ${users.isActive}`;
  if (viewer?.role === 'admin') return base;
  if (viewer) {
    return sql`${base} and (${endpoints.visibility} in ('public', 'internal') or ${endpoints.userId} = ${viewer.id})`;
  }
  return sql`${base} and ${endpoints.visibility} = 'public'`;
}

export function registerCollectiveRoutes({ routes, deps }: BackendContext): void {
  const { db } = deps;

  async function collectiveId(slug: string): Promise<number> {
    const [row] = await db
      .select({ id: collectives.id })
      .from(collectives)
      .where(eq(collectives.slug, slug.toLowerCase()))
      .limit(1);
    if (!row) throw new ApiError(404, 'Collective not found');
    return row.id;
  }

  async function memberPaths(id: number, viewer: Viewer, sharedId?: number): Promise<string[]> {
    const shared = sharedId
      ? sql` and ${endpoints.id} in (select ${collectiveSharedEndpointMembers.endpointId} from ${collectiveSharedEndpointMembers} where ${collectiveSharedEndpointMembers.sharedEndpointId} = ${sharedId})`
      : sql``;
    const rows = await db
      .select({ owner: users.username, slug: endpoints.slug })
      .from(collectiveMembers)
      .innerJoin(endpoints, eq(endpoints.id, collectiveMembers.endpointId))
      .innerJoin(users, eq(users.id, endpoints.userId))
      .where(and(eq(collectiveMembers.collectiveId, id), sql`${visibleMember(viewer)}${shared}`))
      .orderBy(users.username, endpoints.slug);
    return rows.map((r) => `${r.owner}/${r.slug}`);
  }

  routes.add(
    {
      method: 'get',
      path: '/api/v1/collectives/by-slug/:slug/endpoint-paths',
      summary: "Resolve a collective to its members' owner/slug paths",
      tags: ['collectives'],
      auth: 'opt',
      params: collectiveSlug,
      responses: {
        200: {
          description: 'Paths of approved, active members visible to the caller',
          schema: EndpointPathList,
        },
        404: { description: 'Collective not found' },
      },
    },
    async (c, { params, principal }) =>
      c.json(await memberPaths(await collectiveId(params.slug), viewerOf(principal))),
  );

  routes.add(
    {
      method: 'get',
      path: '/api/v1/collectives/by-slug/:slug/shared-endpoints/:shared/endpoint-paths',
      summary: "Resolve a collective's shared endpoint (or `all`) to owner/slug paths",
      tags: ['collectives'],
      auth: 'opt',
      params: sharedSlug,
      responses: {
        200: {
          description: 'Paths of the subset that are approved, active and visible to the caller',
          schema: EndpointPathList,
        },
        404: { description: 'Collective or shared endpoint not found' },
      },
    },
    async (c, { params, principal }) => {
      const id = await collectiveId(params.slug);
      if (params.shared.toLowerCase() === 'all') return c.json(await memberPaths(id, viewerOf(principal)));
      const [shared] = await db
        .select({ id: collectiveSharedEndpoints.id })
        .from(collectiveSharedEndpoints)
        .where(
          and(
            eq(collectiveSharedEndpoints.collectiveId, id),
            eq(collectiveSharedEndpoints.slug, params.shared.toLowerCase()),
          ),
        )
        .limit(1);
      if (!shared) throw new ApiError(404, 'Shared endpoint not found');
      return c.json(await memberPaths(id, viewerOf(principal), shared.id));
    },
  );
}
