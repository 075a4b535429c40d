import { createApp as createAggregatorApp, loadConfig, TunnelClient } from '@syfthub/aggregator';
import { createSilentLogger, startServer } from '@syfthub/service';
import { startNatsServer, type TestNatsServer } from '@syfthub/tunnel/testing';
import { parseSatelliteEnv } from '../src/env';
import { createSatellite, type Satellite } from '../src/satellite';
import { type FakeHub, startFakeHub } from './fake-hub';
import { captureLogger, eventually, ISSUER, type SigningKey } from './helpers';

// The set-up the cross-app tunnel tests share: a project-started nats-server (mode A) whose token the fake hub hands
// out, tunnel-mode satellites dialling its WebSocket listener, and the real aggregator in this process on its TCP
// listener.

/** nats-server from nats/nats.conf on free ports, and the fake hub (verifying tokens of `key`) giving out its token. */
export async function startNatsAndHub(key: SigningKey): Promise<{ nats: TestNatsServer; hub: FakeHub }> {
  const nats = await startNatsServer({ mode: 'token' });
  const hub = await startFakeHub({ jwks: [key] });
  hub.state.natsToken = nats.token;
  return { nats, hub };
}

export interface TunnelSatelliteOptions {
  hub: FakeHub;
  nats: TestNatsServer;
  /** The hub user the satellite signs in as; its tunnel is `tunneling:<owner>`. */
  owner: string;
  /** SATELLITE_DATA_DIR: where node.key is kept. */
  dataDir: string;
  /** Further settings (endpoints file, docs directory, model). */
  env?: Record<string, string>;
}

/** A satellite in tunnel mode, started with fast hub timings; resolves once its NATS link is up. */
export async function launchTunnelSatellite(options: TunnelSatelliteOptions): Promise<Satellite> {
  const env = parseSatelliteEnv({
    SYFTHUB_URL: options.hub.url,
    SYFTHUB_ISSUER: ISSUER,
    SATELLITE_TUNNEL: 'true',
    SATELLITE_NATS_URL: options.nats.wsUrl,
    SATELLITE_DATA_DIR: options.dataDir,
    SATELLITE_HUB_USERNAME: options.owner,
    SATELLITE_HUB_PASSWORD: 'correct horse battery',
    SATELLITE_HUB_EMAIL: `${options.owner}@example.com`,
    ...options.env,
  });
  const created = await createSatellite(env, captureLogger().logger, {
    hubTimings: { initialBackoffMs: 50, maxBackoffMs: 200, syncMinIntervalMs: 50 },
  });
  await created.start();
  await eventually(() => created.tunnel!.ready(200), 15_000);
  return created;
}

export interface TunnelAggregator {
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  url: string;
  tunnel: TunnelClient;
  stop(): Promise<void>;
}

type AppDeps = Parameters<typeof createAggregatorApp>[0];

export interface TunnelAggregatorOptions {
  /** Settings over the defaults (10 s tunnel timeout, rate limit and metrics off). */
  env?: Record<string, string>;
  /** Further dependencies of the app (metrics, agent timings). */
  app?: Partial<Omit<AppDeps, 'config' | 'logger' | 'tunnel'>>;
}

/**
 * The real aggregator in this process with tunnelling on, as `main` wires it (agent sessions ride the tunnel's
 * connection and key cache), dialling the server's TCP listener; resolves once NATS is connected.
 */
export async function startTunnelAggregator(
  nats: TestNatsServer,
  hubUrl: string,
  options: TunnelAggregatorOptions = {},
): Promise<TunnelAggregator> {
  const config = loadConfig({
    AGGREGATOR_NATS_URL: nats.tcpUrl,
    AGGREGATOR_NATS_AUTH_TOKEN: nats.token,
    AGGREGATOR_SYFTHUB_URL: hubUrl,
    AGGREGATOR_NATS_TUNNEL_TIMEOUT: '10',
    AGGREGATOR_RATE_LIMIT_PER_MINUTE: '0',
    AGGREGATOR_METRICS_ENABLED: 'false',
    ...options.env,
  });
  const logger = createSilentLogger();
  const tunnel = new TunnelClient({ nats: config.nats!, hubUrl: config.syfthubUrl, log: logger });
  tunnel.start();
  await tunnel.link.ready();
  const app = createAggregatorApp({ reportFailure: null, ...options.app, config, logger, tunnel });
  const server = await startServer(app, {
    port: 0,
    host: '127.0.0.1',
    logger,
    handleSignals: false,
    shutdownTimeoutMs: 1000,
  });
  return {
    url: `http://127.0.0.1:${server.port}`,
    tunnel,
    async stop() {
      await server.stop();
      await tunnel.stop();
    },
  };
}
