/**
 * The load generator, always run as its own process (see lib/load.ts) so that it never shares an event loop with
 * the process it measures. Reads a {@link LoadSpec} as JSON from argv[2], drives autocannon, prints a
 * {@link LoadResult} as JSON on stdout.
 */
import autocannon from 'autocannon';
import type { LoadResult, LoadSpec } from './lib/load';

const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec;
const bodies = spec.bodies ?? [];
let next = 0;

const result = await autocannon({
  url: spec.url,
  method: spec.method ?? 'GET',
  headers: spec.headers ?? {},
  connections: spec.connections,
  duration: spec.durationSeconds,
  timeout: spec.timeoutSeconds ?? 10,
  ...(bodies.length === 1 ? { body: bodies[0] } : {}),
  ...(bodies.length > 1
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
};
process.stdout.write(JSON.stringify(out));
