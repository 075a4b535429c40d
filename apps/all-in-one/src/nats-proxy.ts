import type { IncomingMessage, Server } from 'node:http';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import type { UpgradeHandler } from '@syfthub/service';

/** `ws://host:port` of NATS's WebSocket listener, as a TCP target. */
export interface NatsWebSocketTarget {
  host: string;
  port: number;
}

/** `/nats` and `/nats/...`, the paths nginx's routes.conf sends to NATS. */
export function isNatsPath(url: string | undefined): boolean {
  const path = (url ?? '').split('?')[0] ?? '';
  return path === '/nats' || path.startsWith('/nats/');
}

/**
 * The all-in-one's `/nats` (tunnelling.md §2.3): each WebSocket upgrade it is handed is piped, request head and
 * all, to NATS's WebSocket listener, as nginx does. Which upgrades reach it is edge-upgrades.ts's choice.
 */
export function natsUpgradeProxy(target: NatsWebSocketTarget): UpgradeHandler {
  const open = new Set<Duplex>();
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const upstream = connect(target.port, target.host);
    let connected = false;
    open.add(socket);
    open.add(upstream);
    const close = () => {
      open.delete(socket);
      open.delete(upstream);
      socket.destroy();
      upstream.destroy();
    };
    upstream.once('connect', () => {
      connected = true;
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i + 1 < req.rawHeaders.length; i += 2)
        lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length > 0) upstream.write(head);
      socket.pipe(upstream);
      upstream.pipe(socket);
    });
    upstream.on('error', () => {
      if (!connected && socket.writable) {
        socket.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
        open.delete(socket);
        open.delete(upstream);
        return;
      }
      close();
    });
    upstream.on('close', close);
    socket.on('error', close);
    socket.on('close', close);
  };
  return {
    attach(target: Server) {
      target.on('upgrade', onUpgrade);
    },
    closeAll() {
      for (const s of open) s.destroy();
      open.clear();
    },
  };
}

/**
 * Tunnelling in the all-in-one: on when `NATS_URL` is set (the aggregator dials it; `NATS_AUTH_TOKEN` is the
 * mode-A token), with `/nats` proxied to `NATS_WEBSOCKET_URL` (default: NATS_URL's host, port 9222). Null: off.
 */
export function localNatsSettings(
  env: Record<string, string | undefined>,
): { url: string; token: string; websocket: NatsWebSocketTarget } | null {
  if (!env.NATS_URL) return null;
  const ws = new URL(env.NATS_WEBSOCKET_URL || `ws://${new URL(env.NATS_URL).hostname}:9222`);
  return {
    url: env.NATS_URL,
    token: env.NATS_AUTH_TOKEN ?? '',
    websocket: { host: ws.hostname, port: Number(ws.port || 80) },
  };
}
