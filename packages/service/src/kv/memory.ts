import { type Kv, type KvSetOptions, type KvWindow, ttlToMillis } from './types';

export interface MemoryKvOptions {
  keyPrefix?: string;
  /** Upper bound on stored keys; the oldest key is evicted to make room. */
  maxEntries?: number;
  /** How often expired keys are swept out, so keys nobody reads again do not pile up. */
  sweepIntervalMs?: number;
}

interface Entry {
  value: string;
  /** Epoch milliseconds; undefined means no expiry. */
  expiresAt: number | undefined;
}

const DEFAULT_MAX_ENTRIES = 100_000;
const DEFAULT_SWEEP_INTERVAL_MS = 30_000;

/** An in-process store with Redis semantics for a single process: development and tests only. */
export function createMemoryKv(options: MemoryKvOptions = {}): Kv {
  const prefix = options.keyPrefix ?? '';
  const maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
  if (!Number.isInteger(maxEntries) || maxEntries < 1) {
    throw new RangeError(`maxEntries must be a positive integer, got ${maxEntries}`);
  }
  const entries = new Map<string, Entry>();

  const live = (fullKey: string, now = Date.now()): Entry | undefined => {
    const entry = entries.get(fullKey);
    if (entry === undefined) return undefined;
    if (entry.expiresAt !== undefined && entry.expiresAt <= now) {
      entries.delete(fullKey);
      return undefined;
    }
    return entry;
  };

  const store = (fullKey: string, entry: Entry): void => {
    if (!entries.has(fullKey)) {
      // Evicting the oldest key is O(1); scanning for expired keys here would make every insert into a full
      // store O(n), which a flood of distinct keys could exploit. The periodic sweep handles expired keys.
      while (entries.size >= maxEntries) {
        const oldest = entries.keys().next();
        if (oldest.done) break;
        entries.delete(oldest.value);
      }
    }
    entries.set(fullKey, entry);
  };

  const sweep = (): void => {
    const now = Date.now();
    for (const [key, entry] of entries) {
      if (entry.expiresAt !== undefined && entry.expiresAt <= now) entries.delete(key);
    }
  };
  const sweeper = setInterval(sweep, options.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS);
  sweeper.unref();

  return {
    mode: 'memory',

    async get(key) {
      return live(prefix + key)?.value ?? null;
    },

    async set(key, value, setOptions: KvSetOptions = {}) {
      const ttlMs =
        setOptions.ttlSeconds === undefined ? undefined : ttlToMillis(setOptions.ttlSeconds, 'ttlSeconds');
      const fullKey = prefix + key;
      const now = Date.now();
      if (setOptions.onlyIfAbsent && live(fullKey, now) !== undefined) return false;
      store(fullKey, { value, expiresAt: ttlMs === undefined ? undefined : now + ttlMs });
      return true;
    },

    async del(key) {
      const fullKey = prefix + key;
      const existed = live(fullKey) !== undefined;
      entries.delete(fullKey);
      return existed;
    },

    async exists(key) {
      return live(prefix + key) !== undefined;
    },

    async getdel(key) {
      const fullKey = prefix + key;
      const entry = live(fullKey);
      if (entry === undefined) return null;
      entries.delete(fullKey);
      return entry.value;
    },

    async incrWindow(key, windowSeconds): Promise<KvWindow> {
      const windowMs = ttlToMillis(windowSeconds, 'windowSeconds');
      const fullKey = prefix + key;
      const now = Date.now();
      const entry = live(fullKey, now);
      if (entry === undefined) {
        const expiresAt = now + windowMs;
        store(fullKey, { value: '1', expiresAt });
        return { count: 1, resetAt: Math.ceil(expiresAt / 1000) };
      }
      const current = Number.parseInt(entry.value, 10);
      if (!Number.isSafeInteger(current)) throw new Error(`value of ${key} is not an integer`);
      const count = current + 1;
      entry.value = String(count);
      // Matches the Redis script: a counter that somehow lost its expiry gets one, so it cannot block forever.
      entry.expiresAt ??= now + windowMs;
      return { count, resetAt: Math.ceil(entry.expiresAt / 1000) };
    },

    async ping() {},

    async deleteByPrefix(keyPrefix) {
      const start = prefix + keyPrefix;
      let removed = 0;
      const now = Date.now();
      for (const [key, entry] of entries) {
        if (!key.startsWith(start)) continue;
        entries.delete(key);
        if (entry.expiresAt === undefined || entry.expiresAt > now) removed += 1;
      }
      return removed;
    },

    async close() {
      clearInterval(sweeper);
      entries.clear();
    },
  };
}
