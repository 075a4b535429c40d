import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startNatsServer, type TestNatsServer } from '@syfthub/tunnel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { localNatsSettings, natsUpgradeProxy } from '../src/nats-proxy';

// The all-in-one's /nats: a node behind NAT dials ws://<hub>/nats (tunnelling.md §2.3) and meets the real NATS.

describe('the all-in-one /nats proxy', () => {
  let nats: TestNatsServer;
  let server: Server;
  let port = 0;
  beforeAll(async () => {
    nats = await startNatsServer({ mode: 'token' });
    const ws = new URL(nats.wsUrl);
    server = createServer((_req, res) => res.end('plain'));
    const proxy = natsUpgradeProxy({ host: ws.hostname, port: Number(ws.port) });
    proxy.attach(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await nats.stop();
  });

  const dial = (path: string) => new WebSocket(`ws://127.0.0.1:${port}${path}`);

  it('pipes an upgraded /nats to the NATS WebSocket listener, token and all', async () => {
    const ws = dial('/nats');
    let text = '';
    const pong = new Promise<void>((resolve, reject) => {
      ws.on('error', reject);
      ws.on('message', (data: Buffer) => {
        text += data.toString();
        if (text.includes('INFO ') && !text.includes('PING\r\n')) {
          ws.send(`CONNECT {"auth_token":"${nats.token}","verbose":false}\r\nPING\r\n`);
          text += 'PING\r\n';
        }
        if (text.includes('PONG')) resolve();
      });
    });
    await pong;
    expect(text).toContain('"auth_required":true');
    ws.close();
  });

  it('answers 502 when NATS is not there', async () => {
    const down = createServer();
    natsUpgradeProxy({ host: '127.0.0.1', port: 9 }).attach(down);
    await new Promise<void>((r) => down.listen(0, '127.0.0.1', r));
    const ws = new WebSocket(`ws://127.0.0.1:${(down.address() as AddressInfo).port}/nats`);
    const status = await new Promise<number>((resolve) => {
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('error', () => resolve(-1));
    });
    expect(status).toBe(502);
    await new Promise((r) => down.close(r));
  });
});

describe('tunnelling settings of the all-in-one', () => {
  it('are off without NATS_URL, and derive the WebSocket listener from it otherwise', () => {
    expect(localNatsSettings({ NATS_AUTH_TOKEN: 'tok' })).toBeNull();
    expect(localNatsSettings({ NATS_URL: 'nats://10.0.0.7:4222', NATS_AUTH_TOKEN: 'tok' })).toEqual({
      url: 'nats://10.0.0.7:4222',
      token: 'tok',
      websocket: { host: '10.0.0.7', port: 9222 },
    });
    expect(
      localNatsSettings({ NATS_URL: 'nats://127.0.0.1:4222', NATS_WEBSOCKET_URL: 'ws://127.0.0.1:19222' })
        ?.websocket,
    ).toEqual({ host: '127.0.0.1', port: 19222 });
  });
});
