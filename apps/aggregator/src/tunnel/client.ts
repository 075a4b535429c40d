import { type KeyObject, randomUUID } from 'node:crypto';
import type { Msg, NatsConnection, Subscription } from '@nats-io/nats-core';
import { createInbox } from '@nats-io/nats-core';
import type { TunnelResponseEnvelope } from '@syfthub/contracts';
import {
  asResponseEnvelope,
  connectNats,
  decryptResponse,
  NatsLink,
  parseJsonObject,
  peerSubject,
  sealRequest,
  spaceSubject,
  TunnelCipherError,
} from '@syfthub/tunnel';
import type { Logger } from 'pino';
import type { NatsSettings } from '../env';
import { asRecord, tryParseJson } from '../satellite-http';
import { KeyDirectory, KeyLookupError } from './keys';

// The aggregator's leg of the tunnel (tunnelling.md §5–§8): one request envelope per call, published on
// `syfthub.spaces.<owner>`, and the reply awaited on the chat's `syfthub.peer.<channel>` by correlation id.

/** Why a tunnelled call did not produce a payload; mapped to data-source statuses and generation reasons. */
export type TunnelFailure =
  /** NATS is down, or the hub could not say what the node's key is. */
  | { kind: 'unavailable' }
  /** No key registered, unknown owner, or no node subscribed ("no responders", §5.7). */
  | { kind: 'not_connected' }
  /** No matching reply before the call's deadline. */
  | { kind: 'timeout' }
  | { kind: 'too_large'; direction: 'request' | 'response' }
  /** The node answered `status: error`, or its reply could not be opened (`DECRYPTION_FAILED`). */
  | { kind: 'node_error'; code: string; message: string; policyMetadata: Record<string, unknown> | null }
  /** A success reply that does not open with this call's key (tampered, or not meant for us). */
  | { kind: 'undecryptable' }
  /** A message carrying our correlation id that is not a response envelope. */
  | { kind: 'invalid' };

export type TunnelResult = { ok: true; payload: unknown } | { ok: false; failure: TunnelFailure };

export interface TunnelCall {
  /** The lowercased tunnel username of the endpoint URL. */
  owner: string;
  /** The chat's reply channel (without the `syfthub.peer.` prefix). */
  channel: string;
  slug: string;
  endpointType: 'data_source' | 'model';
  payload: unknown;
  satelliteToken?: string | undefined;
  /** The wait for the reply; also sent to the node as `timeout_ms`. */
  timeoutMs: number;
  /** Aborts the wait (deadlines, client disconnect); the call then rejects with the signal's reason. */
  signal: AbortSignal;
  /** Replies above this many bytes are refused (`AGGREGATOR_MAX_RESPONSE_BYTES`; the server caps at max_payload). */
  maxReplyBytes: number;
}

const MAX_TEXT = 1000;
const clip = (text: string, max = MAX_TEXT) => (text.length > max ? `${text.slice(0, max)}…` : text);
const decoder = new TextDecoder();

const unavailable: TunnelResult = { ok: false, failure: { kind: 'unavailable' } };

/** A call waiting for its reply. */
interface Waiter {
  maxReplyBytes: number;
  reply(envelope: TunnelResponseEnvelope): void;
  fail(failure: TunnelFailure): void;
}

/**
 * The calls waiting on one NATS connection, by correlation id. One wildcard subscription on a private inbox takes the
 * server's "no responders" answers for all of them (§5.7): each request is published with `<inbox>.<correlation id>`
 * as its NATS reply subject, so no call subscribes to an inbox of its own.
 */
class Replies {
  readonly waiters = new Map<string, Waiter>();
  private readonly inbox = createInbox();

  constructor(readonly connection: NatsConnection) {
    connection.subscribe(`${this.inbox}.*`, {
      callback: (_err, msg) => {
        if (msg.headers?.code !== 503) return;
        this.waiters.get(msg.subject.slice(this.inbox.length + 1))?.fail({ kind: 'not_connected' });
      },
    });
  }

  inboxFor(correlationId: string): string {
    return `${this.inbox}.${correlationId}`;
  }

