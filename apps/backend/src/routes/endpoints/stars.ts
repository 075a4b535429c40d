import { StarState } from '@syfthub/contracts';
import { readableEndpointById } from '../../endpoints/access';
import { endpointIdParams } from '../../endpoints/schemas';
import { hasStarred, starEndpoint, unstarEndpoint } from '../../endpoints/stars';
import { viewerOf } from '../../endpoints/visibility';
import type { BackendContext } from '../../http/context';
import { callerOf } from '../../http/route-kit';

const BY_ID = '/api/v1/endpoints/:endpoint_id{[0-9]+}';
const TAGS = ['endpoints'];

/** Stars (§9.2): idempotent, atomic with the counter, only on endpoints the caller can see. */
export function registerStarRoutes(ctx: BackendContext): void {
  const { db } = ctx.deps;

  ctx.routes.add(
    {
      method: 'post',
      path: `${BY_ID}/star`,
      summary: 'Star an endpoint',
      tags: TAGS,
      auth: 'user',
      params: endpointIdParams,
      responses: {
        201: {
          description: '{"starred": true} if newly starred, false if it already was',
          schema: StarState,
        },
      },
    },
    async (c, input) => {
      const caller = callerOf(input);
      const row = await readableEndpointById(db, input.params.endpoint_id, viewerOf(caller));
      return c.json({ starred: await starEndpoint(db, caller.user.id, row.id) } satisfies StarState, 201);
    },
  );

  ctx.routes.add(
    {
      method: 'delete',
      path: `${BY_ID}/star`,
      summary: 'Remove a star',
      tags: TAGS,
      auth: 'user',
      params: endpointIdParams,
      responses: { 204: { description: 'Not starred (any more)' } },
    },
    async (c, input) => {
      const caller = callerOf(input);
      const row = await readableEndpointById(db, input.params.endpoint_id, viewerOf(caller));
      await unstarEndpoint(db, caller.user.id, row.id);
      return c.body(null, 204);
    },
  );

  ctx.routes.add(
    {
      method: 'get',
      path: `${BY_ID}/starred`,
      summary: 'Whether the caller starred an endpoint',
      tags: TAGS,
      auth: 'user',
      params: endpointIdParams,
      responses: { 200: { description: '{"starred": bool}', schema: StarState } },
    },
    async (c, input) => {
      const caller = callerOf(input);
      const row = await readableEndpointById(db, input.params.endpoint_id, viewerOf(caller));
      return c.json({ starred: await hasStarred(db, caller.user.id, row.id) } satisfies StarState);
    },
  );
}
