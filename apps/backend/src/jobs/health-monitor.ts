import { executeRows, sql, withAdvisoryXactLock } from '@syfthub/db';
import type { BackendDeps } from '../deps';
import { connectedTunnelOwners } from '../tunnel/presence';
import { JOB_LOCK_KEYS } from './lock-keys';

/** Why the monitor judged an endpoint as it did (operations.md §6.2 `endpoint.health.changed`). */
type HealthReason =
  | 'healthy_report'
  | 'tunnel_connected'
  | 'report_expired'
  | 'reported_unhealthy'
  | 'no_domain';

interface MonitoredRow extends Record<string, unknown> {
  id: number;
  owner_username: string;
  slug: string;
  previous_is_active: boolean;
  is_active: boolean;
  health_status: string | null;
  consecutive_failure_count: number;
  reason: HealthReason;
}

export interface HealthMonitorCycle {
  /** False when another replica held the cycle's lock, so nothing ran here. */
  ran: boolean;
  /** Endpoints whose `is_active` changed. */
  changed: number;
}

/**
 * One monitor cycle (§15.1) under the monitor's transaction-scoped advisory lock: one statement judges every
 * monitored endpoint from its satellite's last report, updates failure counts and active state, and records an
 * uptime sample. It never probes satellites and never touches `updated_at`.
 */
export async function runHealthMonitorCycle(
  deps: Pick<BackendDeps, 'db' | 'config' | 'logger' | 'backendMetrics' | 'tunnel'>,
): Promise<HealthMonitorCycle> {
  const { config, logger, backendMetrics } = deps;
  const threshold = config.HEALTH_CHECK_FAILURE_THRESHOLD;
  const tunnelled = await tunnelOwnersOnline(deps);
  const bucketSeconds = config.UPTIME_BUCKET_SECONDS;
  const outcome = await withAdvisoryXactLock(deps.db, JOB_LOCK_KEYS.healthMonitor, async (tx) => {
    const rows = await executeRows<MonitoredRow>(
      tx,
      sql`with judged as (
            select e.id, e.is_active as previous_is_active, e.consecutive_failure_count as previous_failures,
                   case
                     when u.domain is null then 'no_domain'
                     when e.health_status = 'healthy'
                          and e.health_checked_at + make_interval(secs => e.health_ttl_seconds) > now()
                       then 'healthy_report'
                     when e.health_status = 'unhealthy'
                          and e.health_checked_at + make_interval(secs => e.health_ttl_seconds) > now()
                       then 'reported_unhealthy'
                     -- tunnelling.md §10(b): a node subscribed to its subject keeps its endpoints up; a fresh
                     -- explicit report (above) still wins.
                     when u.domain = 'tunneling:' || u.username
                          and u.username in (select jsonb_array_elements_text(${JSON.stringify(tunnelled)}::jsonb))
                       then 'tunnel_connected'
                     when e.health_status = 'unhealthy' then 'reported_unhealthy'
                     else 'report_expired'
                   end as reason
            from endpoints e join users u on u.id = e.user_id
            where jsonb_array_length(e.connect) > 0 and not e.disabled_by_admin
          ),
          next_state as (
            select j.id,
                   case when j.reason in ('healthy_report', 'tunnel_connected') then 0 else j.previous_failures + 1 end
                     as failures,
                   case when j.reason in ('healthy_report', 'tunnel_connected') then true
                        when j.previous_failures + 1 >= ${threshold} then false
                        else j.previous_is_active end as active
            from judged j
          ),
          updated as (
            -- Rows already in their next state are skipped: a healthy fleet costs no writes.
            update endpoints e
            set consecutive_failure_count = n.failures, is_active = n.active
            from next_state n
            where e.id = n.id and (e.consecutive_failure_count, e.is_active) is distinct from (n.failures, n.active)
            returning e.id, e.slug, e.user_id, e.is_active, e.health_status, e.consecutive_failure_count
          ),
          sampled as (
            insert into endpoint_uptime_samples as s (endpoint_id, bucket_start, total_checks, healthy_checks)
            select j.id,
                   to_timestamp(floor(extract(epoch from now()) / ${bucketSeconds}) * ${bucketSeconds}),
                   1,
                   case when j.reason in ('healthy_report', 'tunnel_connected') then 1 else 0 end
            from judged j
            on conflict (endpoint_id, bucket_start) do update
              set total_checks = s.total_checks + 1, healthy_checks = s.healthy_checks + excluded.healthy_checks
          )
          select up.id, u.username as owner_username, up.slug, j.previous_is_active, up.is_active,
                 up.health_status, up.consecutive_failure_count, j.reason
          from updated up join judged j on j.id = up.id join users u on u.id = up.user_id
          where up.is_active is distinct from j.previous_is_active`,
    );
    const [active] = await executeRows<{ count: number }>(
      tx,
      sql`select count(*)::int as count from endpoints where is_active`,
    );
    return { changes: rows, activeCount: active?.count ?? 0 };
  });
  if (!outcome.acquired) return { ran: false, changed: 0 };

  const { changes, activeCount } = outcome.result;
  for (const row of changes) {
    backendMetrics.healthTransitions.inc({ to: row.is_active ? 'active' : 'inactive' });
    logger.info({
      event: 'endpoint.health.changed',
      endpoint_id: row.id,
      owner_username: row.owner_username,
      slug: row.slug,
      previous_is_active: row.previous_is_active,
      is_active: row.is_active,
      health_status: row.health_status,
      consecutive_failure_count: row.consecutive_failure_count,
      reason: row.reason,
    });
  }
  backendMetrics.endpointsActive.set(activeCount);
  return { ran: true, changed: changes.length };
}

/**
 * Owners whose node is subscribed right now (tunnelling.md §10(b)), read once per cycle; empty when the rule is off
 * or NATS monitoring cannot be read (then tunnelled endpoints depend on their reports, like any other).
 */
async function tunnelOwnersOnline(deps: Pick<BackendDeps, 'tunnel' | 'logger'>): Promise<string[]> {
  const { monitorUrl } = deps.tunnel;
  if (!monitorUrl) return [];
  try {
    return [...(await connectedTunnelOwners(monitorUrl))];
  } catch (err) {
    deps.logger.warn({ event: 'health.tunnel_presence_unavailable', err });
    return [];
  }
}
