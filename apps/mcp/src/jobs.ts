import { and, eq, isNull, lt, oauthClients, oauthGrants, or, withAdvisoryXactLock } from '@syfthub/db';
import type { McpDeps } from './deps';

/** Advisory lock keys, so one replica at a time runs each job. */
const GRANT_SWEEP_LOCK = 8_002_001;
const CLIENT_SWEEP_LOCK = 8_002_002;
const GRANT_SWEEP_INTERVAL_MS = 10 * 60_000;
const CLIENT_SWEEP_INTERVAL_MS = 24 * 3_600_000;
const UNREDEEMED_GRANT_AGE_MS = 3_600_000;
const NEVER_AUTHORIZED_CLIENT_AGE_MS = 7 * 86_400_000;
const UNUSED_CLIENT_AGE_MS = 180 * 86_400_000;
const SWEEP_BATCH = 100;

/**
 * Revokes grants whose authorization code was never redeemed (mcp.md §4.3), ending their hub sessions.
 * Resolves to the number revoked.
 */
export async function revokeUnredeemedGrants(deps: McpDeps, now = Date.now()): Promise<number> {
  const outcome = await withAdvisoryXactLock(deps.db, GRANT_SWEEP_LOCK, (tx) =>
    tx
      .select({ id: oauthGrants.id })
      .from(oauthGrants)
      .where(
        and(
          isNull(oauthGrants.revokedAt),
          isNull(oauthGrants.lastUsedAt),
          lt(oauthGrants.createdAt, new Date(now - UNREDEEMED_GRANT_AGE_MS)),
        ),
      )
      .limit(SWEEP_BATCH),
  );
  for (const { id } of outcome.result ?? []) await deps.grants.revoke(id, 'code_not_redeemed');
  return outcome.result?.length ?? 0;
}

/**
 * Deletes clients that never completed an authorization within 7 days and clients unused for 180 days
 * (mcp.md §4.1); a metadata-document client also waits for its cached document to expire.
 */
export async function deleteStaleClients(deps: McpDeps, now = Date.now()): Promise<number> {
  const outcome = await withAdvisoryXactLock(deps.db, CLIENT_SWEEP_LOCK, async (tx) => {
    const deleted = await tx
      .delete(oauthClients)
      .where(
        and(
          or(isNull(oauthClients.metadataExpiresAt), lt(oauthClients.metadataExpiresAt, new Date(now))),
          or(
            and(
              eq(oauthClients.registrationType, 'dcr'),
              isNull(oauthClients.lastUsedAt),
              lt(oauthClients.createdAt, new Date(now - NEVER_AUTHORIZED_CLIENT_AGE_MS)),
            ),
            lt(oauthClients.lastUsedAt, new Date(now - UNUSED_CLIENT_AGE_MS)),
          ),
        ),
      )
      .returning({ clientId: oauthClients.clientId });
    return deleted.length;
  });
  return outcome.result ?? 0;
}

export interface RunningJobs {
  stop(): void;
}

/** Starts the background sweeps; each run's failure is logged and retried at the next interval. */
export function startJobs(deps: McpDeps): RunningJobs {
  const run = (name: string, job: () => Promise<number>) => async () => {
    try {
      const count = await job();
      if (count > 0) deps.logger.info({ event: 'mcp.job.completed', job: name, count }, 'Job completed');
    } catch (error) {
      deps.logger.error({ event: 'mcp.job.failed', job: name, error }, 'Job failed');
    }
  };
  const grantSweep = run('unredeemed_grants', () => revokeUnredeemedGrants(deps));
  const clientSweep = run('stale_clients', () => deleteStaleClients(deps));
  const timers = [
    setInterval(grantSweep, GRANT_SWEEP_INTERVAL_MS),
    setInterval(clientSweep, CLIENT_SWEEP_INTERVAL_MS),
  ];
  for (const timer of timers) timer.unref();
  return {
    stop() {
      for (const timer of timers) clearInterval(timer);
    },
  };
}
