import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';
import type { Logger } from 'pino';
import { lifecycleOf, type ServiceLifecycle } from './lifecycle';
import { installProcessGuards } from './process-guards';
import { settlingUnreadBodies } from './unread-body';
import { type UpgradeHandler, upgradeHandlerOf } from './upgrade';

/** Options of {@link startServer}. */
export interface StartServerOptions {
  /** 0 picks a free port (tests). */
  port: number;
  host?: string;
  logger: Logger;
  /** How long in-flight requests may run after shutdown starts before their sockets are closed (default 30 s). */
  shutdownTimeoutMs?: number;
  /** Time between `/ready` turning 503 and closing the listener, so load balancers notice (default 0). */
  drainDelayMs?: number;
  /** Run in order after the server closed: stop jobs, close pools. */
  onShutdown?: Array<() => Promise<void>>;
  /** Shut down and exit on SIGTERM/SIGINT, and install the process guards (default true). */
  handleSignals?: boolean;
  /** Drained on shutdown; defaults to the lifecycle of an app built by `createServiceApp`. */
  lifecycle?: ServiceLifecycle;
  /** WebSocket upgrades; defaults to the handler attached to the app (`attachUpgradeHandler`). */
  upgrade?: UpgradeHandler;
}

/** A listening server. */
export interface RunningServer {
  port: number;
  server: Server;
  /** Graceful shutdown (idempotent): drain, close the listener, wait for in-flight requests, run the hooks. */
  stop(): Promise<void>;
}

const IDLE_SWEEP_MS = 100;

/**
 * Serves `app` with @hono/node-server; a request answered before its body was read leaves no body behind on a kept
 * connection (see `settleUnreadBody`). On SIGTERM/SIGINT (or `stop()`): `/ready` turns 503, the listener closes,
 * in-flight requests finish (bounded by `shutdownTimeoutMs`, then remaining sockets are closed), the `onShutdown`
 * hooks run, and with signal handling the process exits 0 (1 when a hook failed).
 */
export function startServer(
  app: Hono<never> | { fetch: Hono['fetch'] },
  options: StartServerOptions,
): Promise<RunningServer> {
  const { logger } = options;
  const lifecycle = options.lifecycle ?? lifecycleOf(app);
  const upgrade = options.upgrade ?? upgradeHandlerOf(app);
  const handleSignals = options.handleSignals ?? true;

  return new Promise((resolve, reject) => {
    const server = serve({
      fetch: settlingUnreadBodies(app.fetch),
      port: options.port,
      hostname: options.host,
    }) as Server;
    upgrade?.attach(server);
    let stopping: Promise<boolean> | undefined;

    const shutdown = (reason: string): Promise<boolean> => {
      stopping ??= drainAndClose(server, reason);
      return stopping;
    };

    async function drainAndClose(target: Server, reason: string): Promise<boolean> {
      lifecycle?.startDraining();
      upgrade?.closeAll();
      logger.info({ event: 'server.stopping', reason }, 'Shutting down');
      if (options.drainDelayMs) await new Promise((done) => setTimeout(done, options.drainDelayMs));
      const closed = new Promise<void>((done) => target.close(() => done()));
      target.closeIdleConnections();
      // Keep-alive sockets become idle once their request finishes; close them so close() can complete.
      const sweep = setInterval(() => target.closeIdleConnections(), IDLE_SWEEP_MS);
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<true>((done) => {
        timer = setTimeout(() => done(true), options.shutdownTimeoutMs ?? 30_000);
      });
      const forced = await Promise.race([closed.then(() => false), timedOut]);
      if (forced) {
        logger.warn({ event: 'server.shutdown.forced' }, 'In-flight requests outlived the shutdown timeout');
        target.closeAllConnections();
        await closed;
      }
      clearInterval(sweep);
      clearTimeout(timer);
      let clean = true;
      for (const hook of options.onShutdown ?? []) {
        try {
          await hook();
        } catch (error) {
          clean = false;
          logger.error({ event: 'server.shutdown.hook_failed', error }, 'Shutdown hook failed');
        }
      }
      removeSignalHandlers();
      logger.info({ event: 'server.stopped' }, 'Server stopped');
      return clean;
    }

    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping && signal === 'SIGINT') process.exit(1);
      void shutdown(signal).then((clean) => process.exit(clean ? 0 : 1));
    };
    function removeSignalHandlers() {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    }

    server.once('error', reject);
    server.once('listening', () => {
      server.off('error', reject);
      if (handleSignals) {
        installProcessGuards(logger);
        process.on('SIGTERM', onSignal);
        process.on('SIGINT', onSignal);
      }
      const port = (server.address() as AddressInfo).port;
      logger.info({ event: 'server.started', port, host: options.host ?? null }, 'Listening');
      resolve({
        port,
        server,
        stop: async () => {
          await shutdown('stop');
        },
      });
    });
  });
}
