/**
 * The load generator, always run as its own process (see lib/load.ts) so that it never shares an event loop with
 * the process it measures. Reads a {@link LoadSpec} as JSON from argv[2], drives autocannon, prints a
 * {@link LoadResult} as JSON on stdout.
 */
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import type { LoadResult, LoadSpec, VariantResult } from './lib/load';
import { percentile } from './lib/stats';

const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec;
const bodies = spec.bodies ?? [];
const variants = spec.variants ?? [];
let next = 0;

/**
 * Each variant's latencies: the time from building a request to its response on the same connection (autocannon
 * builds a connection's next request just before writing it, and sends one at a time per connection).
 */
const latencies = variants.map(() => [] as number[]);
const failed = variants.map(() => 0);
interface Pending {
  variant?: number;
  sentAt?: number;
}
const rotating = {
  setupRequest: (request: Record<string, unknown>, context: Pending) => {
    const variant = next++ % variants.length;
    const chosen = variants[variant] ?? {};
    context.variant = variant;
    context.sentAt = performance.now();
    if (chosen.path !== undefined) request.path = chosen.path;
    if (chosen.body !== undefined) request.body = chosen.body;
    if (chosen.headers !== undefined) request.headers = { ...spec.headers, ...chosen.headers };
    return request;
  },
  onResponse: (status: number, _body: unknown, context: Pending) => {
    if (context.variant === undefined || context.sentAt === undefined) return;
    latencies[context.variant]?.push(performance.now() - context.sentAt);
    if (status < 200 || status >= 300) failed[context.variant] = (failed[context.variant] ?? 0) + 1;
  },
};

const result = await autocannon({
  url: spec.url,
  method: spec.method ?? 'GET',
  headers: spec.headers ?? {},
  connections: spec.connections,
  duration: spec.durationSeconds,
  timeout: spec.timeoutSeconds ?? 10,
  ...(bodies.length === 1 ? { body: bodies[0] } : {}),
  ...(variants.length > 0 ? { requests: [rotating] } : {}),
  ...(bodies.length > 1 && variants.length === 0
    ? {
        // Rotating bodies (e.g. different accounts) keep every request from contending for one row.
        requests: [
          {
            setupRequest: (request: Record<string, unknown>) => {
              request.body = bodies[next++ % bodies.length];
              return request;
            },
          },
        ],
      }
    : {}),
});

const out: LoadResult = {
  rps: result.requests.average,
  minRpsPerSecond: result.requests.min,
  total: result.requests.total,
  p50: result.latency.p50,
  p99: result.latency.p99,
  max: result.latency.max,
  non2xx: result.non2xx,
  errors: result.errors,
  timeouts: result.timeouts,
  ...(variants.length > 0
    ? {
        perVariant: latencies.map((list, i): VariantResult => {
          const sorted = list.sort((a, b) => a - b);
          return {
            count: sorted.length,
            p50: Math.round(percentile(sorted, 50) * 10) / 10,
            p99: Math.round(percentile(sorted, 99) * 10) / 10,
            failed: failed[i] ?? 0,
          };
        }),
      }
    : {}),
};
process.stdout.write(JSON.stringify(out));
