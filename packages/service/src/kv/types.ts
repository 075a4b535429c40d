/** Options of `Kv.set`. */
export interface KvSetOptions {
  /** Expiry in seconds; fractions are honoured to the millisecond. Omitted: the key never expires. */
  ttlSeconds?: number;
  /** Write only when the key does not exist yet (Redis `SET NX`). */
  onlyIfAbsent?: boolean;
}

/** One fixed-window counter after an increment. */
export interface KvWindow {
  /** Hits in the current window, this one included. */
  count: number;
  /** When the current window ends, in epoch seconds. */
  resetAt: number;
}

/**
 * A small key-value store with TTLs: Redis in production, process memory for single-process development.
 * Every key is stored under the store's key prefix; callers never see the prefix.
 */
export interface Kv {
  readonly mode: 'redis' | 'memory';
  get(key: string): Promise<string | null>;
  /** Resolves to false when `onlyIfAbsent` was set and the key already existed. */
  set(key: string, value: string, options?: KvSetOptions): Promise<boolean>;
  /** Resolves to true when a key was removed. */
  del(key: string): Promise<boolean>;
  exists(key: string): Promise<boolean>;
  /** Reads and removes a key atomically, so exactly one concurrent caller gets the value. */
  getdel(key: string): Promise<string | null>;
  /** Increments a fixed-window counter; the first hit of a window starts its expiry. */
  incrWindow(key: string, windowSeconds: number): Promise<KvWindow>;
  /** Rejects when the store cannot answer. */
  ping(): Promise<void>;
  /** Deletes every key starting with `prefix`; resolves to how many were removed. */
  deleteByPrefix(prefix: string): Promise<number>;
  close(): Promise<void>;
}

export function ttlToMillis(seconds: number, what: string): number {
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new RangeError(`${what} must be a positive number of seconds, got ${seconds}`);
  }
  return Math.max(1, Math.ceil(seconds * 1000));
}
