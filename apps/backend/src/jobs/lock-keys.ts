/** Advisory lock keys of the background jobs (backend-api.md §15); one per job, shared by every replica. */
export const JOB_LOCK_KEYS = {
  healthMonitor: 839201,
  otpCleanup: 839202,
  sessionCleanup: 839203,
  errorLogRetention: 839204,
  uptimeRetention: 839205,
} as const;
