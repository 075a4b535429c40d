import type { ServiceDefinition } from '@syfthub/service';
import { createApp } from './app';
import { buildDeps, type McpDeps } from './deps';
import { type McpConfig, parseMcpEnv } from './env';
import { startJobs } from './jobs';

/** How the MCP service boots on its own (`node dist/main.js`). */
export const mcpService: ServiceDefinition<McpConfig, McpDeps> = {
  name: 'mcp',
  parseEnv: (source) => parseMcpEnv(source, { standalone: true }),
  buildDeps: (config) => buildDeps(config),
  start: (deps) => startJobs(deps),
  createApp: (deps) => createApp(deps),
  listen: (config) => ({ port: config.MCP_PORT, host: config.HOST }),
  logger: (deps) => deps.logger,
  close: (deps) => deps.close(),
};
