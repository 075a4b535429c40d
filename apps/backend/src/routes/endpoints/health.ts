import { HealthReportResult, UptimeResponse } from '@syfthub/contracts';
import { z } from 'zod';
import { readableEndpointByPath } from '../../endpoints/access';
import { applyHealthReport, healthReportSchema } from '../../endpoints/health-reports';
import { ownerSlugParams } from '../../endpoints/schemas';
import { uptimeBuckets } from '../../endpoints/uptime';
import { viewerOf } from '../../endpoints/visibility';
import type { BackendContext } from '../../http/context';
import { callerOf } from '../../http/route-kit';
import { assertOwnTunnel } from '../../validation/rules';

const TAGS = ['endpoints'];

/** Health reports from satellites (§9.5) and the uptime history the monitor records (§9.6). */
export function registerHealthRoutes(ctx: BackendContext): void {
  const { db, config } = ctx.deps;

  ctx.routes.add(
    {
      method: 'post',
      path: '/api/v1/endpoints/health',
      summary: "Report the health of the caller's endpoints (and publish the satellite URL)",
      tags: TAGS,
      auth: 'user',
      body: healthReportSchema,
      responses: { 200: { description: '{"updated": int, "ignored": int}', schema: HealthReportResult } },
    },
    async (c, input) => {
      const { user } = callerOf(input);
      assertOwnTunnel(input.body.url, user.username, ['url']);
      return c.json(await applyHealthReport(db, config, user.id, input.body));
    },
  );

  ctx.routes.add(
    {
      method: 'get',
      path: '/api/v1/endpoints/:owner/:slug/uptime',
      summary: 'Uptime buckets of an endpoint',
      tags: TAGS,
      auth: 'opt',
      params: ownerSlugParams,
      query: z.object({ window_hours: z.coerce.number().int().min(1).max(2160).default(24) }),
      responses: { 200: { description: 'Uptime buckets, oldest first', schema: UptimeResponse } },
    },
    async (c, input) => {
      const { owner, slug } = input.params;
      const row = await readableEndpointByPath(db, owner, slug, viewerOf(input.principal), {
        includeInactive: true,
        notFound: 'Endpoint not found',
      });
      const windowHours = input.query.window_hours;
      return c.json({
        endpoint_id: row.id,
        owner_username: row.ownerUsername,
        slug: row.slug,
        bucket_seconds: config.UPTIME_BUCKET_SECONDS,
        window_hours: windowHours,
        buckets: await uptimeBuckets(db, row.id, windowHours, config.UPTIME_BUCKET_SECONDS),
      } satisfies UptimeResponse);
    },
  );
}
