import { Endpoint, SlugExists } from '@syfthub/contracts';
import { z } from 'zod';
import { endpointNotFound, manageableEndpointById, readableEndpointById } from '../../endpoints/access';
import { listOwnEndpoints } from '../../endpoints/listings';
import { findEndpointById, findOwnEndpoint } from '../../endpoints/lookups';
import {
  endpointAdminUpdateSchema,
  endpointCreateSchema,
  endpointIdParams,
  endpointUpdateSchema,
  visibilitySchema,
} from '../../endpoints/schemas';
import { endpointJson } from '../../endpoints/serialize';
import { viewerOf } from '../../endpoints/visibility';
import { adminUpdateEndpoint, createEndpoint, deleteEndpoint, updateEndpoint } from '../../endpoints/writes';
import type { BackendContext } from '../../http/context';
import { callerOf } from '../../http/route-kit';
import { findUserById } from '../../users/queries';
import { assertOwnTunnelConnections, paginationQuery } from '../../validation/rules';

const BASE = '/api/v1/endpoints';
const BY_ID = `${BASE}/:endpoint_id{[0-9]+}`;
const TAGS = ['endpoints'];

const slugParams = z.object({ slug: z.string().transform((v) => v.toLowerCase()) });

/** Create, read, update and delete of single endpoints (§9.2), by id and by the caller's own slugs. */
export function registerManageRoutes(ctx: BackendContext): void {
  const { db, logger } = ctx.deps;

  ctx.routes.add(
    {
      method: 'post',
      path: BASE,
      summary: 'Create an endpoint',
      tags: TAGS,
      auth: 'user',
      body: endpointCreateSchema,
      responses: { 201: { description: 'The new endpoint (Endpoint)', schema: Endpoint } },
    },
    async (c, input) => {
      const caller = callerOf(input);
      assertOwnTunnelConnections(input.body.connect, caller.user.username);
      const row = await createEndpoint(db, caller.user, input.body);
      return c.json(endpointJson(row, caller.user), 201);
    },
  );

  ctx.routes.add(
    {
      method: 'get',
      path: BASE,
      summary: "List the caller's own endpoints in every state",
      tags: TAGS,
      auth: 'user',
      query: z.object({
        ...paginationQuery(10, 100),
        visibility: visibilitySchema.optional(),
        search: z.string().trim().min(1).max(200).optional(),
      }),
      responses: { 200: { description: 'Endpoint[]', schema: z.array(Endpoint) } },
    },
    async (c, input) => {
      const caller = callerOf(input);
      const rows = await listOwnEndpoints(db, caller.user.id, input.query);
      return c.json(rows.map((row) => endpointJson(row, caller.user)));
    },
  );

  ctx.routes.add(
    {
      method: 'get',
      path: `${BASE}/:slug/exists`,
      summary: 'Whether the caller owns an endpoint with this slug, in any state',
      tags: TAGS,
      auth: 'user',
      params: slugParams,
      responses: { 200: { description: 'true or false', schema: SlugExists } },
    },
    async (c, input) => {
      const row = await findOwnEndpoint(db, callerOf(input).user.id, input.params.slug);
      return c.json(row !== null);
    },
  );

  ctx.routes.add(
    {
      method: 'patch',
      path: `${BASE}/slug/:slug`,
      summary: "Update one of the caller's endpoints by slug",
      tags: TAGS,
      auth: 'user',
      params: slugParams,
      body: endpointUpdateSchema,
      responses: { 200: { description: 'The updated endpoint (Endpoint)', schema: Endpoint } },
    },
    async (c, input) => {
      const caller = callerOf(input);
      const row = await findOwnEndpoint(db, caller.user.id, input.params.slug);
      if (!row) throw endpointNotFound();
      assertOwnTunnelConnections(input.body.connect, caller.user.username);
      return c.json(endpointJson(await updateEndpoint(db, row, input.body), caller.user));
    },
  );

  ctx.routes.add(
    {
      method: 'delete',
      path: `${BASE}/slug/:slug`,
      summary: "Delete one of the caller's endpoints by slug",
      tags: TAGS,
      auth: 'user',
      params: slugParams,
      responses: { 204: { description: 'Deleted' } },
    },
    async (c, input) => {
      const row = await findOwnEndpoint(db, callerOf(input).user.id, input.params.slug);
      if (!row) throw endpointNotFound();
      await deleteEndpoint(db, row.id);
      return c.body(null, 204);
    },
  );

  ctx.routes.add(
    {
      method: 'get',
      path: BY_ID,
      summary: 'Get an endpoint by id',
      tags: TAGS,
      auth: 'user',
      params: endpointIdParams,
      responses: { 200: { description: 'Endpoint (policies filtered for non-owners)', schema: Endpoint } },
    },
    async (c, input) => {
      const viewer = viewerOf(input.principal);
      const row = await readableEndpointById(db, input.params.endpoint_id, viewer);
      return c.json(endpointJson(row, viewer));
    },
  );

  ctx.routes.add(
    {
      method: 'patch',
      path: BY_ID,
      summary: 'Update an endpoint (owner or admin)',
      tags: TAGS,
      auth: 'user',
      params: endpointIdParams,
      body: endpointUpdateSchema,
      responses: { 200: { description: 'The updated endpoint (Endpoint)', schema: Endpoint } },
    },
    async (c, input) => {
      const viewer = viewerOf(input.principal);
      const row = await manageableEndpointById(db, input.params.endpoint_id, viewer);
      if (input.body.connect) {
        const owner = await findUserById(db, row.userId);
        assertOwnTunnelConnections(input.body.connect, owner?.username ?? '');
      }
      return c.json(endpointJson(await updateEndpoint(db, row, input.body), viewer));
    },
  );

  ctx.routes.add(
    {
      method: 'delete',
      path: BY_ID,
      summary: 'Delete an endpoint (owner or admin)',
      tags: TAGS,
      auth: 'user',
      params: endpointIdParams,
      responses: { 204: { description: 'Deleted' } },
    },
    async (c, input) => {
      const row = await manageableEndpointById(db, input.params.endpoint_id, viewerOf(input.principal));
      await deleteEndpoint(db, row.id);
      return c.body(null, 204);
    },
  );

  ctx.routes.add(
    {
      method: 'patch',
      path: `${BY_ID}/admin`,
      summary: 'Admin update: enable/disable an endpoint or set its star count',
      tags: TAGS,
      auth: 'admin',
      params: endpointIdParams,
      body: endpointAdminUpdateSchema,
      responses: { 200: { description: 'The updated endpoint (Endpoint)', schema: Endpoint } },
    },
    async (c, input) => {
      const row = await findEndpointById(db, input.params.endpoint_id);
      if (!row) throw endpointNotFound();
      const updated = await adminUpdateEndpoint(db, row, input.body);
      if (updated.isActive !== row.isActive) {
        logger.info({
          event: 'endpoint.health.changed',
          endpoint_id: row.id,
          owner_username: row.ownerUsername,
          slug: row.slug,
          previous_is_active: row.isActive,
          is_active: updated.isActive,
          health_status: updated.healthStatus,
          reason: 'admin',
        });
      }
      return c.json(endpointJson(updated, callerOf(input).user));
    },
  );
}
