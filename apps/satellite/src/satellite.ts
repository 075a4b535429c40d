import { resolve } from 'node:path';
import { createRemoteJwksVerifier } from '@syfthub/auth';
import { createMetrics, type Env, type Logger, type ServiceLifecycle } from '@syfthub/service';
import type { Hono } from 'hono';
import pkg from '../package.json' with { type: 'json' };
import { createAgentBridge, type SatelliteAgents } from './agent/wiring';
import { createApp } from './app';
import type { TokenVerifier } from './auth';
import { type CatalogueEntry, defaultCatalogue, loadCatalogueFile } from './catalogue';
import { DataSource } from './data-source/data-source';
import { type Endpoints, endpointHealth } from './endpoints';
import type { SatelliteEnv } from './env';
import { HubAgent } from './hub/agent';
import { HubClient } from './hub/client';
import { syncEndpoints } from './hub/publish';
import { createDemoModel } from './model/demo';
import { createOpenAiProxy } from './model/openai';
import type { ModelBackend } from './model/types';
import { loadOrCreateKeyPair } from './tunnel/key-file';
import { natsUrlOf, TunnelNode } from './tunnel/node';
import { serveOverTunnel } from './tunnel/serve';

export const SATELLITE_VERSION: string = pkg.version;

export interface SatelliteOverrides {
  /** Replaces the JWKS verifier (tests). */
  verifier?: TokenVerifier;
  /** Used for hub and model calls (tests). */
  fetch?: typeof fetch;
  lifecycle?: ServiceLifecycle;
  /** Shorter retry and debounce timings (tests). */
  hubTimings?: { initialBackoffMs?: number; maxBackoffMs?: number; syncMinIntervalMs?: number };
}

/** What a tunnel-mode satellite publishes and reports as its URL once the owner is known (tunnelling.md §1). */
function tunnelUrlOf(owner: string | null, fallback: string): string {
  return owner === null ? fallback : `tunneling:${owner}`;
}

export interface Satellite {
  app: Hono<Env>;
  endpoints: Endpoints;
  agent: HubAgent;
  /** The NATS tunnel in tunnel mode (`SATELLITE_TUNNEL`), else null. */
  tunnel: TunnelNode | null;
  /** Agent sessions of the catalogue's `agent` entries, in tunnel mode only. */
  agents: SatelliteAgents | null;
  /** Builds the indexes, then starts rescans and the hub agent (which connects in the background). */
  start(): Promise<void>;
  /** Stops rescans and the hub agent; the agent sends its final unhealthy report. */
  stop(): Promise<void>;
}

async function loadEntries(env: SatelliteEnv): Promise<CatalogueEntry[]> {
  if (env.SATELLITE_ENDPOINTS_FILE !== undefined) return loadCatalogueFile(env.SATELLITE_ENDPOINTS_FILE);
  // Agent sessions reach only tunnelled nodes, so the reference agent is published in tunnel mode only.
  return defaultCatalogue(resolve(env.SATELLITE_DOCS_DIR), { agent: env.SATELLITE_TUNNEL });
}

function createModel(env: SatelliteEnv, logger: Logger, fetchImpl?: typeof fetch): ModelBackend {
  if (env.OPENAI_BASE_URL === undefined || env.OPENAI_MODEL === undefined) return createDemoModel();
  return createOpenAiProxy({
    baseUrl: env.OPENAI_BASE_URL,
    model: env.OPENAI_MODEL,
    apiKey: env.OPENAI_API_KEY,
    timeoutMs: env.OPENAI_TIMEOUT_SECONDS * 1000,
    log: logger,
    ...(fetchImpl ? { fetch: fetchImpl } : {}),
  });
}

