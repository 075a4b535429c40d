import type { NatsConnection } from '@nats-io/nats-core';

/** `connecting`: no connection yet (first dial or after one was closed); `reconnecting`: the client is retrying. */
export type LinkState = 'connecting' | 'connected' | 'reconnecting' | 'stopped';

/** The part of a pino logger the link uses. */
export interface LinkLog {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface NatsLinkOptions {
  /** Opens a fresh connection; called again with back-off when a dial fails or a connection is closed for good. */
  dial: () => Promise<NatsConnection>;
  /**
   * Runs once per new connection, before it counts as connected (subscribe here). Reconnects of the same
   * connection keep their subscriptions, so it does not run for them.
   */
  onConnect?: (connection: NatsConnection) => void | Promise<void>;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  log?: LinkLog;
  /** Names the link in logs, e.g. `aggregator` or `node`. */
  role: string;
}

const noop = () => undefined;

/**
 * Keeps one NATS connection up for as long as it runs: dials with back-off until the server answers, follows the
 * client's own reconnects, and starts over when a connection is closed for good (for instance when the token was
 * refused after a server restart, so `dial` can fetch fresh credentials).
 */
export class NatsLink {
  private current: NatsConnection | null = null;
  private stateValue: LinkState = 'connecting';
  private readonly listeners = new Set<(state: LinkState) => void>();
  private readonly stopController = new AbortController();
  private running: Promise<void> | null = null;
  private readonly log: LinkLog;

  constructor(private readonly options: NatsLinkOptions) {
    this.log = options.log ?? { info: noop, warn: noop };
  }

  get state(): LinkState {
    return this.stateValue;
  }

  /** The connection while it is usable; null while connecting, reconnecting or stopped. */
  get connection(): NatsConnection | null {
    return this.stateValue === 'connected' ? this.current : null;
  }

  /** Calls `listener` on every state change; returns the unsubscribe function. */
  onState(listener: (state: LinkState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves once connected; rejects after `timeoutMs` or when stopped. */
  ready(timeoutMs = 30_000): Promise<NatsConnection> {
    if (this.current && this.stateValue === 'connected') return Promise.resolve(this.current);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`NATS (${this.options.role}) not connected after ${timeoutMs} ms`));
      }, timeoutMs);
      const off = this.onState((state) => {
        if (state === 'connected' && this.current) {
          clearTimeout(timer);
          off();
          resolve(this.current);
        } else if (state === 'stopped') {
          clearTimeout(timer);
          off();
          reject(new Error('NATS link stopped'));
        }
      });
    });
  }

  private setState(state: LinkState): void {
    if (state === this.stateValue) return;
    this.stateValue = state;
    for (const listener of this.listeners) listener(state);
  }

  start(): void {
    this.running ??= this.run();
  }

  private get stopped(): boolean {
    return this.stopController.signal.aborted;
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.stopController.signal.addEventListener(
        'abort',
        () => {
          clearTimeout(timer);
          resolve();
        },
        { once: true },
      );
    });
  }

  private async run(): Promise<void> {
    const initial = this.options.initialBackoffMs ?? 1000;
    const max = this.options.maxBackoffMs ?? 30_000;
    let delay = initial;
    while (!this.stopped) {
      this.setState('connecting');
      let connection: NatsConnection;
      try {
        connection = await this.options.dial();
      } catch (err) {
        this.log.warn(
          {
            event: 'nats.connect.failed',
            role: this.options.role,
            reason: reasonOf(err),
            retry_in_ms: delay,
          },
          'NATS connection failed; retrying',
        );
        await this.wait(delay);
        delay = Math.min(delay * 2, max);
        continue;
      }
      if (this.stopped) {
        await connection.close().catch(noop);
        break;
      }
      try {
        await this.options.onConnect?.(connection);
      } catch (err) {
        this.log.warn(
          { event: 'nats.setup.failed', role: this.options.role, reason: reasonOf(err), retry_in_ms: delay },
          'NATS connection set-up failed; retrying',
        );
        await connection.close().catch(noop);
        await this.wait(delay);
        delay = Math.min(delay * 2, max);
        continue;
      }
      delay = initial;
      this.current = connection;
      this.log.info(
        { event: 'nats.connected', role: this.options.role, server: connection.getServer() },
        'NATS connected',
      );
      this.setState('connected');
      void this.follow(connection);
      const closedWith = await connection.closed();
      this.current = null;
      if (this.stopped) break;
      this.log.warn(
        { event: 'nats.closed', role: this.options.role, reason: closedWith ? reasonOf(closedWith) : null },
        'NATS connection closed; dialling again',
      );
      await this.wait(initial);
    }
    this.setState('stopped');
  }

  /** Mirrors the client's disconnect/reconnect events into the link state. */
  private async follow(connection: NatsConnection): Promise<void> {
    for await (const status of connection.status()) {
      if (this.current !== connection) return;
      if (status.type === 'disconnect') {
        this.log.warn({ event: 'nats.disconnected', role: this.options.role }, 'NATS disconnected');
        this.setState('reconnecting');
      } else if (status.type === 'reconnect') {
        this.log.info({ event: 'nats.reconnected', role: this.options.role }, 'NATS reconnected');
        this.setState('connected');
      }
    }
  }

  /** Stops dialling and drains the connection (pending publishes are flushed). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopController.abort();
    if (!this.running) {
      this.setState('stopped');
      return;
    }
    const connection = this.current;
    if (connection && !connection.isClosed()) {
      // Draining needs the server; a connection that is reconnecting is simply closed.
      if (this.stateValue === 'connected') await connection.drain().catch(() => connection.close());
      else await connection.close().catch(noop);
    }
    await this.running;
  }
}

function reasonOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
