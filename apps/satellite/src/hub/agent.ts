import { type Log, silentLog } from '../log';
import {
  type HealthItem,
  type HubClient,
  HubHttpError,
  HubUnreachableError,
  type SyncEndpoint,
} from './client';
import { type CredentialOptions, CredentialsError, resolveCredentials } from './credentials';

export interface HubAgentOptions {
  client: HubClient;
  /** Null when the satellite has no hub credentials: nothing is published or reported. */
  credentials: CredentialOptions | null;
  /** Audience to accept before (or without) the hub telling us the owner. */
  ownerOverride?: string | undefined;
  publish: boolean;
  /** The URL health reports name; read at every report (a tunnel node knows its `tunneling:` name late). */
  publicUrl: () => string;
  /**
   * Runs once the owner is known, before the first sync, until it succeeds (with back-off): a tunnel node
   * registers its key and dials NATS here.
   */
  beforePublish?: (owner: string, token: string) => Promise<void>;
  healthIntervalMs: number;
  healthTtlSeconds: number;
  /** Minimum time between two syncs caused by changes. */
  syncMinIntervalMs?: number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Timeout of the final report sent on shutdown. */
  finalReportTimeoutMs?: number;
  endpoints: () => Promise<SyncEndpoint[]>;
  health: () => Promise<Array<{ slug: string; healthy: boolean }>>;
  log?: Log;
}

export interface HubStatus {
  owner: string | null;
  published: boolean;
  lastReportAt: Date | null;
}

class Stopped extends Error {}

/**
 * The satellite's side of the hub (satellite-protocol.md §8.6): credentials and owner, publishing with back-off
 * while the hub is unreachable, periodic health reports and a final unhealthy report on shutdown.
 */
export class HubAgent {
  private owner: string | null;
  private token: string | null = null;
  private published = false;
  private lastReportAt: Date | null = null;
  private lastSyncAt = Number.NEGATIVE_INFINITY;
  private lastSyncedBody: string | null = null;
  private syncTimer: NodeJS.Timeout | null = null;
  private healthTimer: NodeJS.Timeout | null = null;
  private syncing: Promise<void> | null = null;
  private reporting: Promise<boolean> | null = null;
  private readonly stopController = new AbortController();
  private readonly log: Log;
  private readonly options: HubAgentOptions;
  private connectedResolve!: () => void;
  readonly connected: Promise<void>;

  constructor(options: HubAgentOptions) {
    this.options = options;
    this.owner = options.ownerOverride?.toLowerCase() ?? null;
    this.log = options.log ?? silentLog;
    this.connected = new Promise((resolve) => {
      this.connectedResolve = resolve;
    });
  }

  status(): HubStatus {
    return { owner: this.owner, published: this.published, lastReportAt: this.lastReportAt };
  }

  /** Connects in the background; the satellite serves requests meanwhile. */
  start(): void {
    if (this.options.credentials === null) {
      this.log.warn(
        { event: 'satellite.hub.disabled' },
        'No hub credentials: not publishing or reporting health',
      );
      return;
    }
    void this.connect().catch((error: unknown) => {
      if (!(error instanceof Stopped))
        this.log.error({ event: 'satellite.hub.failed', error }, 'Hub agent failed');
    });
  }

