/** Drives a service with the load generator (its own process) and reads the service's peak RSS and CPU meanwhile. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Service } from './proc';

const BENCH_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface LoadSpec {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** One body for every request, or several used in turn. */
  bodies?: string[];
  /**
   * Requests used in turn (path with query, and body), each with latency figures of its own in the result
   * (`perVariant`); the path replaces the URL's, the headers are added to the spec's (e.g. another caller's token).
   */
  variants?: Array<{ path?: string; body?: string; headers?: Record<string, string> }>;
  connections: number;
  durationSeconds: number;
  timeoutSeconds?: number;
}

export interface LoadResult {
  rps: number;
  /** The slowest one-second sample: 0 means the service stalled for at least a second. */
  minRpsPerSecond: number;
  total: number;
  p50: number;
  p99: number;
  max: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** With `variants`: each one's answered requests and latency (ms), in the spec's order. */
  perVariant?: VariantResult[];
}

export interface VariantResult {
  count: number;
  p50: number;
  p99: number;
  /** Answers other than 2xx. */
  failed: number;
}

export interface Measurement extends LoadResult {
  peakRssMb: number;
  /** CPU time the service spent per completed request, in microseconds. */
  cpuUsPerRequest: number;
}

/** Runs autocannon (through loadgen.ts) in a separate Node process and returns its figures. */
export async function load(spec: LoadSpec): Promise<LoadResult> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(BENCH_DIR, 'src', 'loadgen.ts'), JSON.stringify(spec)],
    { cwd: BENCH_DIR, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`load generator exited with ${code}`);
  return JSON.parse(out) as LoadResult;
}

/** {@link load} against `target`, with the target's peak RSS and CPU time per request over the run. */
export async function measure(target: Service, spec: LoadSpec): Promise<Measurement> {
  target.resetPeak();
  const cpuBefore = target.cpuMs();
  const result = await load(spec);
  const cpu = target.cpuMs() - cpuBefore;
  return {
    ...result,
    peakRssMb: target.peakRssKb() / 1024,
    cpuUsPerRequest: result.total > 0 ? (cpu * 1000) / result.total : 0,
  };
}
