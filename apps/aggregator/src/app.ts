import type { AggregatorHealth, AggregatorReady } from '@syfthub/contracts';
import {
  clientRateSubjectOf,
  createMemoryKv,
  createServiceApp,
  createSsrfGuard,
  DEFAULT_TRUSTED_PROXIES,
  type Env,
  type Kv,
  type Metrics,
  parseCidrList,
  rateLimit,
  type ServiceLifecycle,
  type SsrfGuard,
} from '@syfthub/service';
import type { Hono } from 'hono';
import type { Logger } from 'pino';
import { NatsAgentNodes } from './agent/nats-nodes';
import { registerAgentRoute } from './agent/route';
import type { AgentNodes, AgentSessionTiming } from './agent/session';
import type { AggregatorConfig } from './env';
import { createAggregatorMetrics } from './metrics';
import { createFailureReporter } from './report';
import { createReranker, type Reranker } from './rerank';
import type { SatelliteFailure } from './retrieval';
import { type ChatRouteDeps, registerChatRoutes } from './routes/chat';
import { registerQueryPage } from './routes/query-page';
import type { TunnelClient } from './tunnel/client';

const BODY_LIMIT_BYTES = 2 * 1024 * 1024;

export interface AggregatorDeps {
  config: AggregatorConfig;
  logger: Logger;
  metrics?: Metrics;
  /** Rate-limit counters (Redis when configured); an in-process store is used when absent. */
  kv?: Kv;
  /** Outbound SSRF guard; built from the config when absent. */
  guard?: SsrfGuard;
  reranker?: Reranker;
  /** Satellite failure reports; null disables them, absent posts them to the backend. */
  reportFailure?: ((failure: SatelliteFailure, correlationId: string) => void) | null;
  lifecycle?: ServiceLifecycle;
  /**
   * Where agent sessions run (agent-sessions.md); null refuses them with NATS_UNAVAILABLE. Absent: over the
   * tunnel's NATS connection when there is one.
   */
  agentNodes?: AgentNodes | null;
  /** The NATS tunnel (tunnelling.md §8); null or absent when tunnelling is off. `main` owns its lifecycle. */
  tunnel?: TunnelClient | null;
  /** Shorter agent-session timings (tests). */
  agentTiming?: Partial<AgentSessionTiming>;
}

/** The aggregator's Hono app (aggregator.md §2). Builds no connections; `main.ts` owns the process. */
export function createApp(deps: AggregatorDeps): Hono<Env> {
  const { config, logger } = deps;
  const guard =
    deps.guard ??
    createSsrfGuard({
      allowPrivateNetworks: config.ssrf.allowPrivateNetworks,
      allowedHosts: config.ssrf.allowedHosts,
      // A chat calls the same few satellite URLs again and again; a DNS change is seen within 10 s.
      reuseChecksForMs: 10_000,
    });
  const reranker = deps.reranker ?? createReranker(config);
  const kv = deps.kv ?? createMemoryKv();
  const trusted = parseCidrList(config.trustedProxies ?? DEFAULT_TRUSTED_PROXIES);

  const app = createServiceApp<Env>({
    name: 'aggregator',
    version: config.version,
    logger,
    metrics: deps.metrics,
    corsOrigins: config.corsOrigins,
    bodyLimitBytes: BODY_LIMIT_BYTES,
    trustedProxies: trusted,
    lifecycle: deps.lifecycle,
    // Every outbound call is given the id explicitly, so no AsyncLocalStorage (a hook on every promise) is needed.
    correlationScope: false,
    health: (): AggregatorHealth => ({
      status: 'healthy',
      service: config.serviceName,
      version: config.version,
    }),
    readiness: async ({ draining }) => {
      if (draining) return { status: 503, body: { status: 'draining' } satisfies AggregatorReady };
      let redis: 'ok' | 'error' | 'disabled' = 'disabled';
      if (kv.mode === 'redis') {
        redis = await kv.ping().then(
          () => 'ok' as const,
          () => 'error' as const,
        );
      }
      // Informational: chats with HTTP endpoints work without NATS (tunnelling.md §8.4).
      const nats = deps.tunnel ? deps.tunnel.status() : 'disabled';
      return {
        status: 200,
        body: {
          status: 'ready',
          checks: {
            reranker: reranker.kind,
            embeddings_api: await reranker.embeddingsStatus(),
            redis,
            nats,
          },
        } satisfies AggregatorReady,
      };
    },
  });

  const limiter =
    config.rateLimitPerMinute > 0
      ? rateLimit<Env>({
          kv,
          bucket: 'aggregator-chat',
          max: config.rateLimitPerMinute,
          windowSeconds: 60,
          failOpen: true,
          keyOf: (c) => clientRateSubjectOf(c),
          onReject: ({ c, bucket, key }) =>
            c.get('log').warn({ event: 'ratelimit.exceeded', bucket, client_ip: key }, 'rate limit exceeded'),
          onError: (err) => logger.warn({ event: 'ratelimit.unavailable', err }, 'rate-limit store failed'),
        })
      : null;

  const aggregatorMetrics = deps.metrics?.enabled ? createAggregatorMetrics(deps.metrics) : null;
  const chatDeps = {
    config,
    reranker,
    metrics: aggregatorMetrics,
    reportFailure:
      deps.reportFailure === undefined ? createFailureReporter(config, logger) : deps.reportFailure,
    request: guard.guardedRequest,
    userAgent: `syfthub-aggregator/${config.version}`,
    rateLimit: limiter,
    tunnel: deps.tunnel ?? null,
  } satisfies ChatRouteDeps;
  registerChatRoutes(app, chatDeps);
  // The query page runs the same pipeline, so it shares the chat routes' limit.
  if (limiter) app.use('/api/v1/q', limiter);
  registerQueryPage(app, chatDeps);
  registerAgentRoute(app, {
    config,
    logger,
    kv,
    nodes: agentNodesOf(deps, logger),
    metrics: aggregatorMetrics,
    timing: deps.agentTiming,
  });
  return app;
}

/** Agent sessions ride the tunnel's connection and key cache (agent-sessions.md §9). */
function agentNodesOf(deps: AggregatorDeps, logger: Logger): AgentNodes | null {
  if (deps.agentNodes !== undefined) return deps.agentNodes;
  if (!deps.tunnel) return null;
  return new NatsAgentNodes({
    link: deps.tunnel.link,
    keys: deps.tunnel.keys,
    log: logger,
    startDeadlineMs: deps.config.nats?.tunnelTimeoutMs ?? 30_000,
  });
}
