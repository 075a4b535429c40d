import type { Msg, NatsConnection } from '@nats-io/nats-core';
import { AGENT_MESSAGE_TYPES, type TunnelRequestEnvelope } from '@syfthub/contracts';
import {
  buildResponse,
  connectNats,
  NatsLink,
  openRequest,
  parseRequestEnvelope,
  peerSubject,
  type ResponseSpec,
  SubjectError,
  spaceSubject,
  toBase64Url,
  tunnelUrl,
  type X25519KeyPair,
} from '@syfthub/tunnel';
import type { HubClient } from '../hub/client';
import { type Log, silentLog } from '../log';

// The satellite's tunnel mode (tunnelling.md §1, §7): dial out to the hub's NATS over WebSocket with the token from
// `/nats/credentials`, listen on `syfthub.spaces.<owner>`, open each request with the node's long-term key, answer
// it and seal the reply to the request's ephemeral key on `syfthub.peer.<reply_to>`.

/** The Go node's deadline when a request names none (§5.7). */
const DEFAULT_DEADLINE_MS = 120_000;
const TOO_LARGE = 'Response too large for the tunnel';
const AGENT_TYPES: ReadonlySet<string> = new Set([
  AGENT_MESSAGE_TYPES.start,
  AGENT_MESSAGE_TYPES.userMessage,
  AGENT_MESSAGE_TYPES.cancel,
]);

export interface TunnelRequest {
  slug: string;
  /** What the aggregator called the endpoint; the node dispatches on its own registered type. */
  type: string;
  payload: unknown;
  satelliteToken: string | undefined;
  correlationId: string;
  signal: AbortSignal;
}

export type TunnelHandler = (request: TunnelRequest) => Promise<ResponseSpec>;

export interface TunnelNodeOptions {
  hub: HubClient;
  /** `ws(s)://<hub>/nats`. */
  natsUrl: string;
  keys: X25519KeyPair;
  handle: TunnelHandler;
  /**
   * Agent session messages (agent-sessions.md §9), handed over unopened with the connection they came on. Without
   * it they are refused with INVALID_REQUEST, as the Go node does without agent support (tunnelling.md §5.5).
   */
  agentMessages?: (envelope: TunnelRequestEnvelope, connection: NatsConnection) => Promise<void>;
  log?: Log;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
}

/** Derives `ws(s)://host:port/nats` from the hub URL, as the Go node does (§2.3). */
export function natsUrlOf(hubUrl: string): string {
  const url = new URL(hubUrl);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('hub URL must be http(s)');
  const secure = url.protocol === 'https:';
  const port = url.port || (secure ? '443' : '80');
  return `${secure ? 'wss' : 'ws'}://${url.hostname.includes(':') ? `[${url.hostname}]` : url.hostname}:${port}/nats`;
}

export class TunnelNode {
  private link: NatsLink | null = null;
  private owner: string | null = null;
  private apiToken: string | null = null;
  private natsToken: string | null = null;
  private readonly log: Log;
  private readonly inFlight = new Set<AbortController>();
  private handled = 0;

  constructor(private readonly options: TunnelNodeOptions) {
    this.log = options.log ?? silentLog;
  }

  /** The unpadded base64url public key the hub stores (§3.4). */
  get publicKey(): string {
    return toBase64Url(this.options.keys.publicKey);
  }

  status(): { state: string; owner: string | null; handled: number } {
    return { state: this.link?.state ?? 'off', owner: this.owner, handled: this.handled };
  }

  /**
   * Start-up of §1 steps 2–5: NATS token, domain, key; then dials in the background. Throws (so the hub agent
   * retries with back-off) while the hub refuses or is unreachable; a failed domain update is only logged.
   */
  async register(owner: string, apiToken: string): Promise<void> {
    const { hub } = this.options;
    this.natsToken = await hub.natsCredentials(apiToken);
    this.owner = owner;
    this.apiToken = apiToken;
    try {
      await hub.setDomain(apiToken, tunnelUrl(owner));
    } catch (error) {
      this.log.warn(
        { event: 'satellite.tunnel.domain_failed', reason: (error as Error).message },
        'Could not set the tunnel domain',
      );
    }
    await hub.registerEncryptionKey(apiToken, this.publicKey);
    this.log.info({ event: 'satellite.tunnel.registered', owner }, 'Registered the tunnel key');
    if (!this.link) {
      this.link = new NatsLink({
        role: 'node',
        log: this.log,
        initialBackoffMs: this.options.initialBackoffMs ?? 1000,
        maxBackoffMs: this.options.maxBackoffMs ?? 30_000,
        dial: () => this.dial(),
        onConnect: (connection) => this.listen(connection),
      });
      this.link.start();
    }
  }

