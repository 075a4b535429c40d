import type { MiddlewareHandler } from 'hono';
import {
  Counter,
  type CounterConfiguration,
  collectDefaultMetrics,
  Gauge,
  type GaugeConfiguration,
  Histogram,
  type HistogramConfiguration,
  type Metric,
  Registry,
} from 'prom-client';
import { matchedRoutePattern } from './route';

/** Options of {@link createMetrics}. */
export interface MetricsOptions {
  service: string;
  /** When false nothing is recorded and `/metrics` is not served; metrics can still be created. */
  enabled?: boolean;
  /** Process and runtime metrics (event loop, heap, GC); on by default. */
  defaultMetrics?: boolean;
}

/** A service's metrics: its own registry, the HTTP metrics, and factories for service-specific metrics. */
export interface Metrics {
  readonly service: string;
  readonly enabled: boolean;
  readonly registry: Registry;
  /** Records `http_requests_total` and `http_request_duration_seconds` by matched route pattern. */
  readonly middleware: MiddlewareHandler;
  /** A counter on this registry (returns the existing one when the name is already registered). */
  counter<L extends string>(config: Omit<CounterConfiguration<L>, 'registers'>): Counter<L>;
  /** A gauge on this registry (returns the existing one when the name is already registered). */
  gauge<L extends string>(config: Omit<GaugeConfiguration<L>, 'registers'>): Gauge<L>;
  /** A histogram on this registry (returns the existing one when the name is already registered). */
  histogram<L extends string>(config: Omit<HistogramConfiguration<L>, 'registers'>): Histogram<L>;
  /** The Prometheus text exposition of every metric. */
  render(): Promise<string>;
  /** The Content-Type of {@link render}'s output. */
  readonly contentType: string;
}

const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/** Creates the metrics of one service on a fresh prom-client registry. */
export function createMetrics(options: MetricsOptions): Metrics {
  const enabled = options.enabled ?? true;
  const registry = new Registry();
  if (enabled && (options.defaultMetrics ?? true)) collectDefaultMetrics({ register: registry });

  function reuse<M extends Metric>(name: string, create: () => M): M {
    return (registry.getSingleMetric(name) as M | undefined) ?? create();
  }

  const metrics: Metrics = {
    service: options.service,
    enabled,
    registry,
    middleware: async (c, next) => {
      if (!enabled) return next();
      const start = performance.now();
      try {
        await next();
      } finally {
        const route = matchedRoutePattern(c);
        const method = c.req.method;
        requests.inc({ method, route, status: String(c.res.status) });
        duration.observe({ method, route }, (performance.now() - start) / 1000);
      }
    },
    counter: (config) => reuse(config.name, () => new Counter({ ...config, registers: [registry] })),
    gauge: (config) => reuse(config.name, () => new Gauge({ ...config, registers: [registry] })),
    histogram: (config) => reuse(config.name, () => new Histogram({ ...config, registers: [registry] })),
    render: () => registry.metrics(),
    contentType: registry.contentType,
  };

  const requests = metrics.counter({
    name: 'http_requests_total',
    help: 'HTTP requests by method, matched route and status code.',
    labelNames: ['method', 'route', 'status'],
  });
  const duration = metrics.histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration in seconds by method and matched route.',
    labelNames: ['method', 'route'],
    buckets: DURATION_BUCKETS,
  });
  return metrics;
}
