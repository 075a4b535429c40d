import {
  type Db,
  endpointUptimeSamples,
  errorLogs,
  executeRows,
  otpCodes,
  refreshTokens,
  type SQL,
  sql,
  withAdvisoryXactLock,
} from '@syfthub/db';
import type { BackendConfig } from '../env';
import { JOB_LOCK_KEYS } from './lock-keys';

/** Outcome of one job cycle: whether this replica ran it, and how many rows it changed. */
export interface JobCycle {
  ran: boolean;
  changed: number;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const NOT_RUN: JobCycle = { ran: false, changed: 0 };

/** A cutoff `ageMs` before now as a SQL timestamptz (ISO text, so both drivers bind it the same way). */
function before(ageMs: number): SQL {
  return sql`${new Date(Date.now() - ageMs).toISOString()}::timestamptz`;
}

/** Runs `delete from …` under the job's lock and counts the rows in SQL, so huge deletes return one row. */
async function lockedDelete(db: Db, key: number, deletion: SQL): Promise<JobCycle> {
  const outcome = await withAdvisoryXactLock(db, key, async (tx) => {
    const [row] = await executeRows<{ count: number }>(
      tx,
      sql`with removed as (${deletion} returning 1) select count(*)::int as count from removed`,
    );
    return row?.count ?? 0;
  });
  return outcome.acquired ? { ran: true, changed: outcome.result } : NOT_RUN;
}

/** Used or expired OTP codes, once they are older than the retention (§15). */
export function cleanupOtpCodes(db: Db, config: Pick<BackendConfig, 'OTP_CLEANUP_RETENTION_HOURS'>) {
  const cutoff = before(config.OTP_CLEANUP_RETENTION_HOURS * HOUR_MS);
  return lockedDelete(
    db,
    JOB_LOCK_KEYS.otpCleanup,
    sql`delete from ${otpCodes}
        where (${otpCodes.usedAt} is not null and ${otpCodes.usedAt} < ${cutoff}) or ${otpCodes.expiresAt} < ${cutoff}`,
  );
}

/** Refresh-token rows more than a day past their own or their session's expiry: no token can use them. */
export function cleanupSessions(db: Db) {
  const cutoff = before(DAY_MS);
  return lockedDelete(
    db,
    JOB_LOCK_KEYS.sessionCleanup,
    sql`delete from ${refreshTokens}
        where ${refreshTokens.expiresAt} < ${cutoff} or ${refreshTokens.familyExpiresAt} < ${cutoff}`,
  );
}

/** Error logs past `ERROR_RETENTION_DAYS`; 0 keeps them forever, as 0 does for `UPTIME_RETENTION_DAYS`. */
export async function pruneErrorLogs(db: Db, config: Pick<BackendConfig, 'ERROR_RETENTION_DAYS'>) {
  if (config.ERROR_RETENTION_DAYS === 0) return NOT_RUN;
  const cutoff = before(config.ERROR_RETENTION_DAYS * DAY_MS);
  return lockedDelete(
    db,
    JOB_LOCK_KEYS.errorLogRetention,
    sql`delete from ${errorLogs} where ${errorLogs.createdAt} < ${cutoff}`,
  );
}

/** Uptime samples past `UPTIME_RETENTION_DAYS` (0 disables). */
export async function pruneUptimeSamples(db: Db, config: Pick<BackendConfig, 'UPTIME_RETENTION_DAYS'>) {
  if (config.UPTIME_RETENTION_DAYS === 0) return NOT_RUN;
  const cutoff = before(config.UPTIME_RETENTION_DAYS * DAY_MS);
  return lockedDelete(
    db,
    JOB_LOCK_KEYS.uptimeRetention,
    sql`delete from ${endpointUptimeSamples} where ${endpointUptimeSamples.bucketStart} < ${cutoff}`,
  );
}
