import { randomUUID } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Msg } from '@nats-io/nats-core';
import {
  connectNats,
  decodePublicKey,
  newPeerChannel,
  openResponse,
  parseResponseEnvelope,
  peerSubject,
  sealRequest,
  spaceSubject,
} from '@syfthub/tunnel';
import type { TestNatsServer } from '@syfthub/tunnel/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Satellite } from '../src/satellite';
import { natsUrlOf } from '../src/tunnel/node';
import type { FakeHub } from './fake-hub';
import {
  createSigningKey,
  eventually,
  guestClaims,
  removeDir,
  type SigningKey,
  signToken,
  tempDir,
  userClaims,
  writeFiles,
} from './helpers';
import {
  launchTunnelSatellite,
  startNatsAndHub,
  startTunnelAggregator,
  type TunnelAggregator,
} from './tunnel-stack';

// The reference satellite in tunnel mode (tunnelling.md §1, §7) behind a real nats-server, reached by the real
// aggregator. The satellite's app is never bound to a port: everything it serves goes over NATS.

const OWNER = 'demo-satellite';
const TUNNEL = `tunneling:${OWNER}`;

let dir: string;
let key: SigningKey;
let hub: FakeHub;
let nats: TestNatsServer;
let satellite: Satellite;
let aggregator: TunnelAggregator;

const launch = () =>
  launchTunnelSatellite({
    hub,
    nats,
    owner: OWNER,
    dataDir: join(dir, 'state'),
    env: { SATELLITE_ENDPOINTS_FILE: join(dir, 'endpoints.json') },
  });

const ref = (slug: string) => ({ url: TUNNEL, slug, name: '', tenant_name: null, owner_username: OWNER });

