import {
  ALL_SHARED_SLUG,
  BillingSummary,
  EndpointPathList,
  SharedEndpoint,
  SharedEndpointCreate,
  SharedEndpointUpdate,
} from '@syfthub/contracts';
import { z } from 'zod';
import { billingSummary } from '../../collectives/billing';
import {
  assertManager,
  type Collective,
  findCollective,
  findCollectiveBySlug,
} from '../../collectives/collectives';
import { memberPathsJson, visibleMembers } from '../../collectives/members-query';
import {
  bulkSharedEndpoints,
  createSharedEndpoint,
  deleteSharedEndpoint,
  findSharedEndpoint,
  listSharedEndpoints,
  sharedEndpointJson,
  updateSharedEndpoint,
} from '../../collectives/shared-endpoints';
import { type Viewer, viewerOf } from '../../endpoints/visibility';
import type { BackendContext } from '../../http/context';
import { callerOf } from '../../http/route-kit';
import {
  BASE,
  BY_ID,
  collectiveIdParams,
  errors,
  jsonText,
  pathId,
  sharedByIdParams,
  sharedBySlugParams,
  slugParams,
  TAGS,
} from './common';

const MAX_BULK_IDS = 100;

/** R07-R11 and R23-R27: shared endpoints ("Collective APIs") and their resolution (collectives.md §7). */
export function registerCollectiveSharedRoutes({ routes, deps: { db } }: BackendContext): void {
  /** The members the caller may use for `collective/<slug>/<shared>`; `all` means the whole collective. */
  async function membersFor(collective: Collective, sharedSlug: string, viewer: Viewer) {
    if (sharedSlug.toLowerCase() === ALL_SHARED_SLUG) return visibleMembers(db, collective.id, viewer);
    const shared = await findSharedEndpoint(db, collective, sharedSlug);
    return visibleMembers(db, collective.id, viewer, shared.id);
  }

  routes.add(
    {
      method: 'get',
      path: `${BASE}/shared-endpoints/bulk`,
      summary: 'Shared endpoints of several collectives at once',
      tags: TAGS,
      auth: 'opt',
      query: z.object({
        collective_id: z.array(pathId).max(MAX_BULK_IDS).default([]),
      }),
      queryArrays: ['collective_id'],
      responses: {
        200: {
          description: 'Shared endpoints grouped per collective; unknown ids skipped',
          schema: z.array(SharedEndpoint),
        },
        ...errors(422),
      },
    },
    async (c, { query, principal }) =>
      c.json(await bulkSharedEndpoints(db, [...new Set(query.collective_id)], viewerOf(principal))),
  );

  routes.add(
    {
      method: 'get',
      path: `${BASE}/by-slug/:slug/shared-endpoints`,
      summary: "A collective's shared endpoints, by collective slug",
      tags: TAGS,
      auth: 'opt',
      params: slugParams,
      responses: {
        200: { description: 'Shared endpoints, newest first', schema: z.array(SharedEndpoint) },
        ...errors(404, 422),
      },
    },
    async (c, { params, principal }) =>
      c.json(await listSharedEndpoints(db, await findCollectiveBySlug(db, params.slug), viewerOf(principal))),
  );

  routes.add(
    {
      method: 'get',
      path: `${BASE}/by-slug/:slug/shared-endpoints/:shared_slug`,
      summary: 'One shared endpoint, by collective and shared slug',
      tags: TAGS,
      auth: 'opt',
      params: sharedBySlugParams,
      responses: { 200: { description: 'The shared endpoint', schema: SharedEndpoint }, ...errors(404, 422) },
    },
    async (c, { params, principal }) => {
      const collective = await findCollectiveBySlug(db, params.slug);
      const row = await findSharedEndpoint(db, collective, params.shared_slug);
      return c.json(await sharedEndpointJson(db, row, viewerOf(principal)));
    },
  );

  routes.add(
    {
      method: 'get',
      path: `${BASE}/by-slug/:slug/shared-endpoints/:shared_slug/endpoint-paths`,
      summary: "Resolve a collective's shared endpoint (or `all`) to owner/slug paths",
      tags: TAGS,
      auth: 'opt',
      params: sharedBySlugParams,
      responses: {
        200: { description: 'Paths the caller may use, in configuration order', schema: EndpointPathList },
        ...errors(404, 422),
      },
    },
    async (c, { params, principal }) =>
      jsonText(c, await memberPathsJson(db, params.slug, viewerOf(principal), params.shared_slug)),
  );

  routes.add(
    {
      method: 'get',
      path: `${BASE}/by-slug/:slug/shared-endpoints/:shared_slug/billing-summary`,
      summary: 'What a question across a shared endpoint (or `all`) costs',
      tags: TAGS,
      auth: 'user',
      params: sharedBySlugParams,
      responses: {
        200: { description: 'Billing summary', schema: BillingSummary },
        ...errors(401, 404, 422),
      },
    },
    async (c, input) => {
      const viewer = callerOf(input).user;
      const collective = await findCollectiveBySlug(db, input.params.slug);
      return c.json(billingSummary(await membersFor(collective, input.params.shared_slug, viewer), viewer));
    },
  );

  routes.add(
    {
      method: 'get',
      path: `${BY_ID}/shared-endpoints`,
      summary: "A collective's shared endpoints",
      tags: TAGS,
      auth: 'opt',
      params: collectiveIdParams,
      responses: {
        200: { description: 'Shared endpoints, newest first', schema: z.array(SharedEndpoint) },
        ...errors(404, 422),
      },
    },
    async (c, { params, principal }) =>
      c.json(
        await listSharedEndpoints(db, await findCollective(db, params.collective_id), viewerOf(principal)),
      ),
  );

  routes.add(
    {
      method: 'post',
      path: `${BY_ID}/shared-endpoints`,
      summary: 'Create a shared endpoint over approved members (owner or admin)',
      tags: TAGS,
      auth: 'user',
      params: collectiveIdParams,
      body: SharedEndpointCreate,
      responses: {
        201: { description: 'The new shared endpoint', schema: SharedEndpoint },
        ...errors(400, 401, 403, 404, 409, 422),
      },
    },
    async (c, input) => {
      const caller = callerOf(input).user;
      const collective = await findCollective(db, input.params.collective_id);
      assertManager(collective, caller);
      return c.json(await createSharedEndpoint(db, collective, input.body, caller), 201);
    },
  );

  routes.add(
    {
      method: 'get',
      path: `${BY_ID}/shared-endpoints/:shared_slug`,
      summary: 'One shared endpoint',
      tags: TAGS,
      auth: 'opt',
      params: sharedByIdParams,
      responses: { 200: { description: 'The shared endpoint', schema: SharedEndpoint }, ...errors(404, 422) },
    },
    async (c, { params, principal }) => {
      const collective = await findCollective(db, params.collective_id);
      const row = await findSharedEndpoint(db, collective, params.shared_slug);
      return c.json(await sharedEndpointJson(db, row, viewerOf(principal)));
    },
  );

  routes.add(
    {
      method: 'patch',
      path: `${BY_ID}/shared-endpoints/:shared_slug`,
      summary: 'Rename, describe or re-configure a shared endpoint (owner or admin)',
      tags: TAGS,
      auth: 'user',
      params: sharedByIdParams,
      body: SharedEndpointUpdate,
      responses: {
        200: { description: 'The updated shared endpoint', schema: SharedEndpoint },
        ...errors(400, 401, 403, 404, 422),
      },
    },
    async (c, input) => {
      const caller = callerOf(input).user;
      const collective = await findCollective(db, input.params.collective_id);
      assertManager(collective, caller);
      const row = await findSharedEndpoint(db, collective, input.params.shared_slug);
      return c.json(await sharedEndpointJson(db, await updateSharedEndpoint(db, row, input.body), caller));
    },
  );

  routes.add(
    {
      method: 'delete',
      path: `${BY_ID}/shared-endpoints/:shared_slug`,
      summary: 'Delete a shared endpoint (owner or admin)',
      tags: TAGS,
      auth: 'user',
      params: sharedByIdParams,
      responses: { 204: { description: 'Deleted' }, ...errors(401, 403, 404, 422) },
    },
    async (c, input) => {
      const collective = await findCollective(db, input.params.collective_id);
      assertManager(collective, callerOf(input).user);
      await deleteSharedEndpoint(db, await findSharedEndpoint(db, collective, input.params.shared_slug));
      return c.body(null, 204);
    },
  );
}
