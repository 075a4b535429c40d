export { createApp } from './app';
export { BootstrapAdminError, ensureBootstrapAdmin } from './cli/bootstrap-admin';
export { type BackendDeps, buildDeps, VERSION } from './deps';
export { type BackendConfig, backendEnvSchema, parseBackendEnv } from './env';
export { type RunningJobs, startJobs } from './jobs';
