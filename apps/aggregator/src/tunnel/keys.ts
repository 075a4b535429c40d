import type { KeyObject } from 'node:crypto';
import { decodePublicKey, importPublicKey, TunnelCipherError } from '@syfthub/tunnel';

// Nodes' long-term public keys, looked up on the hub (`GET /api/v1/nats/encryption-key/{username}`, tunnelling.md
// §3.5) and cached for five minutes per username (§5.7). Concurrent lookups of one name share one hub call. The cache
// holds the imported KeyObject, so a request only pays for its own ephemeral key and the key agreement.

const CACHE_MS = 300_000;
const LOOKUP_TIMEOUT_MS = 5000;

/** `missing`: the owner has no key or does not exist (not connected); `unavailable`: the hub could not say. */
export class KeyLookupError extends Error {
  constructor(
    readonly kind: 'missing' | 'unavailable',
    message: string,
  ) {
    super(message);
    this.name = 'KeyLookupError';
  }
}

export interface KeyDirectoryOptions {
  hubUrl: string;
  fetch?: typeof fetch;
  cacheMs?: number;
  timeoutMs?: number;
}

export class KeyDirectory {
  private readonly cache = new Map<string, { key: KeyObject; until: number }>();
  private readonly pending = new Map<string, Promise<KeyObject>>();
  private readonly fetchImpl: typeof fetch;
  private readonly base: string;

  constructor(private readonly options: KeyDirectoryOptions) {
    this.fetchImpl = options.fetch ?? globalThis.fetch;
    this.base = options.hubUrl.replace(/\/+$/, '');
  }

  /** The public key of `username` (already lowercased and checked by the caller), imported. */
  get(username: string): Promise<KeyObject> {
    const cached = this.cache.get(username);
    if (cached && cached.until > Date.now()) return Promise.resolve(cached.key);
    let lookup = this.pending.get(username);
    if (!lookup) {
      lookup = this.fetchKey(username).finally(() => this.pending.delete(username));
      this.pending.set(username, lookup);
    }
    return lookup;
  }

  /** Forgets a key that a node refused (it restarted with a new one) or that opened nothing. */
  evict(username: string): void {
    this.cache.delete(username);
  }

  private async fetchKey(username: string): Promise<KeyObject> {
    let res: Response;
    try {
      res = await this.fetchImpl(`${this.base}/api/v1/nats/encryption-key/${encodeURIComponent(username)}`, {
        headers: { accept: 'application/json' },
        signal: AbortSignal.timeout(this.options.timeoutMs ?? LOOKUP_TIMEOUT_MS),
      });
    } catch (err) {
      throw new KeyLookupError('unavailable', `hub unreachable: ${(err as Error).message}`);
    }
    const text = await res.text().catch(() => '');
    if (res.status === 404) throw new KeyLookupError('missing', 'no such user');
    if (res.status !== 200) throw new KeyLookupError('unavailable', `hub answered HTTP ${res.status}`);
    let value: unknown;
    try {
      value = (JSON.parse(text) as { encryption_public_key?: unknown }).encryption_public_key;
    } catch {
      throw new KeyLookupError('unavailable', 'hub answered with invalid JSON');
    }
    if (value === null || value === undefined) throw new KeyLookupError('missing', 'no key registered');
    if (typeof value !== 'string')
      throw new KeyLookupError('unavailable', 'hub answered with an invalid key');
    let key: KeyObject;
    try {
      key = importPublicKey(decodePublicKey(value));
    } catch (err) {
      if (err instanceof TunnelCipherError) throw new KeyLookupError('missing', 'registered key is invalid');
      throw err;
    }
    this.cache.set(username, { key, until: Date.now() + (this.options.cacheMs ?? CACHE_MS) });
    return key;
  }
}
