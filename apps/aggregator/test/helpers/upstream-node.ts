import {
  createCipheriv,
  createDecipheriv,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  type KeyObject,
  randomBytes,
} from 'node:crypto';
import WebSocket from 'ws';

// An upstream-style tunnel node written from tunnelling.md alone, sharing no code with @syfthub/tunnel: the NATS
// text protocol spoken by hand over a WebSocket with a plain token (§2.2), unpadded base64url keys (§6.1), the
// cipher of §6.2–§6.3 straight on Node's crypto, and the envelopes the Go node sends (§5.2). Faults are scripted
// per request so the aggregator can be shown every way a node can misbehave.

const SPKI = Buffer.from('302a300506032b656e032100', 'hex');
const REQUEST_INFO = Buffer.from('syfthub-tunnel-request-v1');
const RESPONSE_INFO = Buffer.from('syfthub-tunnel-response-v1');

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
const unb64 = (text: string) => Buffer.from(text, 'base64url');

function rawPublic(privateKey: KeyObject): Buffer {
  return Buffer.from(createPublicKey(privateKey).export({ format: 'jwk' }).x ?? '', 'base64url');
}

function derive(own: KeyObject, peer: Buffer, info: Buffer): Buffer {
  const publicKey = createPublicKey({ key: Buffer.concat([SPKI, peer]), format: 'der', type: 'spki' });
  const shared = diffieHellman({ privateKey: own, publicKey });
  return Buffer.from(hkdfSync('sha256', shared, Buffer.alloc(0), info, 32));
}

interface RequestEnvelope {
  correlation_id: string;
  reply_to: string;
  endpoint: { slug: string; type: string };
  timeout_ms?: number;
  satellite_token?: string;
  encryption_info?: { algorithm: string; ephemeral_public_key: string; nonce: string } | null;
  encrypted_payload?: string | null;
  [key: string]: unknown;
}

export interface SeenRequest {
  envelope: RequestEnvelope;
  /** The decrypted payload, or undefined when it could not be opened. */
  payload: unknown;
}

/** What the node does with one request. */
export type Action =
  | { kind: 'answer'; payload: unknown; delayMs?: number }
  | { kind: 'error'; code: string; message: string; payload?: unknown }
  | { kind: 'silent' }
  /** Flips one byte of the sealed answer. */
  | { kind: 'tamper'; payload: unknown }
  | { kind: 'wrong_correlation'; payload: unknown }
  | { kind: 'wrong_channel'; payload: unknown }
  /** Publishes these raw bytes on the reply channel. */
  | { kind: 'raw'; data: string }
  /** Tries to publish an answer this large; the server refuses it (max_payload) and drops the connection. */
  | { kind: 'oversize'; bytes: number };

export type Script = (request: SeenRequest) => Action | Promise<Action>;

export interface UpstreamNodeOptions {
  wsUrl: string;
  token: string;
  username: string;
  script: Script;
}

/** Default answers: documents for a data source, a summary for a model (§5.3, §5.4, Go node shapes). */
export const defaultScript: Script = ({ envelope, payload }) => {
  if (envelope.endpoint.type === 'model') {
    const messages = (payload as { messages?: Array<{ content: string }> }).messages ?? [];
    return {
      kind: 'answer',
      payload: { summary: { message: { content: `tunnelled answer to ${messages.length} messages` } } },
    };
  }
  return {
    kind: 'answer',
    payload: {
      references: {
        documents: [
          {
            document_id: 'doc-1',
            content: `clause 7 says: ${(payload as { messages?: string }).messages ?? ''}`,
            metadata: { title: 'Clause 7' },
            similarity_score: 0.9,
          },
        ],
      },
    },
  };
};

export class UpstreamNode {
  privateKey: KeyObject;
  readonly seen: SeenRequest[] = [];
  /** Correlation ids the node could not decrypt. */
  readonly undecryptable: string[] = [];
  private socket: WebSocket | null = null;
  private stopped = false;
  private buffer: Buffer = Buffer.alloc(0);
  private connectedOnce: Promise<void>;
  private markConnected!: () => void;
  connections = 0;
  script: Script;

