// autocannon ships no types; this declares the part of its programmatic API that loadgen.ts uses.
declare module 'autocannon' {
  interface Stats {
    average: number;
    min: number;
    max: number;
    total: number;
    p50: number;
    p99: number;
  }
  interface Result {
    requests: Stats;
    latency: Stats;
    non2xx: number;
    errors: number;
    timeouts: number;
  }
  interface Options {
    url: string;
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    connections?: number;
    duration?: number;
    timeout?: number;
    requests?: Array<{
      // biome-ignore lint/suspicious/noExplicitAny: the per-connection context is the caller's own shape.
      setupRequest?: (request: Record<string, unknown>, context: any) => Record<string, unknown>;
      // biome-ignore lint/suspicious/noExplicitAny: as above.
      onResponse?: (status: number, body: unknown, context: any) => void;
    }>;
  }
  export default function autocannon(options: Options): Promise<Result>;
}
