export { type CreateAppOptions, createApp } from './app';
export { buildDeps, type DepsOverrides, type McpDeps } from './deps';
export { type McpConfig, mcpEnvSchema, parseMcpEnv } from './env';
export { deleteStaleClients, type RunningJobs, revokeUnredeemedGrants, startJobs } from './jobs';
export { VERSION } from './version';
