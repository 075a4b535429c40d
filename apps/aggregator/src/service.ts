import {
  createKv,
  createLogger,
  createMetrics,
  type Kv,
  type Logger,
  type Metrics,
  type ServiceDefinition,
} from '@syfthub/service';
import { createApp } from './app';
import { type AggregatorConfig, loadConfig } from './env';
import { TunnelClient } from './tunnel/client';

interface StandaloneDeps {
  config: AggregatorConfig;
  logger: Logger;
  metrics: Metrics;
  kv: Kv;
  tunnel: TunnelClient | null;
}

/** How the aggregator boots on its own (`node dist/main.js`). */
export const aggregatorService: ServiceDefinition<AggregatorConfig, StandaloneDeps> = {
  name: 'aggregator',
  parseEnv: loadConfig,
  async buildDeps(config) {
    const logger = createLogger({
      service: 'aggregator',
      version: config.version,
      environment: config.environment,
      level: config.logLevel,
      format: config.logFormat,
    });
    const tunnel = config.nats
      ? new TunnelClient({ nats: config.nats, hubUrl: config.syfthubUrl, log: logger })
      : null;
    // Dials in the background: the aggregator serves HTTP endpoints while NATS is still coming up.
    tunnel?.start();
    return {
      config,
      logger,
      metrics: createMetrics({ service: 'aggregator', enabled: config.metricsEnabled }),
      kv: createKv(config.redisUrl ?? 'memory://'),
      tunnel,
    };
  },
  createApp,
  listen: (config) => ({ port: config.port, host: config.host }),
  logger: (deps) => deps.logger,
  close: async (deps) => {
    await deps.tunnel?.stop();
    await deps.kv.close();
  },
  // Streams may run up to the total timeout; give them that long (plus margin) to finish on shutdown.
  shutdownTimeoutMs: (config) => config.totalTimeoutMs + 10_000,
};
