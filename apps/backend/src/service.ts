import type { ServiceDefinition } from '@syfthub/service';
import { createApp } from './app';
import { ensureBootstrapAdmin } from './cli/bootstrap-admin';
import { type BackendDeps, buildDeps } from './deps';
import { type BackendConfig, parseBackendEnv } from './env';
import { startJobs } from './jobs';

/** How the backend boots on its own (`node dist/main.js`): the bootstrap admin first, then the job loops. */
export const backendService: ServiceDefinition<BackendConfig, BackendDeps> = {
  name: 'backend',
  parseEnv: parseBackendEnv,
  buildDeps: (config) => buildDeps(config),
  async start(deps) {
    await ensureBootstrapAdmin(deps);
    return startJobs(deps);
  },
  createApp,
  listen: (config) => ({ port: config.PORT, host: config.HOST }),
  logger: (deps) => deps.logger,
  async close(deps) {
    await deps.kv.close();
    await deps.dbHandle.close();
  },
};
