import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ConnectionOptions, NatsConnection, Server, WsConnectionOptions } from '@nats-io/nats-core';
import {
  NatsConnectionImpl,
  setTransportFactory,
  type Transport,
  wsUrlParseFn,
} from '@nats-io/nats-core/internal';
import { NodeTransport, nodeResolveHost } from '@nats-io/transport-node/lib/node_transport.js';
import WebSocket from 'ws';

// One NATS client library for both legs of the tunnel: the aggregator dials the internal TCP listener, nodes dial
// `<hub>/nats` over WebSocket (tunnelling.md §2.2–§2.3). nats.js keeps a single, process-wide transport factory that
// `connect()` and `wsconnect()` overwrite and that every later *re*connect consults, so a process holding both
// kinds of connection (tests, benchmarks, a hub that also runs a node) would reconnect one of them with the wrong
// transport. Every connection here goes through one factory instead, which picks the transport by URL scheme at
// each dial.

const requireHere = createRequire(import.meta.url);
// The WebSocket transport class is not in the package's export map; the file next to its entry point is.
const { WsTransport } = requireHere(
  join(dirname(requireHere.resolve('@nats-io/nats-core')), 'ws_transport.js'),
) as { WsTransport: new () => Transport };

const isWebSocketUrl = (url: string) => /^wss?:\/\//i.test(url);

/** Picks TCP or WebSocket when the client dials, and forwards everything else to the transport it picked. */
class RoutedTransport implements Transport {
  private inner: Transport | null = null;
  private readonly chosen: Promise<Transport>;
  private choose!: (transport: Transport) => void;

  constructor() {
    this.chosen = new Promise((resolve) => {
      this.choose = resolve;
    });
  }

  private get current(): Transport {
    if (!this.inner) throw new Error('NATS transport used before it connected');
    return this.inner;
  }

  get isClosed(): boolean {
    return this.inner?.isClosed ?? false;
  }
  get lang(): string {
    return this.inner?.lang ?? 'nats.js';
  }
  get version(): string {
    return this.inner?.version ?? '';
  }
  get closeError(): Error | undefined {
    return this.inner?.closeError;
  }

  connect(server: Server, options: ConnectionOptions): Promise<void> {
    this.inner = isWebSocketUrl(server.src) ? new WsTransport() : new NodeTransport();
    this.choose(this.inner);
    return this.inner.connect(server, options);
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<Uint8Array> {
    return this.current[Symbol.asyncIterator]();
  }
  isEncrypted(): boolean {
    return this.inner?.isEncrypted() ?? false;
  }
  send(frame: Uint8Array): void {
    this.current.send(frame);
  }
  async close(err?: Error): Promise<void> {
    await this.inner?.close(err);
  }
  disconnect(): void {
    this.inner?.disconnect();
  }
  // The client asks for this promise before it dials, so it follows whichever transport is picked later.
  async closed(): Promise<Error | undefined> {
    const err = await (await this.chosen).closed();
    return err instanceof Error ? err : undefined;
  }
  discard(): void {
    this.inner?.discard();
  }
}

let installed = false;

function installRoutedTransport(): void {
  if (installed) return;
  installed = true;
  setTransportFactory({
    factory: () => new RoutedTransport(),
    urlParseFn: (url, encrypted) => (isWebSocketUrl(url) ? wsUrlParseFn(url, encrypted) : url),
    dnsResolveFn: nodeResolveHost,
  });
}

export interface NatsConnectOptions {
  /** `nats://host:port` (TCP) or `ws(s)://host:port/path` (WebSocket). */
  url: string;
  /** The shared token of mode A; omitted on an unauthenticated internal listener (mode A′). */
  token?: string | undefined;
  /** A user and password instead of the token (a service user of mode B). */
  user?: string | undefined;
  password?: string | undefined;
  /** Client name shown in the server's connection list. */
  name: string;
  /** Dial timeout. */
  timeoutMs?: number;
  /** Pause between reconnect attempts (the Go node waits 2 s). */
  reconnectWaitMs?: number;
}

/** Opens one NATS connection that reconnects forever; rejects when the first dial fails. */
export function connectNats(options: NatsConnectOptions): Promise<NatsConnection> {
  installRoutedTransport();
  const websocket = isWebSocketUrl(options.url);
  const connection: WsConnectionOptions = {
    servers: options.url,
    name: options.name,
    timeout: options.timeoutMs ?? 10_000,
    reconnect: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: options.reconnectWaitMs ?? 2000,
    pingInterval: 30_000,
    ignoreClusterUpdates: true,
    // A WebSocket dial must keep its host name (TLS, virtual hosts behind nginx); TCP may resolve it.
    resolve: !websocket,
  };
  if (options.token) connection.token = options.token;
  else if (options.user) {
    connection.user = options.user;
    connection.pass = options.password ?? '';
  }
  if (websocket) {
    connection.wsFactory = async (url) => ({
      // No permessage-deflate, like the Go node's client: envelopes are mostly base64 ciphertext, which deflate
      // shrinks by only about a quarter, and deflating every message cost the node more CPU than the tunnel's crypto.
      socket: new WebSocket(url, {
        handshakeTimeout: options.timeoutMs ?? 10_000,
        perMessageDeflate: false,
      }) as never,
      encrypted: url.startsWith('wss:'),
    });
  }
  return NatsConnectionImpl.connect(connection);
}
