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
  /**
   * Records one request in `http_requests_total` and `http_request_duration_seconds` by matched route pattern (the
   * request observer of request-log.ts calls it for every request).
   */
  recordRequest(method: string, route: string, status: number, seconds: number): void;
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
    recordRequest: (method, route, status, seconds) => {
      if (enabled) http.record(method, route, status, seconds);
    },
    counter: (config) => reuse(config.name, () => new Counter({ ...config, registers: [registry] })),
    gauge: (config) => reuse(config.name, () => new Gauge({ ...config, registers: [registry] })),
    histogram: (config) => reuse(config.name, () => new Histogram({ ...config, registers: [registry] })),
    render: () => registry.metrics(),
    contentType: registry.contentType,
  };

  const http = new HttpSeries();
  http.attach(
    metrics.counter({
      name: 'http_requests_total',
      help: 'HTTP requests by method, matched route and status code.',
      labelNames: ['method', 'route', 'status'],
      collect() {
        http.flushRequests(this);
      },
    }),
    metrics.histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration in seconds by method and matched route.',
      labelNames: ['method', 'route'],
      buckets: DURATION_BUCKETS,
      collect() {
        http.flushDurations(this);
      },
    }),
  );
  return metrics;
}

type RequestLabels = 'method' | 'route' | 'status';
type DurationLabels = 'method' | 'route';

/** prom-client's record of one label set of a histogram: per-bucket (not cumulative) counts, sum and count. */
interface HistogramEntry {
  labels: Record<string, string>;
  bucketValues: Record<string, number>;
  sum: number;
  count: number;
}

interface StatusSeries {
  labels: { method: string; route: string; status: string };
  pending: number;
}

interface RouteSeries {
  method: string;
  route: string;
  statuses: Map<number, StatusSeries>;
  /** Observations not yet added to the histogram: per bucket (the last one past the largest bound), sum, count. */
  buckets: number[];
  sum: number;
  count: number;
}

/**
 * The two HTTP metrics, counted per request in plain numbers kept per method, route and status, and handed to
 * prom-client when it collects (a scrape): prom-client's own `inc`/`observe` build and hash a label string and
 * allocate on every call, a cost every request of every service paid. The scrape sees the same values.
 *
 * The histogram's counts are added to prom-client's record of the label set (the structure its `zero` creates,
 * checked once at start); were that structure ever different, every request calls `observe` as before.
 */
class HttpSeries {
  private readonly byRoute = new Map<string, Map<string, RouteSeries>>();
  private requests?: Counter<RequestLabels>;
  private duration?: Histogram<DurationLabels>;
  private direct = false;

  attach(requests: Counter<RequestLabels>, duration: Histogram<DurationLabels>): void {
    this.requests = requests;
    this.duration = duration;
    this.direct = !histogramEntriesAreAsExpected();
  }

  record(method: string, route: string, status: number, seconds: number): void {
    if (this.direct) {
      this.requests?.inc({ method, route, status: String(status) });
      this.duration?.observe({ method, route }, seconds);
      return;
    }
    let byMethod = this.byRoute.get(route);
    if (byMethod === undefined) {
      byMethod = new Map();
      this.byRoute.set(route, byMethod);
    }
    let series = byMethod.get(method);
    if (series === undefined) {
      series = {
        method,
        route,
        statuses: new Map(),
        buckets: new Array<number>(DURATION_BUCKETS.length + 1).fill(0),
        sum: 0,
        count: 0,
      };
      byMethod.set(method, series);
    }
    let counted = series.statuses.get(status);
    if (counted === undefined) {
      counted = { labels: { method, route, status: String(status) }, pending: 0 };
      series.statuses.set(status, counted);
    }
    counted.pending += 1;
    // The bucket prom-client's observe picks: the first bound the value does not exceed.
    let bucket = 0;
    while (bucket < DURATION_BUCKETS.length && seconds > (DURATION_BUCKETS[bucket] as number)) bucket++;
    series.buckets[bucket] = (series.buckets[bucket] as number) + 1;
    series.sum += seconds;
    series.count += 1;
  }

  flushRequests(counter: Counter<RequestLabels>): void {
    for (const byMethod of this.byRoute.values()) {
      for (const series of byMethod.values()) {
        for (const counted of series.statuses.values()) {
          if (counted.pending === 0) continue;
          counter.inc(counted.labels, counted.pending);
          counted.pending = 0;
        }
      }
    }
  }

  flushDurations(histogram: Histogram<DurationLabels>): void {
    let entries: HistogramEntry[] | undefined;
    for (const byMethod of this.byRoute.values()) {
      for (const series of byMethod.values()) {
        if (series.count === 0) continue;
        entries ??= entriesOf(histogram);
        let entry = findEntry(entries, series);
        if (entry === undefined) {
          histogram.zero({ method: series.method, route: series.route });
          entries = entriesOf(histogram);
          entry = findEntry(entries, series);
          if (entry === undefined) continue;
        }
        for (let i = 0; i < DURATION_BUCKETS.length; i++) {
          const bound = String(DURATION_BUCKETS[i]);
          entry.bucketValues[bound] = (entry.bucketValues[bound] ?? 0) + (series.buckets[i] as number);
        }
        entry.sum += series.sum;
        entry.count += series.count;
        series.buckets.fill(0);
        series.sum = 0;
        series.count = 0;
      }
    }
  }
}

function entriesOf(histogram: Histogram<DurationLabels>): HistogramEntry[] {
  return Object.values((histogram as unknown as { hashMap: Record<string, HistogramEntry> }).hashMap);
}

function findEntry(entries: HistogramEntry[], series: RouteSeries): HistogramEntry | undefined {
  return entries.find(
    (entry) => entry.labels.method === series.method && entry.labels.route === series.route,
  );
}

/** Whether prom-client keeps a histogram's label sets as {@link HistogramEntry} records (checked on a scratch one). */
function histogramEntriesAreAsExpected(): boolean {
  try {
    const scratch = new Histogram({
      name: 'scratch_check',
      help: 'scratch',
      labelNames: ['method', 'route'],
      buckets: DURATION_BUCKETS,
      registers: [],
    });
    scratch.zero({ method: 'GET', route: '/' });
    const [entry, ...others] = entriesOf(scratch);
    return (
      others.length === 0 &&
      entry !== undefined &&
      entry.labels.method === 'GET' &&
      entry.sum === 0 &&
      entry.count === 0 &&
      typeof entry.bucketValues === 'object' &&
      DURATION_BUCKETS.every((bound) => entry.bucketValues[String(bound)] === 0) &&
      Object.keys(entry.bucketValues).length === DURATION_BUCKETS.length
    );
  } catch {
    return false;
  }
}
