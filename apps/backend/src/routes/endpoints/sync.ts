import { SyncResult } from '@syfthub/contracts';
import { syncBodySchema } from '../../endpoints/schemas';
import { endpointJson } from '../../endpoints/serialize';
import { syncEndpoints } from '../../endpoints/sync';
import type { BackendContext } from '../../http/context';
import { callerOf } from '../../http/route-kit';
import { assertOwnTunnelConnections } from '../../validation/rules';

/** The sync route's own body limit (§1): 300 endpoints with long READMEs. */
const SYNC_BODY_LIMIT_BYTES = 16 * 1024 * 1024;

/** `POST /endpoints/sync` (§9.4): replace the caller's endpoint set in one transaction. */
export function registerSyncRoutes(ctx: BackendContext): void {
  const { db, logger } = ctx.deps;
  ctx.routes.add(
    {
      method: 'post',
      path: '/api/v1/endpoints/sync',
      summary: "Replace the caller's endpoint set (upsert by slug, delete the rest)",
      tags: ['endpoints'],
      auth: 'user',
      body: syncBodySchema,
      bodyLimitBytes: SYNC_BODY_LIMIT_BYTES,
      responses: {
        200: { description: '{"synced", "deleted", "endpoints": Endpoint[]}', schema: SyncResult },
      },
    },
    async (c, input) => {
      const caller = callerOf(input);
      input.body.endpoints.forEach((item, index) => {
        assertOwnTunnelConnections(item.connect, caller.user.username, ['endpoints', index, 'connect']);
      });
      const result = await syncEndpoints(db, caller.user, input.body.endpoints, (err) =>
        logger.error(
          { event: 'endpoints.sync.failed', user_id: caller.user.id, err },
          'endpoint sync rolled back',
        ),
      );
      return c.json({
        synced: result.synced,
        deleted: result.deleted,
        endpoints: result.endpoints.map((row) => endpointJson(row, caller.user)),
      } satisfies SyncResult);
    },
  );
}
