import { createKv, createLogger, createMetrics, EnvError, startServer } from '@syfthub/service';
import { createApp } from './app';
import { loadConfig } from './env';

function config() {
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof EnvError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}

const cfg = config();
const logger = createLogger({
  service: 'aggregator',
  version: cfg.version,
  environment: cfg.environment,
  level: cfg.logLevel,
  format: cfg.logFormat,
});
const metrics = createMetrics({ service: 'aggregator', enabled: cfg.metricsEnabled });
const kv = createKv(cfg.redisUrl ?? 'memory://');
const app = createApp({ config: cfg, logger, metrics, kv });

await startServer(app, {
  port: cfg.port,
  host: cfg.host,
  logger,
  // Streams may run up to the total timeout; give them that long (plus margin) to finish on shutdown.
  shutdownTimeoutMs: cfg.totalTimeoutMs + 10_000,
  onShutdown: [() => kv.close()],
});