  /** A message on a reply channel: only one that names a waiting call can settle it; other noise is ignored. */
  onReply(msg: Msg): void {
    const value = parseJsonObject(msg.data);
    const correlationId = value?.correlation_id;
    if (typeof correlationId !== 'string') return;
    const waiter = this.waiters.get(correlationId);
    if (!waiter) return;
    const envelope = asResponseEnvelope(value);
    if (!envelope) waiter.fail({ kind: 'invalid' });
    else if (msg.data.byteLength > waiter.maxReplyBytes)
      waiter.fail({ kind: 'too_large', direction: 'response' });
    else waiter.reply(envelope);
  }

  /** The connection is gone: a reply published while the aggregator is cut off is lost, so say so now. */
  failAll(): void {
    for (const waiter of [...this.waiters.values()]) waiter.fail({ kind: 'unavailable' });
  }
}

export interface TunnelClientOptions {
  nats: NatsSettings;
  /** Base URL of the hub for key lookups. */
  hubUrl: string;
  log: Logger;
  keys?: KeyDirectory;
}

/** Owns the aggregator's NATS connection and the key cache; `call` is safe to use from any number of chats. */
export class TunnelClient {
  readonly link: NatsLink;
  readonly keys: KeyDirectory;
  private readonly log: Logger;
  private replies: Replies | null = null;

  constructor(options: TunnelClientOptions) {
    const { nats } = options;
    this.log = options.log;
    this.keys = options.keys ?? new KeyDirectory({ hubUrl: options.hubUrl });
    this.link = new NatsLink({
      role: 'aggregator',
      log: options.log,
      dial: () =>
        connectNats({
          url: nats.url,
          token: nats.token ?? undefined,
          user: nats.user ?? undefined,
          password: nats.password ?? undefined,
          name: 'syfthub-aggregator',
          reconnectWaitMs: 1000,
        }),
      onConnect: (connection) => {
        this.replies = new Replies(connection);
      },
    });
    this.link.onState((state) => {
      if (state !== 'connected') this.replies?.failAll();
    });
  }

  /** Dials in the background; chats fail with "not available" until connected. */
  start(): void {
    this.link.start();
  }

  stop(): Promise<void> {
    return this.link.stop();
  }

  /** `/ready`'s `nats` check. */
  status(): 'ok' | 'error' {
    return this.link.connection ? 'ok' : 'error';
  }

  /**
   * One tunnelled request with at most one resend: when the node answers `DECRYPTION_FAILED` the cached key was
   * stale (the node restarted with a new one), so it is fetched again and the request sent once more (§5.7).
   */
  async call(call: TunnelCall): Promise<TunnelResult> {
    for (let attempt = 1; ; attempt += 1) {
      const result = await this.once(call);
      if (
        attempt === 1 &&
        !result.ok &&
        result.failure.kind === 'node_error' &&
        result.failure.code === 'DECRYPTION_FAILED' &&
        !call.signal.aborted
      ) {
        this.keys.evict(call.owner);
        this.log.info(
          { event: 'tunnel.key.stale', owner: call.owner, slug: call.slug },
          'node could not decrypt; fetching its key again',
        );
        continue;
      }
      return result;
    }
  }

  private async once(call: TunnelCall): Promise<TunnelResult> {
    call.signal.throwIfAborted();
    const fail = (failure: TunnelFailure): TunnelResult => ({ ok: false, failure });
    if (!this.link.connection) return fail({ kind: 'unavailable' });
    let nodeKey: KeyObject;
    try {
      nodeKey = await this.keys.get(call.owner);
    } catch (err) {
      call.signal.throwIfAborted();
      if (err instanceof KeyLookupError) {
        this.log.warn(
          { event: 'tunnel.key.lookup_failed', owner: call.owner, kind: err.kind, reason: err.message },
          'node key lookup failed',
        );
        return fail({ kind: err.kind === 'missing' ? 'not_connected' : 'unavailable' });
      }
      throw err;
    }
    call.signal.throwIfAborted();
    const connection = this.link.connection;
    if (!connection) return fail({ kind: 'unavailable' });

    const correlationId = randomUUID();
    const sealed = sealRequest({
      correlationId,
      replyTo: call.channel,
      endpoint: { slug: call.slug, type: call.endpointType },
      timeoutMs: call.timeoutMs,
      satelliteToken: call.satelliteToken,
      payload: call.payload,
      nodePublicKey: nodeKey,
    });
    if (sealed.data.byteLength > (connection.info?.max_payload ?? 1024 * 1024)) {
      return fail({ kind: 'too_large', direction: 'request' });
    }
    return this.exchange(connection, call, correlationId, sealed);
  }

