import { z } from 'zod';

// backend-api.md §4 (root routes), §12 (error reports) and §13 (test-only routes).

/** `GET /` (§4). */
export const Welcome = z.object({ message: z.string(), version: z.string(), docs: z.string() });

/** `POST /errors/report` and `/errors/service-report` 202 (§12). */
export const ErrorReportReceived = z.object({ received: z.literal(true), correlation_id: z.string() });

/** `POST /__test__/jobs/health-monitor` (§13): endpoints whose active state changed. */
export const HealthMonitorRun = z.object({ changed: z.number().int() });

export type Welcome = z.infer<typeof Welcome>;
export type ErrorReportReceived = z.infer<typeof ErrorReportReceived>;
export type HealthMonitorRun = z.infer<typeof HealthMonitorRun>;
