import type { BackendDeps } from '../deps';
import { cleanupOtpCodes, cleanupSessions, pruneErrorLogs, pruneUptimeSamples } from './cleanup';
import { runHealthMonitorCycle } from './health-monitor';
import { type JobDefinition, startJobLoop } from './loop';

/** Handle on the background job loops (backend-api.md §15). */
export interface RunningJobs {
  /** Stops every loop at a cycle boundary: running cycles finish, no new one starts. */
  stop(): Promise<void>;
}

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

/** The §15 jobs with this configuration; the health monitor only when `HEALTH_CHECK_ENABLED`. */
function jobDefinitions(deps: BackendDeps): JobDefinition[] {
  const { db, config } = deps;
  const jobs: JobDefinition[] = [
    {
      name: 'otp-cleanup',
      intervalMs: config.OTP_CLEANUP_INTERVAL_MINUTES * MINUTE_MS,
      runCycle: () => cleanupOtpCodes(db, config),
    },
    { name: 'session-cleanup', intervalMs: DAY_MS, runCycle: () => cleanupSessions(db) },
    { name: 'error-log-retention', intervalMs: DAY_MS, runCycle: () => pruneErrorLogs(db, config) },
    { name: 'uptime-retention', intervalMs: DAY_MS, runCycle: () => pruneUptimeSamples(db, config) },
  ];
  if (config.HEALTH_CHECK_ENABLED) {
    jobs.unshift({
      name: 'health-monitor',
      intervalMs: config.HEALTH_CHECK_INTERVAL_SECONDS * 1000,
      runCycle: () => runHealthMonitorCycle(deps),
    });
  }
  return jobs;
}

/** Starts every background job loop; each cycle takes its advisory lock so one replica runs it. */
export function startJobs(deps: BackendDeps): RunningJobs {
  const loops = jobDefinitions(deps).map((job) => startJobLoop(job, deps));
  return {
    async stop() {
      await Promise.all(loops.map((loop) => loop.stop()));
    },
  };
}
