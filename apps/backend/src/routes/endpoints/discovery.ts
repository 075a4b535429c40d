import { EndpointPublic, EndpointView, GroupedEndpoints, OwnersListing } from '@syfthub/contracts';
import { ApiError } from '@syfthub/service';
import { z } from 'zod';
import { readableEndpointByPath } from '../../endpoints/access';
import {
  listGroupedEndpoints,
  listGuestAccessibleEndpoints,
  listOwnerListedEndpoints,
  listOwnerSummaries,
  listPublicEndpoints,
  listTrendingEndpoints,
} from '../../endpoints/listings';
import { findEndpointByPath } from '../../endpoints/lookups';
import { endpointTypeSchema, MAX_INT4, ownerSlugParams } from '../../endpoints/schemas';
import { endpointJsonFor, endpointPublicJson } from '../../endpoints/serialize';
import { viewerOf } from '../../endpoints/visibility';
import type { BackendContext } from '../../http/context';
import { paginationQuery } from '../../validation/rules';

const BASE = '/api/v1/endpoints';
const TAGS = ['discovery'];

const ownerParams = z.object({ owner: z.string().transform((v) => v.toLowerCase()) });

/** Public discovery (§9.2, §9.3): listings of active, public, unarchived endpoints, and lookups by path. */
export function registerDiscoveryRoutes(ctx: BackendContext): void {
  const { db } = ctx.deps;

  ctx.routes.add(
    {
      method: 'get',
      path: `${BASE}/public`,
      summary: 'Browse public endpoints',
      tags: TAGS,
      auth: 'opt',
      query: z.object({
        ...paginationQuery(10, 100),
        endpoint_type: endpointTypeSchema.optional(),
        search: z.string().trim().min(1).max(200).optional(),
      }),
      responses: { 200: { description: 'EndpointPublic[], newest first', schema: z.array(EndpointPublic) } },
    },
    async (c, input) => {
      const { endpoint_type: endpointType, search, skip, limit } = input.query;
      const viewer = viewerOf(input.principal);
      const json = await listPublicEndpoints(db, { search, endpointType, skip, limit }, viewer);
      return c.body(json, 200, { 'Content-Type': 'application/json' });
    },
  );

  ctx.routes.add(
    {
      method: 'get',
      path: `${BASE}/public/grouped`,
      summary: 'Public endpoints grouped by owner',
      tags: TAGS,
      auth: 'opt',
      query: z.object({
        max_per_owner: z.coerce.number().int().min(1).max(50).default(15),
        ...paginationQuery(100, 200),
      }),
      responses: { 200: { description: '{"groups": [...]}', schema: GroupedEndpoints } },
    },
    async (c, input) => {
      const viewer = viewerOf(input.principal);
      const groups = await listGroupedEndpoints(db, {
        maxPerOwner: input.query.max_per_owner,
        skip: input.query.skip,
        limit: input.query.limit,
      });
      return c.json({
        groups: groups.map((group) => ({
          owner_username: group.ownerUsername,
          endpoints: group.endpoints.map((row) => endpointPublicJson(row, viewer)),
          total_count: group.totalCount,
          has_more: group.totalCount > input.query.max_per_owner,
        })),
      } satisfies GroupedEndpoints);
    },
  );

  ctx.routes.add(
    {
      method: 'get',
      path: `${BASE}/public/owners`,
      summary: 'Owners with public endpoints and their counts',
      tags: TAGS,
      auth: 'none',
      query: z.object(paginationQuery(100, 500)),
      responses: { 200: { description: '{"owners": [...], "total_count": int}', schema: OwnersListing } },
    },
    async (c, input) => {
      const { owners, totalCount } = await listOwnerSummaries(db, input.query);
      return c.json({ owners, total_count: totalCount } satisfies OwnersListing);
    },
  );

  ctx.routes.add(
    {
      method: 'get',
      path: `${BASE}/public/by-owner/:owner`,
      summary: "One owner's public endpoints",
      tags: TAGS,
      auth: 'opt',
      params: ownerParams,
      query: z.object(paginationQuery(100, 500)),
      responses: {
        200: { description: 'EndpointPublic[]; [] for an unknown owner', schema: z.array(EndpointPublic) },
      },
    },
    async (c, input) => {
      const viewer = viewerOf(input.principal);
      const rows = await listOwnerListedEndpoints(db, input.params.owner, input.query);
      return c.json(rows.map((row) => endpointPublicJson(row, viewer)));
    },
  );

  ctx.routes.add(
    {
      method: 'get',
      path: `${BASE}/public/:owner/:slug`,
      summary: 'A public endpoint by owner/slug',
      tags: TAGS,
      auth: 'opt',
      params: ownerSlugParams,
      responses: {
        200: { description: 'EndpointPublic', schema: EndpointPublic },
        404: { description: 'Not public or not active' },
      },
    },
    async (c, input) => {
      const row = await findEndpointByPath(db, input.params.owner, input.params.slug);
      if (!row?.isActive || !row.ownerIsActive || row.visibility !== 'public') {
        throw new ApiError(404, 'Endpoint not found');
      }
      return c.json(endpointPublicJson(row, viewerOf(input.principal)));
    },
  );

  ctx.routes.add(
    {
      method: 'get',
      path: `${BASE}/by-path/:owner/:slug`,
      summary: 'An endpoint by owner/slug, as GET /{owner}/{slug}',
      tags: TAGS,
      auth: 'opt',
      params: ownerSlugParams,
      responses: {
        200: {
          description: 'Endpoint for owners and admins, EndpointPublic otherwise',
          schema: EndpointView,
        },
      },
    },
    async (c, input) => {
      const viewer = viewerOf(input.principal);
      const row = await readableEndpointByPath(db, input.params.owner, input.params.slug, viewer);
      return c.json(endpointJsonFor(row, viewer));
    },
  );

  ctx.routes.add(
    {
      method: 'get',
      path: `${BASE}/trending`,
      summary: 'Most-starred public endpoints',
      tags: TAGS,
      auth: 'opt',
      query: z.object({
        ...paginationQuery(10, 100),
        min_stars: z.coerce.number().int().min(0).max(MAX_INT4).optional(),
        endpoint_type: endpointTypeSchema.optional(),
      }),
      responses: {
        200: { description: 'EndpointPublic[], most starred first', schema: z.array(EndpointPublic) },
      },
    },
    async (c, input) => {
      const viewer = viewerOf(input.principal);
      const { endpoint_type: endpointType, min_stars: minStars, skip, limit } = input.query;
      const rows = await listTrendingEndpoints(db, { skip, limit, endpointType, minStars });
      return c.json(rows.map((row) => endpointPublicJson(row, viewer)));
    },
  );

  ctx.routes.add(
    {
      method: 'get',
      path: `${BASE}/guest-accessible`,
      summary: 'Public endpoints without policies (usable signed out)',
      tags: TAGS,
      auth: 'opt',
      query: z.object({ ...paginationQuery(10, 100), endpoint_type: endpointTypeSchema.optional() }),
      responses: { 200: { description: 'EndpointPublic[]', schema: z.array(EndpointPublic) } },
    },
    async (c, input) => {
      const viewer = viewerOf(input.principal);
      const { endpoint_type: endpointType, skip, limit } = input.query;
      const rows = await listGuestAccessibleEndpoints(db, { skip, limit, endpointType });
      return c.json(rows.map((row) => endpointPublicJson(row, viewer)));
    },
  );
}
