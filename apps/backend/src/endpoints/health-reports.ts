import { and, type Db, endpoints, eq, executeRows, sql, users } from '@syfthub/db';
import { z } from 'zod';
import type { BackendConfig } from '../env';
import { domainSchema } from '../validation/rules';
import { timestampSchema } from '../validation/timestamp';

/** `POST /endpoints/health` body (§9.5; satellite-protocol.md §6). */
export const healthReportSchema = z.object({
  endpoints: z
    .array(
      z.object({
        slug: z.string().trim().min(3).max(63),
        status: z.enum(['healthy', 'unhealthy']),
        checked_at: timestampSchema,
      }),
    )
    .min(1)
    .max(300),
  ttl_seconds: z.number().int().min(1).max(3600).nullish(),
  url: domainSchema.nullish(),
});
export type HealthReport = z.output<typeof healthReportSchema>;

/** A satellite may run a little ahead of us; anything further ahead is replaced by our clock (fix 22). */
const MAX_CLOCK_SKEW_MS = 60_000;

/**
 * Applies a health report to the caller's endpoints (any state, slugs case-insensitive) and, when it carries a
 * `url`, publishes the caller's domain. Health fields only: `updated_at` and `is_active` are left to the monitor.
 */
export async function applyHealthReport(
  db: Db,
  config: Pick<BackendConfig, 'HEALTH_DEFAULT_TTL_SECONDS' | 'HEALTH_MAX_TTL_SECONDS'>,
  userId: number,
  report: HealthReport,
): Promise<{ updated: number; ignored: number }> {
  const ttl = Math.min(
    report.ttl_seconds ?? config.HEALTH_DEFAULT_TTL_SECONDS,
    config.HEALTH_MAX_TTL_SECONDS,
  );
  const latestAllowed = Date.now() + MAX_CLOCK_SKEW_MS;
  // Later items win for a slug that appears twice, as if the reports had arrived one after the other.
  const bySlug = new Map<string, { slug: string; status: string; checked_at: string }>();
  for (const item of report.endpoints) {
    const slug = item.slug.toLowerCase();
    const checkedAt = item.checked_at.getTime() > latestAllowed ? new Date() : item.checked_at;
    bySlug.set(slug, { slug, status: item.status, checked_at: checkedAt.toISOString() });
  }

  const matched = await db.transaction(async (tx) => {
    const rows = await executeRows<{ slug: string }>(
      tx,
      sql`update ${endpoints}
          set health_status = report.status, health_checked_at = report.checked_at, health_ttl_seconds = ${ttl}
          from jsonb_to_recordset(${JSON.stringify([...bySlug.values()])}::jsonb)
            as report(slug text, status text, checked_at timestamptz)
          where ${endpoints.userId} = ${userId} and ${endpoints.slug} = report.slug
          returning ${endpoints.slug}`,
    );
    if (report.url) {
      await tx
        .update(users)
        .set({ domain: report.url, updatedAt: sql`now()` })
        .where(and(eq(users.id, userId), sql`${users.domain} is distinct from ${report.url}`));
    }
    return new Set(rows.map((row) => row.slug));
  });

  const updated = report.endpoints.filter((item) => matched.has(item.slug.toLowerCase())).length;
  return { updated, ignored: report.endpoints.length - updated };
}
