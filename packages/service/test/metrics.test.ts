import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../src/metrics';

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/** The same two metrics fed through prom-client's own inc/observe, for comparison. */
function reference() {
  const registry = new Registry();
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by method, matched route and status code.',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration in seconds by method and matched route.',
    labelNames: ['method', 'route'],
    buckets: BUCKETS,
    registers: [registry],
  });
  return {
    registry,
    record(method: string, route: string, status: number, seconds: number) {
      requests.inc({ method, route, status: String(status) });
      duration.observe({ method, route }, seconds);
    },
  };
}

describe('HTTP metrics', () => {
  it('expose exactly what prom-client would for the same requests, across scrapes', async () => {
    const ours = createMetrics({ service: 'test', defaultMetrics: false });
    const theirs = reference();
    // Binary fractions keep every sum exact whatever the order of addition; bounds themselves land in their bucket.
    const rounds: Array<Array<[string, string, number, number]>> = [
      [
        ['GET', '/items/:id', 200, 0.005],
        ['GET', '/items/:id', 200, 0.0009765625],
        ['GET', '/items/:id', 404, 0.25],
        ['POST', '/items', 201, 0.5],
        ['GET', 'unmatched', 404, 0.0078125],
      ],
      [],
      [
        ['GET', '/items/:id', 200, 256],
        ['GET', '/items/:id', 500, 0.125],
        ['DELETE', '/items/:id', 405, 0.01],
        ['POST', '/items', 201, 120],
      ],
    ];
    for (const round of rounds) {
      for (const [method, route, status, seconds] of round) {
        ours.recordRequest(method, route, status, seconds);
        theirs.record(method, route, status, seconds);
      }
      const [a, b] = [await ours.render(), await theirs.registry.metrics()];
      expect(a).toBe(b);
    }
    expect(await ours.render()).toContain(
      'http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/items/:id"} 5',
    );
  });

  it('record nothing when disabled', async () => {
    const off = createMetrics({ service: 'test', enabled: false, defaultMetrics: false });
    off.recordRequest('GET', '/', 200, 0.1);
    expect(await off.render()).not.toContain('} 1');
  });
});
