import type { UptimeBucket } from '@syfthub/contracts';
import { and, asc, type Db, endpointUptimeSamples, eq, sql } from '@syfthub/db';
import { iso } from '../users/serialize';

/** The buckets with samples that overlap the last `windowHours`, oldest first (§9.6). */
export async function uptimeBuckets(
  db: Db,
  endpointId: number,
  windowHours: number,
  bucketSeconds: number,
): Promise<UptimeBucket[]> {
  const rows = await db
    .select({
      bucketStart: endpointUptimeSamples.bucketStart,
      total: endpointUptimeSamples.totalChecks,
      healthy: endpointUptimeSamples.healthyChecks,
    })
    .from(endpointUptimeSamples)
    .where(
      and(
        eq(endpointUptimeSamples.endpointId, endpointId),
        sql`${endpointUptimeSamples.bucketStart} > now() - make_interval(secs => ${windowHours * 3600 + bucketSeconds})`,
        sql`${endpointUptimeSamples.totalChecks} > 0`,
      ),
    )
    .orderBy(asc(endpointUptimeSamples.bucketStart));
  return rows.map((row) => ({
    bucket_start: iso(row.bucketStart),
    samples: row.total,
    healthy_samples: row.healthy,
    uptime_pct: Math.round((row.healthy / row.total) * 10_000) / 100,
  }));
}
