import { createApp as createAggregatorApp, loadConfig } from '@syfthub/aggregator';
import { createSilentLogger, type RunningServer, startServer, upgradeHandlerOf } from '@syfthub/service';
import { startNatsServer, type TestNatsServer } from '@syfthub/tunnel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { edgeUpgrades } from '../src/edge-upgrades';
import { natsUpgradeProxy } from '../src/nats-proxy';

// The all-in-one's one port takes WebSocket upgrades as nginx does: /nats to NATS, /aggregator/... to the real
// aggregator (its agent session route, prefix stripped), anything else 404.

describe('WebSocket upgrades through the all-in-one edge', () => {
  let nats: TestNatsServer;
  let server: RunningServer;
  let base = '';
  beforeAll(async () => {
    nats = await startNatsServer({ mode: 'token' });
    const ws = new URL(nats.wsUrl);
    const logger = createSilentLogger();
    const aggregator = createAggregatorApp({
      config: loadConfig({ AGGREGATOR_RATE_LIMIT_PER_MINUTE: '0' }),
      logger,
      reportFailure: null,
    });
    server = await startServer(aggregator, {
      port: 0,
      host: '127.0.0.1',
      logger,
      handleSignals: false,
      shutdownTimeoutMs: 1000,
      upgrade: edgeUpgrades({
        nats: natsUpgradeProxy({ host: ws.hostname, port: Number(ws.port) }),
        aggregator: upgradeHandlerOf(aggregator),
      }),
    });
    base = `ws://127.0.0.1:${server.port}`;
  });
  afterAll(async () => {
    await server?.stop();
    await nats?.stop();
  });

  const firstMessage = (ws: WebSocket) =>
    new Promise<string>((resolve, reject) => {
      ws.once('message', (data: Buffer) => resolve(data.toString()));
      ws.once('error', reject);
    });

  it('sends /aggregator/api/v1/agent/session to the aggregator, without the prefix', async () => {
    // This aggregator has no tunnel, so its agent route opens the socket and says why no session can start.
    const ws = new WebSocket(`${base}/aggregator/api/v1/agent/session`);
    const frame = JSON.parse(await firstMessage(ws)) as { type: string; payload: { code: string } };
    expect(frame.type).toBe('agent.error');
    expect(frame.payload.code).toBe('NATS_UNAVAILABLE');
    ws.close();
  });

  it('still pipes /nats to the NATS WebSocket listener', async () => {
    const ws = new WebSocket(`${base}/nats`);
    expect(await firstMessage(ws)).toMatch(/^INFO /);
    ws.close();
  });

  it('refuses upgrades on other paths, the aggregator route without its prefix included', async () => {
    for (const path of ['/api/v1/agent/session', '/aggregator', '/elsewhere']) {
      const ws = new WebSocket(`${base}${path}`);
      const status = await new Promise<number>((resolve) => {
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('error', () => resolve(-1));
      });
      expect(status, path).toBe(404);
    }
  });
});
