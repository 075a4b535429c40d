import { EventEmitter } from 'node:events';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { UpgradeHandler } from '@syfthub/service';
import { isNatsPath } from './nats-proxy';

/** The WebSocket handlers behind the all-in-one's one port. */
export interface EdgeUpgradeTargets {
  /** `/nats` (tunnelling.md §2.3); absent when tunnelling is off. */
  nats?: UpgradeHandler;
  /** The aggregator's own upgrades (the agent session, agent-sessions.md §2), reached as `/aggregator/...`. */
  aggregator?: UpgradeHandler;
}

const AGGREGATOR_PREFIX = '/aggregator';

/**
 * Routes WebSocket upgrades as nginx does: `/nats` to NATS, `/aggregator/...` to the aggregator with the prefix
 * stripped (nginx's `proxy_pass http://aggregator/;`), anything else 404. Each target is attached to its own
 * emitter rather than to the server, so a handler that answers every upgrade it sees (as @hono/node-ws does) only
 * sees its own.
 */
export function edgeUpgrades(targets: EdgeUpgradeTargets): UpgradeHandler {
  const sinks = new Map<UpgradeHandler, EventEmitter>();
  for (const handler of [targets.nats, targets.aggregator]) {
    if (!handler) continue;
    const sink = new EventEmitter();
    handler.attach(sink as unknown as Server);
    sinks.set(handler, sink);
  }
  const send = (handler: UpgradeHandler | undefined, req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const sink = handler && sinks.get(handler);
    if (sink) return sink.emit('upgrade', req, socket, head);
    socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    return false;
  };
  return {
    attach(server) {
      server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
        const url = req.url ?? '/';
        if (isNatsPath(url)) return send(targets.nats, req, socket, head);
        if (url.startsWith(`${AGGREGATOR_PREFIX}/`)) {
          req.url = url.slice(AGGREGATOR_PREFIX.length);
          return send(targets.aggregator, req, socket, head);
        }
        return send(undefined, req, socket, head);
      });
    },
    closeAll() {
      targets.nats?.closeAll();
      targets.aggregator?.closeAll();
    },
  };
}