  /** Resolves once the node listens on its subject. */
  ready(timeoutMs?: number): Promise<NatsConnection> {
    if (!this.link) return Promise.reject(new Error('tunnel not registered yet'));
    return this.link.ready(timeoutMs);
  }

  private async dial(): Promise<NatsConnection> {
    // A fresh token per dial: the hub may have rotated it (mode B) or restarted with another one.
    if (this.apiToken) {
      try {
        this.natsToken = await this.options.hub.natsCredentials(this.apiToken);
      } catch (error) {
        this.log.warn(
          { event: 'satellite.tunnel.credentials_failed', reason: (error as Error).message },
          'Could not refresh NATS credentials; using the last ones',
        );
      }
    }
    return connectNats({
      url: this.options.natsUrl,
      token: this.natsToken ?? undefined,
      name: `syfthub-space-${this.owner}`,
      timeoutMs: 30_000,
      reconnectWaitMs: 2000,
    });
  }

  private listen(connection: NatsConnection): void {
    connection.subscribe(spaceSubject(this.owner ?? ''), {
      callback: (_err, msg) => {
        void this.onMessage(connection, msg).catch((error: unknown) =>
          this.log.error({ event: 'satellite.tunnel.failed', error }, 'Tunnel request failed'),
        );
      },
    });
  }

  private async onMessage(connection: NatsConnection, msg: Msg): Promise<void> {
    const envelope = parseRequestEnvelope(msg.data);
    if (!envelope) {
      // Only the NATS reply subject can carry an answer to something unreadable (§7.2 step 1).
      if (msg.reply) {
        const reply = buildResponse(
          { correlation_id: '', endpoint: { slug: '', type: '' }, encryption_info: null },
          { status: 'error', error: { code: 'INVALID_REQUEST', message: 'invalid request envelope' } },
        );
        connection.publish(msg.reply, reply);
      }
      return;
    }
    let subject: string;
    try {
      subject = peerSubject(envelope.reply_to);
    } catch (error) {
      if (error instanceof SubjectError) return;
      throw error;
    }
    if (AGENT_TYPES.has(envelope.type)) {
      if (this.options.agentMessages) await this.options.agentMessages(envelope, connection);
      else {
        this.send(connection, subject, envelope, {
          status: 'error',
          error: { code: 'INVALID_REQUEST', message: 'this node does not run agent sessions' },
        });
      }
      return;
    }
    const received = new Date();
    let spec: ResponseSpec;
    let payload: unknown;
    try {
      payload = openRequest(envelope, this.options.keys.privateKey);
    } catch {
      spec = { status: 'error', error: { code: 'DECRYPTION_FAILED', message: 'failed to decrypt request' } };
      this.send(connection, subject, envelope, spec);
      return;
    }
    const controller = new AbortController();
    this.inFlight.add(controller);
    const deadline =
      envelope.timeout_ms && envelope.timeout_ms > 0 ? envelope.timeout_ms : DEFAULT_DEADLINE_MS;
    const timer = setTimeout(() => controller.abort(new Error('deadline')), deadline);
    try {
      spec = await this.options.handle({
        slug: envelope.endpoint.slug,
        type: envelope.endpoint.type,
        payload,
        satelliteToken: envelope.satellite_token ?? undefined,
        correlationId: envelope.correlation_id,
        signal: controller.signal,
      });
    } catch (error) {
      spec = controller.signal.aborted
        ? { status: 'error', error: { code: 'TIMEOUT', message: 'request deadline exceeded' } }
        : { status: 'error', error: { code: 'INTERNAL_ERROR', message: (error as Error).message } };
    } finally {
      clearTimeout(timer);
      this.inFlight.delete(controller);
    }
    if (spec.status === 'success')
      spec = { ...spec, timing: { receivedAt: received, processedAt: new Date() } };
    this.handled += 1;
    this.send(connection, subject, envelope, spec);
  }

  /** Seals and publishes a reply; one that would break the server's max_payload becomes an error (§5.6). */
  private send(
    connection: NatsConnection,
    subject: string,
    envelope: TunnelRequestEnvelope,
    spec: ResponseSpec,
  ): void {
    let data = buildResponse(envelope, spec);
    const max = connection.info?.max_payload ?? 1024 * 1024;
    if (data.byteLength > max) {
      data = buildResponse(envelope, {
        status: 'error',
        error: { code: 'EXECUTION_FAILED', message: TOO_LARGE },
      });
    }
    try {
      connection.publish(subject, data);
    } catch (error) {
      this.log.warn(
        { event: 'satellite.tunnel.reply_failed', reason: (error as Error).message },
        'Tunnel reply not sent',
      );
    }
  }

  /** Cancels running requests and drains the connection. */
  async stop(): Promise<void> {
    for (const controller of this.inFlight) controller.abort(new Error('stopping'));
    await this.link?.stop();
  }
}
