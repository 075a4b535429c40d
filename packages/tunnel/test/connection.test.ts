import type { Msg, NatsConnection } from '@nats-io/nats-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectNats } from '../src/connection';
import { NatsLink } from '../src/link';
import { startNatsServer, type TestNatsServer } from '../src/testing';

function nextMessage(connection: NatsConnection, subject: string): Promise<Msg> {
  return new Promise((resolve) => {
    connection.subscribe(subject, { max: 1, callback: (_err, msg) => resolve(msg) });
  });
}

describe('mode A: one token on both listeners (nats/nats.conf)', () => {
  let server: TestNatsServer;
  beforeAll(async () => {
    server = await startNatsServer({ mode: 'token' });
  });
  afterAll(() => server.stop());

  it('lets a TCP client and a WebSocket client with the token talk, in one process', async () => {
    const aggregator = await connectNats({
      url: server.tcpUrl,
      token: server.token,
      name: 'test-aggregator',
    });
    const node = await connectNats({ url: server.wsUrl, token: server.token, name: 'test-node' });
    expect(aggregator.info?.max_payload).toBe(1024 * 1024);
    expect(node.info?.headers).toBe(true);
    const received = nextMessage(node, 'syfthub.spaces.alice');
    await node.flush();
    aggregator.publish('syfthub.spaces.alice', 'hello');
    expect((await received).string()).toBe('hello');
    await Promise.all([aggregator.close(), node.close()]);
  });

  it('refuses a wrong or missing token on either listener', async () => {
    await expect(connectNats({ url: server.wsUrl, token: 'wrong', name: 'x' })).rejects.toThrow(
      /Authorization/,
    );
    await expect(connectNats({ url: server.tcpUrl, name: 'x' })).rejects.toThrow(/Authorization/);
  });

  it('answers a publish nobody listens to with a 503 "no responders" message', async () => {
    const client = await connectNats({ url: server.tcpUrl, token: server.token, name: 'x' });
    const inbox = nextMessage(client, '_INBOX.test-no-responders');
    client.publish('syfthub.spaces.nobody', 'x', { reply: '_INBOX.test-no-responders' });
    expect((await inbox).headers?.code).toBe(503);
    await client.close();
  });
});

describe('mode A′: token on the WebSocket listener only (nats/nats.split.conf)', () => {
  let server: TestNatsServer;
  beforeAll(async () => {
    server = await startNatsServer({ mode: 'split' });
  });
  afterAll(() => server.stop());

  it('needs no token on the internal TCP listener and the token on the WebSocket one', async () => {
    const aggregator = await connectNats({ url: server.tcpUrl, name: 'test-aggregator' });
    const node = await connectNats({ url: server.wsUrl, token: server.token, name: 'test-node' });
    const received = nextMessage(aggregator, 'syfthub.peer.c1');
    await aggregator.flush();
    node.publish('syfthub.peer.c1', 'reply');
    expect((await received).string()).toBe('reply');
    await expect(connectNats({ url: server.wsUrl, name: 'x' })).rejects.toThrow(/Authorization/);
    await Promise.all([aggregator.close(), node.close()]);
  });
});

describe('NatsLink keeps connections of both kinds up across a server restart', () => {
  it('reconnects TCP and WebSocket links in one process and keeps their subscriptions', async () => {
    const server = await startNatsServer({ mode: 'token' });
    let setUps = 0;
    const node = new NatsLink({
      role: 'node',
      initialBackoffMs: 50,
      dial: () => connectNats({ url: server.wsUrl, token: server.token, name: 'node', reconnectWaitMs: 100 }),
      onConnect: (connection) => {
        setUps += 1;
        connection.subscribe('syfthub.spaces.bob', {
          callback: (_err, msg) => connection.publish('syfthub.peer.r', `echo ${msg.string()}`),
        });
      },
    });
    const aggregator = new NatsLink({
      role: 'aggregator',
      initialBackoffMs: 50,
      dial: () => connectNats({ url: server.tcpUrl, token: server.token, name: 'agg', reconnectWaitMs: 100 }),
    });
    try {
      node.start();
      aggregator.start();
      const nc = await aggregator.ready(10_000);
      await node.ready(10_000);
      const states: string[] = [];
      aggregator.onState((state) => states.push(state));

      const first = nextMessage(nc, 'syfthub.peer.r');
      await nc.flush();
      nc.publish('syfthub.spaces.bob', 'one');
      expect((await first).string()).toBe('echo one');

      await server.restart();
      await aggregator.ready(10_000);
      // The node may come back a moment after the aggregator; its subscription must be back before we publish.
      await node.ready(10_000);
      await node.connection!.flush();
      const second = nextMessage(aggregator.connection!, 'syfthub.peer.r');
      await aggregator.connection!.flush();
      aggregator.connection!.publish('syfthub.spaces.bob', 'two');
      expect((await second).string()).toBe('echo two');
      expect(states).toContain('reconnecting');
      expect(setUps).toBe(1);
    } finally {
      await Promise.all([node.stop(), aggregator.stop()]);
      await server.stop();
    }
    expect(node.state).toBe('stopped');
  });

  it('keeps dialling while the server is down and connects once it is up', async () => {
    const server = await startNatsServer({ mode: 'token' });
    await server.kill();
    const link = new NatsLink({
      role: 'node',
      initialBackoffMs: 50,
      maxBackoffMs: 200,
      dial: () => connectNats({ url: server.wsUrl, token: server.token, name: 'late', timeoutMs: 1000 }),
    });
    try {
      link.start();
      await new Promise((r) => setTimeout(r, 300));
      expect(link.connection).toBeNull();
      await server.restart();
      await link.ready(10_000);
      expect(link.state).toBe('connected');
    } finally {
      await link.stop();
      await server.stop();
    }
  });
});
