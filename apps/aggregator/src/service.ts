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

interface StandaloneDeps {
  config: AggregatorConfig;
  logger: Logger;
  metrics: Metrics;
  kv: Kv;
}

/** How the aggregator boots on its own (`node dist/main.js`). */
export const aggregatorService: ServiceDefinition<AggregatorConfig, StandaloneDeps> = {
  name: 'aggregator',
  parseEnv: loadConfig,
  async buildDeps(config) {
    return {
      config,
      logger: createLogger({
        service: 'aggregator',
        version: config.version,
        environment: config.environment,
        level: config.logLevel,
        format: config.logFormat,
      }),
      metrics: createMetrics({ service: 'aggregator', enabled: config.metricsEnabled }),
      kv: createKv(config.redisUrl ?? 'memory://'),
    };
  },
  createApp,
  listen: (config) => ({ port: config.port, host: config.host }),
  logger: (deps) => deps.logger,
  close: (deps) => deps.kv.close(),
  // Streams may run up to the total timeout; give them that long (plus margin) to finish on shutdown.
  shutdownTimeoutMs: (config) => config.totalTimeoutMs + 10_000,
};
