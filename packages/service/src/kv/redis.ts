import { Redis } from 'ioredis';
import { type Kv, type KvSetOptions, type KvWindow, ttlToMillis } from './types';

export interface RedisKvOptions {
  keyPrefix?: string;
  /** Longest a command may wait, queued or in flight, before it rejects. */
  commandTimeoutMs?: number;
  /** Called once per outage (first failure after being connected, or at start), not on every retry. */
  onConnectionError?: (err: Error) => void;
}

/** INCR and, when the counter has no expiry yet (first hit), start the window: one atomic round trip. */
const INCR_WINDOW_LUA = `
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
`;

interface WindowCommand {
  syfthubIncrWindow(key: string, windowMs: number): Promise<[number, number]>;
}

const DEFAULT_COMMAND_TIMEOUT_MS = 1000;
const SCAN_BATCH = 500;

/** Escapes Redis glob metacharacters so a prefix matches only itself in SCAN MATCH. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

export function createRedisKv(url: string, options: RedisKvOptions = {}): Kv {
  const prefix = options.keyPrefix ?? '';
  const client = new Redis(url, {
    // Requests must not hang on a dead Redis: queued and in-flight commands reject after the timeout, and the
    // queue is flushed after one failed reconnect, while reconnection keeps going in the background.
    commandTimeout: options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
    connectTimeout: 1000,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: true,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  }) as Redis & WindowCommand;
  client.defineCommand('syfthubIncrWindow', { numberOfKeys: 1, lua: INCR_WINDOW_LUA });

  let healthy = true;
  // Without an 'error' listener ioredis prints every failed reconnect; with one, an outage is reported once.
  client.on('error', (err: Error) => {
    if (!healthy) return;
    healthy = false;
    options.onConnectionError?.(err);
  });
  client.on('ready', () => {
    healthy = true;
  });

  return {
    mode: 'redis',

    get: (key) => client.get(prefix + key),

    async set(key, value, setOptions: KvSetOptions = {}) {
      const fullKey = prefix + key;
      const ttlMs =
        setOptions.ttlSeconds === undefined ? undefined : ttlToMillis(setOptions.ttlSeconds, 'ttlSeconds');
      let reply: string | null;
      if (ttlMs === undefined) {
        reply = setOptions.onlyIfAbsent
          ? await client.set(fullKey, value, 'NX')
          : await client.set(fullKey, value);
      } else {
        reply = setOptions.onlyIfAbsent
          ? await client.set(fullKey, value, 'PX', ttlMs, 'NX')
          : await client.set(fullKey, value, 'PX', ttlMs);
      }
      return reply === 'OK';
    },

    async del(key) {
      return (await client.del(prefix + key)) > 0;
    },

    async exists(key) {
      return (await client.exists(prefix + key)) > 0;
    },

    getdel: (key) => client.getdel(prefix + key),

    async incrWindow(key, windowSeconds): Promise<KvWindow> {
      const windowMs = ttlToMillis(windowSeconds, 'windowSeconds');
      const [count, ttlMs] = await client.syfthubIncrWindow(prefix + key, windowMs);
      return { count, resetAt: Math.ceil((Date.now() + ttlMs) / 1000) };
    },

    async ping() {
      await client.ping();
    },

    async deleteByPrefix(keyPrefix) {
      const pattern = `${escapeGlob(prefix + keyPrefix)}*`;
      let cursor = '0';
      let removed = 0;
      do {
        const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_BATCH);
        cursor = next;
        if (keys.length > 0) removed += await client.unlink(...keys);
      } while (cursor !== '0');
      return removed;
    },

    async close() {
      if (client.status === 'end') return;
      if (client.status === 'ready') {
        try {
          await client.quit();
          return;
        } catch {
          // Falls through to a hard disconnect: the connection is going away either way.
        }
      }
      client.disconnect();
    },
  };
}
