export { type AggregatorDeps, createApp } from './app';
export { type AggregatorConfig, envSchema, loadConfig } from './env';
export { TunnelClient } from './tunnel/client';