async function chat(body: Record<string, unknown>) {
  const res = await fetch(`${aggregator.url}/api/v1/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ prompt: 'How many days of annual leave do staff have?', ...body }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const infoOf = (body: Record<string, unknown>) => (body.retrieval_info as Array<Record<string, unknown>>)[0];

beforeAll(async () => {
  dir = await tempDir();
  await writeFiles(dir, {
    'docs/leave.md': '# Leave\n\nStaff have 25 days of annual leave. Leave requests go to the team lead.',
    'endpoints.json': JSON.stringify({
      endpoints: [
        { slug: 'handbook', name: 'Handbook', type: 'data_source', docs_dir: 'docs' },
        { slug: 'members-only', name: 'Members', type: 'data_source', docs_dir: 'docs', allow_guests: false },
        { slug: 'assistant', name: 'Assistant', type: 'model' },
      ],
    }),
  });
  key = await createSigningKey('k1');
  ({ nats, hub } = await startNatsAndHub(key));
  satellite = await launch();
  aggregator = await startTunnelAggregator(nats, hub.url);
}, 60_000);

afterAll(async () => {
  await aggregator?.stop();
  await satellite?.stop();
  await hub?.close();
  await nats?.stop();
  await removeDir(dir);
});

describe('the reference satellite in tunnel mode', () => {
  it('publishes as tunneling:<owner>, sets its domain and registers an unpadded key', async () => {
    await eventually(() => expect(hub.callsTo('/api/v1/endpoints/sync').length).toBeGreaterThan(0), 10_000);
    const sync = hub.bodiesOf('/api/v1/endpoints/sync').at(-1) as {
      endpoints: Array<{ connect: Array<{ config: { url: string } }> }>;
    };
    for (const endpoint of sync.endpoints) expect(endpoint.connect[0]!.config.url).toBe(TUNNEL);
    expect(hub.state.domains.get(OWNER)).toBe(TUNNEL);
    expect(hub.state.keys.get(OWNER)).toBe(satellite.tunnel!.publicKey);
    expect(satellite.tunnel!.publicKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const keyFile = await stat(join(dir, 'state', 'node.key'));
    expect(keyFile.mode & 0o777).toBe(0o600);
    await eventually(() => expect(hub.callsTo('/api/v1/endpoints/health').length).toBeGreaterThan(0), 10_000);
    expect(hub.bodiesOf('/api/v1/endpoints/health').at(-1)).toMatchObject({ url: TUNNEL });
  });

  it('answers a data-source query and a model request through the aggregator, with no port', async () => {
    const token = await signToken(key, userClaims(OWNER));
    const { status, body } = await chat({
      model: ref('assistant'),
      data_sources: [ref('handbook')],
      endpoint_tokens: { [OWNER]: token },
    });
    expect(status).toBe(200);
    expect(infoOf(body)).toMatchObject({ status: 'success' });
    expect(JSON.stringify(body.sources)).toContain('25 days of annual leave');
    expect(body.response).toContain('25 days');
  });

  it('refuses missing tokens and guests on signed-in-only endpoints with the tunnel codes', async () => {
    const none = await chat({
      model: ref('assistant'),
      data_sources: [ref('handbook')],
      retrieval_only: true,
    });
    expect(infoOf(none.body)).toMatchObject({
      status: 'error',
      error_message: 'Tunnel authentication failed: Missing satellite token',
    });
    const guest = await signToken(key, guestClaims(OWNER));
    const denied = await chat({
      model: ref('assistant'),
      data_sources: [ref('members-only')],
      endpoint_tokens: { [OWNER]: guest },
    });
    expect(denied.status).toBe(400);
    expect(denied.body.detail).toContain('members-only: This endpoint requires a signed-in SyftHub user');
  });

  it('reconnects by itself after NATS restarts', async () => {
    await nats.restart();
    await eventually(() => satellite.tunnel!.ready(200), 20_000);
    await aggregator.tunnel.link.ready(20_000);
    const token = await signToken(key, userClaims(OWNER));
    const { body } = await chat({
      model: ref('assistant'),
      data_sources: [ref('handbook')],
      endpoint_tokens: { [OWNER]: token },
      retrieval_only: true,
    });
    expect(infoOf(body)).toMatchObject({ status: 'success' });
  }, 40_000);

  it('reconnects with its last NATS token while the hub cannot give a fresh one', async () => {
    const token = hub.state.natsToken;
    hub.state.natsToken = null;
    try {
      await nats.restart();
      await eventually(() => satellite.tunnel!.ready(200), 20_000);
      await aggregator.tunnel.link.ready(20_000);
      const { body } = await chat({
        model: ref('assistant'),
        data_sources: [ref('handbook')],
        endpoint_tokens: { [OWNER]: await signToken(key, userClaims(OWNER)) },
        retrieval_only: true,
      });
      expect(infoOf(body)).toMatchObject({ status: 'success' });
    } finally {
      hub.state.natsToken = token;
    }
  }, 40_000);

  it('keeps its key across restarts (node.key)', async () => {
    const before = satellite.tunnel!.publicKey;
    await satellite.stop();
    satellite = await launch();
    expect(satellite.tunnel!.publicKey).toBe(before);
  }, 30_000);

  it('refuses agent session messages with INVALID_REQUEST when no agent bridge is attached', async () => {
    const connection = await connectNats({ url: nats.tcpUrl, token: nats.token, name: 'test-aggregator' });
    try {
      const channel = newPeerChannel();
      const reply = new Promise<Msg>((resolve) =>
        connection.subscribe(peerSubject(channel), { max: 1, callback: (_err, msg) => resolve(msg) }),
      );
      const sealed = sealRequest({
        type: 'agent_session_start',
        correlationId: randomUUID(),
        replyTo: channel,
        endpoint: { slug: 'assistant', type: 'agent' },
        timeoutMs: 5000,
        payload: { prompt: 'hi' },
        nodePublicKey: decodePublicKey(satellite.tunnel!.publicKey),
      });
      connection.publish(spaceSubject(OWNER), sealed.data);
      const envelope = parseResponseEnvelope((await reply).data);
      expect(envelope).toMatchObject({ status: 'error', error: { code: 'INVALID_REQUEST' } });
      expect(openResponse(envelope!, sealed.ephemeral.privateKey)).toBeNull();
    } finally {
      await connection.close();
    }
  });

  it('derives the NATS WebSocket URL from the hub URL like the Go node', () => {
    expect(natsUrlOf('https://hub.example.com')).toBe('wss://hub.example.com:443/nats');
    expect(natsUrlOf('http://localhost:8080/')).toBe('ws://localhost:8080/nats');
    expect(() => natsUrlOf('ftp://hub')).toThrow();
  });
});