  private exchange(
    connection: NatsConnection,
    call: TunnelCall,
    correlationId: string,
    sealed: ReturnType<typeof sealRequest>,
  ): Promise<TunnelResult> {
    const replies = this.replies;
    if (!replies || replies.connection !== connection) return Promise.resolve(unavailable);
    return new Promise<TunnelResult>((resolve, reject) => {
      let subscription: Subscription | null = null;
      const finish = (outcome: { result: TunnelResult } | { error: unknown }) => {
        if (replies.waiters.get(correlationId) !== waiter) return;
        replies.waiters.delete(correlationId);
        clearTimeout(timer);
        call.signal.removeEventListener('abort', onAbort);
        subscription?.unsubscribe();
        if ('result' in outcome) resolve(outcome.result);
        else reject(outcome.error);
      };
      const fail = (failure: TunnelFailure) => finish({ result: { ok: false, failure } });
      const waiter: Waiter = {
        maxReplyBytes: call.maxReplyBytes,
        reply: (envelope) => finish({ result: this.readReply(envelope, sealed.ephemeral.privateKey, call) }),
        fail,
      };
      const onAbort = () => finish({ error: call.signal.reason });
      replies.waiters.set(correlationId, waiter);
      call.signal.addEventListener('abort', onAbort, { once: true });
      const timer = setTimeout(() => fail({ kind: 'timeout' }), call.timeoutMs);
      try {
        // The chat's reply channel (tunnelling.md §4), for the duration of this call.
        subscription = connection.subscribe(peerSubject(call.channel), {
          callback: (_err, msg) => replies.onReply(msg),
        });
        // No node subscribed to the owner's subject: the server answers 503 on this inbox at once (§5.7).
        connection.publish(spaceSubject(call.owner), sealed.data, { reply: replies.inboxFor(correlationId) });
      } catch (err) {
        this.log.warn(
          { event: 'tunnel.publish.failed', owner: call.owner, reason: (err as Error).message },
          'tunnel publish failed',
        );
        fail({ kind: 'unavailable' });
      }
    });
  }

  private readReply(
    envelope: TunnelResponseEnvelope,
    ephemeralPrivate: ReturnType<typeof sealRequest>['ephemeral']['privateKey'],
    call: TunnelCall,
  ): TunnelResult {
    let payload: unknown = null;
    let opened = false;
    if (envelope.encryption_info && envelope.encrypted_payload) {
      try {
        const plaintext = decryptResponse(
          { encryption_info: envelope.encryption_info, encrypted_payload: envelope.encrypted_payload },
          ephemeralPrivate,
          envelope.correlation_id,
        );
        payload = tryParseJson(decoder.decode(plaintext));
        opened = payload !== undefined;
      } catch (err) {
        if (!(err instanceof TunnelCipherError)) throw err;
      }
    }
    if (envelope.status === 'error') {
      const error = envelope.error;
      return {
        ok: false,
        failure: {
          kind: 'node_error',
          code: clip(typeof error?.code === 'string' && error.code !== '' ? error.code : 'UNKNOWN', 64),
          message: clip(typeof error?.message === 'string' ? error.message : ''),
          policyMetadata: opened ? asRecord(asRecord(payload)?.policy_metadata) : null,
        },
      };
    }
    if (!opened) {
      // A reply we cannot open: the key is suspect, but a resend would not help (§5.7).
      this.keys.evict(call.owner);
      return { ok: false, failure: { kind: 'undecryptable' } };
    }
    return { ok: true, payload };
  }
}

/** What a chat request carries for its tunnelled calls: the client and the chat's own reply channel. */
export interface ChatTunnel {
  client: TunnelClient;
  channel: string;
}
