import { createMemoryKv, type MemoryKvOptions } from './memory';
import { createRedisKv, type RedisKvOptions } from './redis';
import type { Kv } from './types';

export { createMemoryKv, type MemoryKvOptions } from './memory';
export { createRedisKv, type RedisKvOptions } from './redis';
export type { Kv, KvSetOptions, KvWindow } from './types';

export type KvOptions = RedisKvOptions & MemoryKvOptions;

/**
 * Opens the store named by `url`: `redis://` or `rediss://` for Redis, `memory://` for process memory.
 * Options that do not apply to the chosen store are ignored.
 */
export function createKv(url: string, options: KvOptions = {}): Kv {
  const scheme = url.slice(0, url.indexOf(':') + 1).toLowerCase();
  switch (scheme) {
    case 'redis:':
    case 'rediss:':
      return createRedisKv(url, options);
    case 'memory:':
      return createMemoryKv(options);
    default:
      throw new Error(
        `Unsupported KV URL scheme "${scheme || '(none)'}": use redis://, rediss:// or memory://`,
      );
  }
}
