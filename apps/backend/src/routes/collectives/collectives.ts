import {
  BillingSummary,
  Collective,
  CollectiveCreate,
  CollectiveUpdate,
  CollectiveVerifiedUpdate,
  EndpointPathList,
  ErrorBody,
} from '@syfthub/contracts';
import { z } from 'zod';
import { billingSummary } from '../../collectives/billing';
import {
  assertManager,
  collectiveJson,
  collectivesOfEndpointJson,
  createCollective,
  deleteCollective,
  findCollective,
  findCollectiveBySlug,
  listCollectivesJson,
  setVerified,
  updateCollective,
} from '../../collectives/collectives';
import { memberPathsJson, visibleMembers } from '../../collectives/members-query';
import { viewerOf } from '../../endpoints/visibility';
import type { BackendContext } from '../../http/context';
import { callerOf } from '../../http/route-kit';
import { paginationQuery } from '../../validation/rules';
import { BASE, BY_ID, collectiveIdParams, errors, jsonText, slugParams, TAGS } from './common';

/** R01-R06, R12-R14 and the admin `verified` route (collectives.md §3, §14 D6). */
export function registerCollectiveCoreRoutes({ routes, deps: { db } }: BackendContext): void {
  routes.add(
    {
      method: 'post',
      path: BASE,
      summary: 'Create a collective',
      tags: TAGS,
      auth: 'user',
      body: CollectiveCreate,
      responses: {
        201: { description: 'The new collective', schema: Collective },
        409: { description: 'Slug taken, or no free derived slug', schema: ErrorBody },
        ...errors(401, 422),
      },
    },
    async (c, input) => {
      const caller = callerOf(input).user;
      const row = await createCollective(db, caller.id, input.body);
      return jsonText(c, await collectiveJson(db, { id: row.id }, caller), 201);
    },
  );

  routes.add(
    {
      method: 'get',
      path: BASE,
      summary: 'List collectives, newest first',
      tags: TAGS,
      auth: 'opt',
      query: z.object({
        ...paginationQuery(50, 100),
        owner_id: z.coerce.number().int().min(1).max(2_147_483_647).optional(),
        search: z.string().trim().min(1).max(200).optional(),
      }),
      responses: {
        200: { description: 'Collectives, counts as the caller sees them', schema: z.array(Collective) },
        ...errors(422),
      },
    },
    async (c, { query, principal }) => jsonText(c, await listCollectivesJson(db, query, viewerOf(principal))),
  );

  routes.add(
    {
      method: 'get',
      path: `${BASE}/by-slug/:slug`,
      summary: 'A collective by slug',
      tags: TAGS,
      auth: 'opt',
      params: slugParams,
      responses: { 200: { description: 'The collective', schema: Collective }, ...errors(404, 422) },
    },
    async (c, { params, principal }) =>
      jsonText(c, await collectiveJson(db, { slug: params.slug }, viewerOf(principal))),
  );

  routes.add(
    {
      method: 'get',
      path: `${BASE}/by-endpoint/:owner_username/:slug`,
      summary: 'Collectives an endpoint is an approved member of',
      tags: TAGS,
      auth: 'opt',
      params: z.object({ owner_username: z.string().min(1).max(100), slug: z.string().min(1).max(100) }),
      responses: {
        200: {
          description: 'Collectives, newest membership first; [] when unresolvable',
          schema: z.array(Collective),
        },
        ...errors(422),
      },
    },
    async (c, { params, principal }) =>
      jsonText(
        c,
        await collectivesOfEndpointJson(db, params.owner_username, params.slug, viewerOf(principal)),
      ),
  );

  routes.add(
    {
      method: 'get',
      path: `${BASE}/by-slug/:slug/endpoint-paths`,
      summary: "Resolve a collective to its members' owner/slug paths",
      tags: TAGS,
      auth: 'opt',
      params: slugParams,
      responses: {
        200: {
          description: 'Paths of the members the caller may use, newest membership first',
          schema: EndpointPathList,
        },
        ...errors(404, 422),
      },
    },
    async (c, { params, principal }) =>
      jsonText(c, await memberPathsJson(db, params.slug, viewerOf(principal))),
  );

  routes.add(
    {
      method: 'get',
      path: `${BASE}/by-slug/:slug/billing-summary`,
      summary: 'What a question across the whole collective costs',
      tags: TAGS,
      auth: 'user',
      params: slugParams,
      responses: {
        200: { description: 'Billing summary', schema: BillingSummary },
        ...errors(401, 404, 422),
      },
    },
    async (c, input) => {
      const viewer = callerOf(input).user;
      const collective = await findCollectiveBySlug(db, input.params.slug);
      return c.json(billingSummary(await visibleMembers(db, collective.id, viewer), viewer));
    },
  );

  routes.add(
    {
      method: 'get',
      path: BY_ID,
      summary: 'A collective by id',
      tags: TAGS,
      auth: 'opt',
      params: collectiveIdParams,
      responses: { 200: { description: 'The collective', schema: Collective }, ...errors(404, 422) },
    },
    async (c, { params, principal }) =>
      jsonText(c, await collectiveJson(db, { id: params.collective_id }, viewerOf(principal))),
  );

  routes.add(
    {
      method: 'patch',
      path: BY_ID,
      summary: "Update a collective's settings (owner or admin)",
      tags: TAGS,
      auth: 'user',
      params: collectiveIdParams,
      body: CollectiveUpdate,
      responses: {
        200: { description: 'The updated collective', schema: Collective },
        ...errors(401, 403, 404, 422),
      },
    },
    async (c, input) => {
      const caller = callerOf(input).user;
      const collective = await findCollective(db, input.params.collective_id);
      assertManager(collective, caller);
      await updateCollective(db, collective, input.body);
      return jsonText(c, await collectiveJson(db, { id: collective.id }, caller));
    },
  );

  routes.add(
    {
      method: 'delete',
      path: BY_ID,
      summary: 'Delete a collective with its memberships and shared endpoints (owner or admin)',
      tags: TAGS,
      auth: 'user',
      params: collectiveIdParams,
      responses: { 204: { description: 'Deleted' }, ...errors(401, 403, 404, 422) },
    },
    async (c, input) => {
      const collective = await findCollective(db, input.params.collective_id);
      assertManager(collective, callerOf(input).user);
      await deleteCollective(db, collective.id);
      return c.body(null, 204);
    },
  );

  routes.add(
    {
      method: 'patch',
      path: '/api/v1/admin/collectives/:collective_id{[0-9]+}',
      summary: "Set a collective's verified flag",
      tags: ['admin', ...TAGS],
      auth: 'admin',
      params: collectiveIdParams,
      body: CollectiveVerifiedUpdate,
      responses: {
        200: { description: 'The collective', schema: Collective },
        ...errors(401, 403, 404, 422),
      },
    },
    async (c, input) => {
      const row = await setVerified(db, input.params.collective_id, input.body.verified);
      return jsonText(c, await collectiveJson(db, { id: row.id }, callerOf(input).user));
    },
  );
}