  constructor(private readonly options: UpstreamNodeOptions) {
    this.privateKey = generateKeyPairSync('x25519').privateKey;
    this.script = options.script;
    this.connectedOnce = new Promise((resolve) => {
      this.markConnected = resolve;
    });
  }

  /** The unpadded base64url public key the node registers (§3.4). */
  get publicKey(): string {
    return b64(rawPublic(this.privateKey));
  }

  /** A new long-term key, as a node restarted without a key file would have (§6.1). */
  rotateKey(): void {
    this.privateKey = generateKeyPairSync('x25519').privateKey;
  }

  async start(): Promise<void> {
    this.dial();
    await this.connectedOnce;
  }

  /** Resolves once the node has (re)subscribed after `connections` reached `count`. */
  async waitForConnections(count: number, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.connections < count) {
      if (Date.now() > deadline) throw new Error(`node did not reconnect (${this.connections} connections)`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  private dial(): void {
    if (this.stopped) return;
    const socket = new WebSocket(this.options.wsUrl);
    this.socket = socket;
    this.buffer = Buffer.alloc(0);
    socket.on('message', (data: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, data]);
      this.drain();
    });
    socket.on('error', () => undefined);
    // Like the Go node: reconnect forever (faster than its 2 s, to keep tests short).
    socket.on('close', () => {
      if (this.socket === socket) this.socket = null;
      if (!this.stopped) setTimeout(() => this.dial(), 200);
    });
  }

  private send(text: string | Buffer): void {
    this.socket?.send(text);
  }

  /** Parses INFO, PING, PONG, MSG and HMSG frames from the buffer. */
  private drain(): void {
    for (;;) {
      const end = this.buffer.indexOf('\r\n');
      if (end === -1) return;
      const line = this.buffer.subarray(0, end).toString('utf8');
      const [op, ...args] = line.split(' ');
      if (op === 'MSG' || op === 'HMSG') {
        const total = Number(args.at(-1));
        const headerBytes = op === 'HMSG' ? Number(args.at(-2)) : 0;
        if (this.buffer.length < end + 2 + total + 2) return;
        const body = this.buffer.subarray(end + 2 + headerBytes, end + 2 + total).toString('utf8');
        this.buffer = this.buffer.subarray(end + 2 + total + 2);
        void this.handle(body);
        continue;
      }
      this.buffer = this.buffer.subarray(end + 2);
      if (op === 'INFO') {
        const connect = {
          verbose: false,
          pedantic: false,
          auth_token: this.options.token,
          name: `syfthub-space-${this.options.username}`,
          lang: 'test',
          version: '0',
          protocol: 1,
          headers: true,
          no_responders: true,
        };
        this.send(
          `CONNECT ${JSON.stringify(connect)}\r\nSUB syfthub.spaces.${this.options.username} 1\r\nPING\r\n`,
        );
      } else if (op === 'PONG') {
        this.connections += 1;
        this.markConnected();
      } else if (op === 'PING') {
        this.send('PONG\r\n');
      }
    }
  }

  private publish(subject: string, body: string): void {
    this.send(`PUB ${subject} ${Buffer.byteLength(body)}\r\n${body}\r\n`);
  }

