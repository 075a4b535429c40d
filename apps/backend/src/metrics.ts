import type { Metrics } from '@syfthub/service';
import type { Counter, Gauge, Histogram } from 'prom-client';

/** The backend's own metrics (operations.md §6.3), on the service registry. */
export interface BackendMetrics {
  logins: Counter<'result'>;
  refreshes: Counter<'result'>;
  satelliteTokens: Counter<'kind'>;
  healthTransitions: Counter<'to'>;
  endpointsActive: Gauge<string>;
  jobDuration: Histogram<'job'>;
  rateLimitRejections: Counter<'bucket'>;
}

export function createBackendMetrics(metrics: Metrics): BackendMetrics {
  return {
    logins: metrics.counter({
      name: 'auth_logins_total',
      help: 'Login attempts by result',
      labelNames: ['result'],
    }),
    refreshes: metrics.counter({
      name: 'auth_refresh_total',
      help: 'Refresh-token exchanges by result',
      labelNames: ['result'],
    }),
    satelliteTokens: metrics.counter({
      name: 'satellite_tokens_issued_total',
      help: 'Satellite tokens minted',
      labelNames: ['kind'],
    }),
    healthTransitions: metrics.counter({
      name: 'endpoint_health_transitions_total',
      help: 'Endpoint active-state changes made by the health monitor',
      labelNames: ['to'],
    }),
    endpointsActive: metrics.gauge({
      name: 'endpoints_active',
      help: 'Active endpoints after the last monitor cycle',
    }),
    jobDuration: metrics.histogram({
      name: 'job_cycle_duration_seconds',
      help: 'Background job cycle duration',
      labelNames: ['job'],
    }),
    rateLimitRejections: metrics.counter({
      name: 'ratelimit_rejections_total',
      help: 'Requests rejected by a rate limit',
      labelNames: ['bucket'],
    }),
  };
}