  private get stopped(): boolean {
    return this.stopController.signal.aborted;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.stopped) return reject(new Stopped());
      const onStop = () => {
        clearTimeout(timer);
        reject(new Stopped());
      };
      const timer = setTimeout(() => {
        this.stopController.signal.removeEventListener('abort', onStop);
        resolve();
      }, ms);
      this.stopController.signal.addEventListener('abort', onStop, { once: true });
    });
  }

  /** Runs `task` until it succeeds, waiting 1 s, 2 s, 4 s … (at most maxBackoffMs) between attempts. */
  private async withBackoff<T>(
    what: string,
    task: () => Promise<T>,
    retryAll: boolean,
  ): Promise<T | undefined> {
    let delay = this.options.initialBackoffMs ?? 1000;
    const max = this.options.maxBackoffMs ?? 60_000;
    for (;;) {
      if (this.stopped) throw new Stopped();
      try {
        return await task();
      } catch (error) {
        const transient =
          error instanceof HubUnreachableError || (error instanceof HubHttpError && error.transient);
        if (!transient && !retryAll) {
          this.log.error({ event: `satellite.${what}.failed`, ...describe(error) }, `Hub ${what} failed`);
          return undefined;
        }
        this.log.warn(
          { event: `satellite.${what}.retry`, retry_in_ms: delay, ...describe(error) },
          `Hub ${what} failed; retrying`,
        );
        await this.sleep(delay);
        delay = Math.min(delay * 2, max);
      }
    }
  }

  private async connect(): Promise<void> {
    const credentials = this.options.credentials!;
    // Wrong credentials can be fixed on the hub side (e.g. the account gets created), so every failure is retried.
    const resolved = await this.withBackoff(
      'hub.connect',
      () => resolveCredentials(this.options.client, { ...credentials, log: this.log }),
      true,
    );
    if (resolved === undefined) return;
    this.token = resolved.token;
    if (this.owner !== null && this.owner !== resolved.owner) {
      this.log.warn(
        { event: 'satellite.hub.owner_mismatch', configured: this.owner, owner: resolved.owner },
        'Configured owner differs from the hub account; using the hub account',
      );
    }
    this.owner = resolved.owner;
    this.log.info({ event: 'satellite.hub.connected', owner: resolved.owner }, 'Connected to the hub');
    const beforePublish = this.options.beforePublish;
    if (beforePublish) {
      await this.withBackoff('tunnel.register', () => beforePublish(resolved.owner, resolved.token), true);
    }
    this.connectedResolve();
    if (this.options.publish) await this.syncNow();
    await this.periodicReport();
    this.scheduleHealth();
  }

  private periodicReport(): Promise<boolean> {
    if (this.stopped) return Promise.resolve(false);
    this.reporting = this.report().finally(() => {
      this.reporting = null;
    });
    return this.reporting;
  }

  private scheduleHealth(): void {
    if (this.stopped) return;
    this.healthTimer = setTimeout(() => {
      // Syncs are skipped when nothing changed, so this only publishes edits no rescan notices (README files).
      this.requestSync();
      void this.periodicReport().finally(() => this.scheduleHealth());
    }, this.options.healthIntervalMs);
  }

  /** Asks for a sync after a change; coalesced, and never more often than syncMinIntervalMs. */
  requestSync(): void {
    if (!this.options.publish || this.token === null || this.syncTimer !== null || this.stopped) return;
    const wait = Math.max(0, this.lastSyncAt + (this.options.syncMinIntervalMs ?? 60_000) - Date.now());
    this.syncTimer = setTimeout(() => {
      this.syncTimer = null;
      void this.syncNow().catch(() => undefined);
    }, wait);
  }

  private async syncNow(): Promise<void> {
    if (this.syncing) return this.syncing;
    this.syncing = (async () => {
      const endpoints = await this.options.endpoints();
      const body = JSON.stringify(endpoints);
      if (body === this.lastSyncedBody) return;
      this.lastSyncAt = Date.now();
      const started = Date.now();
      const result = await this.withBackoff(
        'publish',
        () => this.options.client.sync(this.token!, endpoints),
        false,
      );
      if (result === undefined) {
        this.published = false;
        return;
      }
      this.published = true;
      this.lastSyncedBody = body;
      this.log.info(
        {
          event: 'satellite.publish.completed',
          synced: result.synced,
          deleted: result.deleted,
          duration_ms: Date.now() - started,
        },
        'Published endpoints to the hub',
      );
    })().finally(() => {
      this.syncing = null;
    });
    return this.syncing;
  }

  private async report(allUnhealthy = false, timeoutMs?: number): Promise<boolean> {
    if (this.token === null) return false;
    const checkedAt = new Date().toISOString();
    const statuses = await this.options.health();
    const endpoints: HealthItem[] = statuses.map((s) => ({
      slug: s.slug,
      status: s.healthy && !allUnhealthy ? 'healthy' : 'unhealthy',
      checked_at: checkedAt,
    }));
    try {
      const result = await this.options.client.reportHealth(
        this.token,
        { endpoints, ttl_seconds: this.options.healthTtlSeconds, url: this.options.publicUrl() },
        timeoutMs,
      );
      this.lastReportAt = new Date(checkedAt);
      this.log.info(
        {
          event: 'satellite.health.reported',
          healthy: endpoints.filter((e) => e.status === 'healthy').length,
          unhealthy: endpoints.filter((e) => e.status === 'unhealthy').length,
          updated: result.updated,
          ignored: result.ignored,
          final: allUnhealthy,
        },
        'Reported health to the hub',
      );
      return true;
    } catch (error) {
      this.log.warn({ event: 'satellite.health.report_failed', ...describe(error) }, 'Health report failed');
      return false;
    }
  }

  /** Stops every loop and, if connected, tells the hub that every endpoint is going away. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopController.abort();
    if (this.syncTimer !== null) clearTimeout(this.syncTimer);
    if (this.healthTimer !== null) clearTimeout(this.healthTimer);
    this.syncTimer = null;
    this.healthTimer = null;
    // A periodic report still in flight must not land after the final one and mark everything healthy again.
    await this.reporting;
    await this.report(true, this.options.finalReportTimeoutMs ?? 5000);
  }
}

function describe(error: unknown): Record<string, unknown> {
  if (error instanceof HubHttpError)
    return { status_code: error.status, route: error.route, detail: error.detail };
  if (error instanceof HubUnreachableError || error instanceof CredentialsError) {
    return { reason: error.message };
  }
  return { error };
}
