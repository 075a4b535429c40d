import { randomUUID } from 'node:crypto';
import { type Kv, type Logger, runWithCorrelationId } from '@syfthub/service';
import type { BackendMetrics } from '../metrics';

/** One background job: a name (metrics, logs, slot keys), its interval, and one cycle of work. */
export interface JobDefinition {
  name: string;
  intervalMs: number;
  runCycle(): Promise<{ ran: boolean; changed: number }>;
}

export interface JobLoop {
  /** Stops scheduling and waits for a running cycle to finish. */
  stop(): Promise<void>;
}

export interface LoopDeps {
  kv: Kv;
  logger: Logger;
  backendMetrics: BackendMetrics;
}

/** The start of the next interval slot on the epoch grid: every replica fires at the same instants. */
export function nextSlotStart(now: number, intervalMs: number): number {
  return (Math.floor(now / intervalMs) + 1) * intervalMs;
}

/**
 * Claims a slot for this replica. The advisory lock only excludes cycles that overlap in time, so a replica whose
 * clock lags behind another's by more than a cycle would otherwise run the same slot again (and the monitor would
 * count one failure twice). Without a working KV the lock alone decides.
 */
async function claimSlot(kv: Kv, job: string, slot: number, intervalMs: number): Promise<boolean> {
  try {
    return await kv.set(`jobs:${job}:slot:${slot}`, '1', {
      onlyIfAbsent: true,
      ttlSeconds: Math.max(1, intervalMs / 1000),
    });
  } catch {
    return true;
  }
}

/**
 * Runs a job on the epoch grid of its interval. The next slot is computed from the clock after each cycle, so
 * delays never accumulate and a cycle that overruns skips the slots it missed. Timers are unref'd: they never keep
 * the process alive.
 */
export function startJobLoop(job: JobDefinition, deps: LoopDeps): JobLoop {
  const { kv, logger, backendMetrics } = deps;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  const cycle = async (slot: number) => {
    if (!(await claimSlot(kv, job.name, slot, job.intervalMs))) return;
    const started = performance.now();
    try {
      const result = await runWithCorrelationId(`job-${job.name}-${randomUUID()}`, () => job.runCycle());
      const seconds = (performance.now() - started) / 1000;
      if (!result.ran) return;
      backendMetrics.jobDuration.observe({ job: job.name }, seconds);
      logger.debug({
        event: 'job.cycle.completed',
        job: job.name,
        duration_ms: Math.round(seconds * 1000),
        changed: result.changed,
      });
    } catch (err) {
      logger.error({ event: 'job.cycle.failed', job: job.name, err }, `${job.name} cycle failed`);
    }
  };

  const schedule = () => {
    if (stopped) return;
    const slot = nextSlotStart(Date.now(), job.intervalMs);
    timer = setTimeout(() => {
      running = cycle(slot).finally(() => {
        running = undefined;
        schedule();
      });
    }, slot - Date.now());
    timer.unref();
  };
  schedule();

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
