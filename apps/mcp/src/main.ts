import { EnvError, startServer } from '@syfthub/service';
import { createApp } from './app';
import { buildDeps } from './deps';
import { type McpConfig, parseMcpEnv } from './env';
import { startJobs } from './jobs';

function loadConfig(): McpConfig {
  try {
    const config = parseMcpEnv();
    if (!config.DATABASE_URL) {
      throw new EnvError([
        {
          name: 'DATABASE_URL',
          problem:
            'required: the MCP service shares the hub database (the one-process embedded mode passes it in)',
        },
      ]);
    }
    return config;
  } catch (error) {
    if (!(error instanceof EnvError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}

const config = loadConfig();
const deps = await buildDeps(config);
const app = createApp(deps);
const jobs = startJobs(deps);
await startServer(app, {
  port: config.MCP_PORT,
  host: config.HOST,
  logger: deps.logger,
  onShutdown: [async () => jobs.stop(), () => deps.close()],
});