/** Wires the whole satellite from its configuration without side effects; `start()` begins the work. */
export async function createSatellite(
  env: SatelliteEnv,
  logger: Logger,
  overrides: SatelliteOverrides = {},
): Promise<Satellite> {
  const loaded = await loadEntries(env);
  // Agent sessions reach only tunnelled nodes (agent-sessions.md §1): over HTTP an agent could not be used.
  const entries = env.SATELLITE_TUNNEL ? loaded : loaded.filter((entry) => entry.type !== 'agent');
  if (entries.length < loaded.length) {
    logger.warn(
      {
        event: 'satellite.agent.skipped',
        slugs: loaded.filter((e) => e.type === 'agent').map((e) => e.slug),
      },
      'Agent endpoints are served only in tunnel mode (SATELLITE_TUNNEL=true); not publishing them',
    );
  }
  const model = createModel(env, logger, overrides.fetch);
  const dataSources = new Map<string, DataSource>();
  const endpoints: Endpoints = { entries, dataSources, model };

  const bootstrap =
    env.SATELLITE_HUB_USERNAME !== undefined && env.SATELLITE_HUB_PASSWORD !== undefined
      ? {
          username: env.SATELLITE_HUB_USERNAME,
          password: env.SATELLITE_HUB_PASSWORD,
          email: env.SATELLITE_HUB_EMAIL,
        }
      : undefined;
  const hasCredentials = env.SYFTHUB_API_TOKEN !== undefined || bootstrap !== undefined;
  const hub = new HubClient({
    baseUrl: env.SYFTHUB_URL,
    userAgent: `syfthub-satellite/${SATELLITE_VERSION}`,
    ...(overrides.fetch ? { fetch: overrides.fetch } : {}),
  });
  const nodeKeys = env.SATELLITE_TUNNEL ? await loadOrCreateKeyPair(resolve(env.SATELLITE_DATA_DIR)) : null;
  const agents = nodeKeys
    ? createAgentBridge({
        env,
        endpoints,
        nodeKeys,
        verify: (token, audience) => verifier.verify(token, { audience }),
        owner: () => agent.status().owner,
        log: logger,
        ...(overrides.fetch ? { fetch: overrides.fetch } : {}),
      })
    : null;
  const tunnel = nodeKeys
    ? new TunnelNode({
        hub,
        natsUrl: env.SATELLITE_NATS_URL ?? natsUrlOf(env.SYFTHUB_URL),
        keys: nodeKeys,
        ...(agents ? { agentMessages: agents.handle } : {}),
        // Each request runs through the HTTP route in-process, so both transports share auth, policies and logs.
        handle: (request) => agents?.oneShot(request) ?? serveOverTunnel(app, request),
        log: logger,
        ...overrides.hubTimings,
      })
    : null;
  const publicUrl = () =>
    tunnel ? tunnelUrlOf(agent.status().owner, env.SATELLITE_PUBLIC_URL) : env.SATELLITE_PUBLIC_URL;
  const agent: HubAgent = new HubAgent({
    client: hub,
    credentials: hasCredentials
      ? { apiToken: env.SYFTHUB_API_TOKEN, bootstrap, dataDir: resolve(env.SATELLITE_DATA_DIR) }
      : null,
    ownerOverride: env.SATELLITE_OWNER_USERNAME,
    publish: env.SATELLITE_PUBLISH,
    publicUrl,
    ...(tunnel ? { beforePublish: (owner: string, token: string) => tunnel.register(owner, token) } : {}),
    healthIntervalMs: env.SATELLITE_HEALTH_INTERVAL_SECONDS * 1000,
    healthTtlSeconds: env.SATELLITE_HEALTH_TTL_SECONDS,
    ...overrides.hubTimings,
    endpoints: () => syncEndpoints(endpoints, publicUrl(), logger),
    health: () => endpointHealth(endpoints),
    log: logger,
  });

  for (const entry of entries) {
    if (entry.type !== 'data_source') continue;
    dataSources.set(entry.slug, new DataSource(entry, { log: logger, onRebuilt: () => agent.requestSync() }));
  }

  const verifier =
    overrides.verifier ??
    createRemoteJwksVerifier({
      jwksUrl: `${env.SYFTHUB_URL}/.well-known/jwks.json`,
      issuer: env.SYFTHUB_ISSUER,
      ...(overrides.fetch ? { fetch: overrides.fetch } : {}),
    });

  const app = createApp({
    version: SATELLITE_VERSION,
    logger,
    metrics: createMetrics({ service: 'satellite' }),
    endpoints,
    auth: {
      verifier,
      requireToken: env.SATELLITE_REQUIRE_TOKEN,
      owner: () => agent.status().owner,
    },
    hubStatus: () => agent.status(),
    checkResponses: env.ENVIRONMENT !== 'production',
    ...(overrides.lifecycle ? { lifecycle: overrides.lifecycle } : {}),
  });

  return {
    app,
    endpoints,
    agent,
    tunnel,
    agents,
    async start() {
      await Promise.all([...dataSources.values()].map((source) => source.rescan()));
      for (const source of dataSources.values()) source.startRescanning(env.SATELLITE_RESCAN_SECONDS * 1000);
      void model.isHealthy();
      agent.start();
    },
    async stop() {
      for (const source of dataSources.values()) source.stopRescanning();
      // Sessions end first, so their closing events still go out (agent-sessions.md §10).
      await agents?.stop();
      await tunnel?.stop();
      await agent.stop();
    },
  };
}