  private async handle(body: string): Promise<void> {
    let envelope: RequestEnvelope;
    try {
      envelope = JSON.parse(body) as RequestEnvelope;
    } catch {
      return;
    }
    const received = new Date();
    const info = envelope.encryption_info;
    let payload: unknown;
    let requestEphemeral: Buffer | null = null;
    if (info && envelope.encrypted_payload) {
      requestEphemeral = unb64(info.ephemeral_public_key);
      try {
        const key = derive(this.privateKey, requestEphemeral, REQUEST_INFO);
        const sealed = unb64(envelope.encrypted_payload);
        const decipher = createDecipheriv('aes-256-gcm', key, unb64(info.nonce));
        decipher.setAAD(Buffer.from(envelope.correlation_id));
        decipher.setAuthTag(sealed.subarray(sealed.length - 16));
        payload = JSON.parse(
          Buffer.concat([
            decipher.update(sealed.subarray(0, sealed.length - 16)),
            decipher.final(),
          ]).toString(),
        );
      } catch {
        payload = undefined;
      }
    }
    const channel = `syfthub.peer.${envelope.reply_to}`;
    if (payload === undefined) {
      // §7.2 step 3: DECRYPTION_FAILED, sealed to the request's ephemeral key when there is one.
      this.undecryptable.push(envelope.correlation_id);
      this.publish(
        channel,
        this.response(envelope, requestEphemeral, null, {
          status: 'error',
          error: { code: 'DECRYPTION_FAILED', message: 'failed to decrypt request' },
        }),
      );
      return;
    }
    this.seen.push({ envelope, payload });
    const action = await this.script({ envelope, payload });
    const success = (data: unknown, correlation = envelope.correlation_id) =>
      this.response({ ...envelope, correlation_id: correlation }, requestEphemeral, data, {
        status: 'success',
        timing: {
          received_at: received.toISOString(),
          processed_at: new Date().toISOString(),
          duration_ms: Date.now() - received.getTime(),
        },
      });
    switch (action.kind) {
      case 'silent':
        return;
      case 'answer':
        if (action.delayMs) await new Promise((r) => setTimeout(r, action.delayMs));
        this.publish(channel, success(action.payload));
        return;
      case 'error':
        this.publish(
          channel,
          this.response(envelope, requestEphemeral, action.payload ?? null, {
            status: 'error',
            error: { code: action.code, message: action.message },
          }),
        );
        return;
      case 'tamper': {
        const reply = JSON.parse(success(action.payload)) as { encrypted_payload: string };
        const bytes = unb64(reply.encrypted_payload);
        bytes[0] = (bytes[0] ?? 0) ^ 0x01;
        reply.encrypted_payload = b64(bytes);
        this.publish(channel, JSON.stringify(reply));
        return;
      }
      case 'wrong_correlation':
        this.publish(channel, success(action.payload, '00000000-0000-4000-8000-000000000000'));
        return;
      case 'wrong_channel':
        this.publish(`syfthub.peer.peer_${'0'.repeat(32)}`, success(action.payload));
        return;
      case 'raw':
        this.publish(channel, action.data);
        return;
      case 'oversize':
        this.publish(
          channel,
          success({ references: { documents: [{ content: 'x'.repeat(action.bytes) }] } }),
        );
        return;
    }
  }

  /** A response envelope (§5.2): the payload sealed to the request's ephemeral key with a fresh key (§6.3). */
  private response(
    envelope: RequestEnvelope,
    requestEphemeral: Buffer | null,
    data: unknown,
    fields: Record<string, unknown>,
  ): string {
    const body: Record<string, unknown> = {
      protocol: 'syfthub-tunnel/v1',
      type: 'endpoint_response',
      correlation_id: envelope.correlation_id,
      endpoint_slug: envelope.endpoint?.slug ?? '',
      ...fields,
    };
    if (requestEphemeral) {
      const own = generateKeyPairSync('x25519').privateKey;
      const key = derive(own, requestEphemeral, RESPONSE_INFO);
      const nonce = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, nonce);
      cipher.setAAD(Buffer.from(envelope.correlation_id));
      const sealed = Buffer.concat([
        cipher.update(Buffer.from(JSON.stringify(data))),
        cipher.final(),
        cipher.getAuthTag(),
      ]);
      body.encryption_info = {
        algorithm: 'X25519-ECDH-AES-256-GCM',
        ephemeral_public_key: b64(rawPublic(own)),
        nonce: b64(nonce),
      };
      body.encrypted_payload = b64(sealed);
    } else {
      body.encryption_info = null;
      body.encrypted_payload = '';
    }
    return JSON.stringify(body);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const socket = this.socket;
    if (!socket) return;
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.close();
    });
  }
}
