import { UserAggregator, UserAggregatorList } from '@syfthub/contracts';
import { z } from 'zod';
import type { BackendContext } from '../http/context';
import { callerOf } from '../http/route-kit';
import {
  aggregatorJson,
  createAggregator,
  deleteAggregator,
  getAggregator,
  listAggregators,
  updateAggregator,
} from '../users/aggregators';
import { pgIdSchema } from '../users/params';
import { httpUrlSchema } from '../validation/rules';

const BASE = '/api/v1/users/me/aggregators';
const ONE = `${BASE}/:aggregator_id{[0-9]+}`;
const idParams = z.object({ aggregator_id: pgIdSchema });
const nameSchema = z.string().trim().min(1).max(100);

/** The create body (contract: `UserAggregatorInput`). */
export const createBody = z.object({
  name: nameSchema,
  url: httpUrlSchema,
  is_default: z.boolean().default(false),
});

const updateBody = z.object({
  name: nameSchema.nullish(),
  url: httpUrlSchema.nullish(),
  is_default: z.boolean().nullish(),
});

/** The caller's aggregator URLs (backend-api.md §7). */
export function registerAggregatorRoutes({ routes, deps: { db } }: BackendContext): void {
  const tags = ['aggregators'];
  const notFound = { 404: { description: 'Not one of the caller’s aggregators' } };

  routes.add(
    {
      method: 'get',
      path: BASE,
      summary: 'List my aggregators',
      tags,
      auth: 'user',
      responses: {
        200: {
          description: '{aggregators (newest first), default_aggregator_id}',
          schema: UserAggregatorList,
        },
      },
    },
    async (c, input) => {
      const rows = await listAggregators(db, callerOf(input).user.id);
      return c.json({
        aggregators: rows.map(aggregatorJson),
        default_aggregator_id: rows.find((r) => r.isDefault)?.id ?? null,
      } satisfies UserAggregatorList);
    },
  );

  routes.add(
    {
      method: 'post',
      path: BASE,
      summary: 'Add an aggregator',
      tags,
      auth: 'user',
      body: createBody,
      responses: {
        201: { description: 'UserAggregator; the first one is always the default', schema: UserAggregator },
        400: { description: 'Maximum number of aggregators reached' },
      },
    },
    async (c, input) => {
      const { body } = input;
      const row = await createAggregator(db, callerOf(input).user.id, {
        name: body.name,
        url: body.url,
        isDefault: body.is_default,
      });
      return c.json(aggregatorJson(row), 201);
    },
  );

  routes.add(
    {
      method: 'get',
      path: ONE,
      summary: 'Get one of my aggregators',
      tags,
      auth: 'user',
      params: idParams,
      responses: { 200: { description: 'UserAggregator', schema: UserAggregator }, ...notFound },
    },
    async (c, input) =>
      c.json(aggregatorJson(await getAggregator(db, callerOf(input).user.id, input.params.aggregator_id))),
  );

  routes.add(
    {
      method: 'put',
      path: ONE,
      summary: 'Update one of my aggregators',
      tags,
      auth: 'user',
      params: idParams,
      body: updateBody,
      responses: { 200: { description: 'UserAggregator', schema: UserAggregator }, ...notFound },
    },
    async (c, input) => {
      const { body } = input;
      const row = await updateAggregator(db, callerOf(input).user.id, input.params.aggregator_id, {
        name: body.name ?? undefined,
        url: body.url ?? undefined,
        isDefault: body.is_default ?? undefined,
      });
      return c.json(aggregatorJson(row));
    },
  );

  routes.add(
    {
      method: 'delete',
      path: ONE,
      summary: 'Delete one of my aggregators',
      tags,
      auth: 'user',
      params: idParams,
      responses: { 204: { description: 'Deleted; a deleted default passes to the newest one' }, ...notFound },
    },
    async (c, input) => {
      await deleteAggregator(db, callerOf(input).user.id, input.params.aggregator_id);
      return c.body(null, 204);
    },
  );

  routes.add(
    {
      method: 'patch',
      path: `${ONE}/default`,
      summary: 'Make one of my aggregators the default',
      tags,
      auth: 'user',
      params: idParams,
      responses: { 200: { description: 'UserAggregator', schema: UserAggregator }, ...notFound },
    },
    async (c, input) => {
      const row = await updateAggregator(db, callerOf(input).user.id, input.params.aggregator_id, {
        isDefault: true,
      });
      return c.json(aggregatorJson(row));
    },
  );
}
