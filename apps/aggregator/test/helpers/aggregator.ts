import { createLogger, createSilentLogger, type Logger, startServer } from '@syfthub/service';
import { type AggregatorDeps, createApp } from '../../src/app';
import { type AggregatorConfig, loadConfig } from '../../src/env';
import { TunnelClient } from '../../src/tunnel/client';

/** Test defaults: private targets allowed (satellites run on 127.0.0.1), fast retries, no rate limit. */
export const TEST_ENV: Record<string, string> = {
  AGGREGATOR_SSRF_ALLOW_PRIVATE_NETWORKS: 'true',
  AGGREGATOR_RETRY_BASE_DELAY_MS: '20',
  AGGREGATOR_RATE_LIMIT_PER_MINUTE: '0',
  AGGREGATOR_METRICS_ENABLED: 'false',
};

export function testConfig(env: Record<string, string> = {}): AggregatorConfig {
  return loadConfig({ ...TEST_ENV, ...env });
}

export interface RunningAggregator {
  url: string;
  config: AggregatorConfig;
  /** The NATS tunnel, when the env configures one (started, not necessarily connected yet). */
  tunnel: TunnelClient | null;
  stop(): Promise<void>;
}

/** The real app bound to a free port. */
export async function startAggregator(
  env: Record<string, string> = {},
  deps: Partial<AggregatorDeps> = {},
): Promise<RunningAggregator> {
  const config = testConfig(env);
  const logger: Logger = process.env.TEST_LOGS
    ? createLogger({ service: 'aggregator', version: 'test', environment: 'test', level: 'debug' })
    : createSilentLogger();
  const tunnel =
    deps.tunnel === undefined && config.nats
      ? new TunnelClient({ nats: config.nats, hubUrl: config.syfthubUrl, log: logger })
      : (deps.tunnel ?? null);
  tunnel?.start();
  const app = createApp({ config, logger, reportFailure: null, ...deps, tunnel });
  const server = await startServer(app, {
    port: 0,
    host: '127.0.0.1',
    logger,
    handleSignals: false,
    shutdownTimeoutMs: 1000,
  });
  return {
    url: `http://127.0.0.1:${server.port}`,
    config,
    tunnel,
    async stop() {
      await server.stop();
      await tunnel?.stop();
    },
  };
}

export interface SseEvent {
  event: string;
  data: Record<string, unknown>;
}

/** Parses a complete event stream strictly: every frame must be exactly `event:` + `data:` + blank line. */
export function parseSse(text: string): SseEvent[] {
  const events: SseEvent[] = [];
  const frames = text.split('\n\n');
  if (frames.at(-1) !== '')
    throw new Error(`stream does not end with a blank line: ${JSON.stringify(text.slice(-80))}`);
  for (const frame of frames.slice(0, -1)) {
    const lines = frame.split('\n');
    if (lines.length !== 2 || !lines[0]!.startsWith('event: ') || !lines[1]!.startsWith('data: ')) {
      throw new Error(`malformed frame: ${JSON.stringify(frame.slice(0, 200))}`);
    }
    events.push({
      event: lines[0]!.slice(7),
      data: JSON.parse(lines[1]!.slice(6)) as Record<string, unknown>,
    });
  }
  return events;
}

export async function postStream(base: string, body: unknown, init: RequestInit = {}) {
  const res = await fetch(`${base}/api/v1/chat/stream`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    ...init,
  });
  const text = await res.text();
  return { res, text, events: res.status === 200 ? parseSse(text) : [] };
}

export async function postChat(base: string, body: unknown) {
  const res = await fetch(`${base}/api/v1/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { res, body: (await res.json()) as Record<string, unknown> };
}

export function ref(
  url: string,
  slug: string,
  owner: string | null = null,
  extra: Record<string, unknown> = {},
) {
  return { url, slug, name: '', tenant_name: null, owner_username: owner, ...extra };
}

export interface TimedEvent extends SseEvent {
  at: number;
}

/** Opens a stream and collects events as they arrive, with their arrival time; `abort()` hangs up. */
export async function openStream(base: string, body: unknown) {
  const controller = new AbortController();
  const res = await fetch(`${base}/api/v1/chat/stream`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: controller.signal,
  });
  const events: TimedEvent[] = [];
  const lines: string[] = [];
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const finished = (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        let end = buffer.indexOf('\n\n');
        while (end !== -1) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          lines.push(...frame.split('\n'));
          events.push({ ...parseSse(`${frame}\n\n`)[0]!, at: performance.now() });
          end = buffer.indexOf('\n\n');
        }
      }
    } catch {
      // Aborted by the test.
    }
  })();
  return {
    res,
    events,
    lines,
    finished,
    abort: () => controller.abort(),
    async waitFor(name: string) {
      for (let i = 0; i < 500; i += 1) {
        if (events.some((e) => e.event === name)) return;
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error(`no ${name} event`);
    },
  };
}
