import { randomUUID } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createKv, createMemoryKv, type Kv } from '../src/kv';

const redisUrl = process.env.REDIS_URL;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const nowSeconds = () => Date.now() / 1000;

const adapters: { name: string; open: (keyPrefix: string) => Kv }[] = [
  { name: 'memory', open: (keyPrefix) => createKv('memory://', { keyPrefix }) },
];
if (redisUrl) adapters.push({ name: 'redis', open: (keyPrefix) => createKv(redisUrl, { keyPrefix }) });

describe.each(adapters)('$name adapter', ({ name, open }) => {
  const prefix = `test:kv:${randomUUID()}:`;
  let kv: Kv;

  beforeAll(() => {
    kv = open(prefix);
  });
  afterAll(async () => {
    await kv.deleteByPrefix('');
    await kv.close();
  });

  it('reports its mode and answers ping', async () => {
    expect(kv.mode).toBe(name);
    await expect(kv.ping()).resolves.toBeUndefined();
  });

  it('sets, reads, checks and deletes a key', async () => {
    expect(await kv.get('missing')).toBeNull();
    expect(await kv.exists('missing')).toBe(false);
    expect(await kv.set('basic', 'one')).toBe(true);
    expect(await kv.get('basic')).toBe('one');
    expect(await kv.exists('basic')).toBe(true);
    expect(await kv.set('basic', 'two')).toBe(true);
    expect(await kv.get('basic')).toBe('two');
    expect(await kv.del('basic')).toBe(true);
    expect(await kv.del('basic')).toBe(false);
    expect(await kv.get('basic')).toBeNull();
  });

  it('expires keys after their TTL', async () => {
    await kv.set('ttl', 'soon gone', { ttlSeconds: 0.2 });
    await kv.set('no-ttl', 'stays');
    expect(await kv.get('ttl')).toBe('soon gone');
    await sleep(300);
    expect(await kv.get('ttl')).toBeNull();
    expect(await kv.exists('ttl')).toBe(false);
    expect(await kv.getdel('ttl')).toBeNull();
    expect(await kv.get('no-ttl')).toBe('stays');
  });

  it('rejects a TTL that is not positive', async () => {
    await expect(kv.set('bad-ttl', 'x', { ttlSeconds: 0 })).rejects.toThrow(RangeError);
    await expect(kv.set('bad-ttl', 'x', { ttlSeconds: Number.NaN })).rejects.toThrow(RangeError);
    await expect(kv.incrWindow('bad-window', -1)).rejects.toThrow(RangeError);
    expect(await kv.exists('bad-ttl')).toBe(false);
  });

  it('writes onlyIfAbsent only when the key is missing or expired', async () => {
    expect(await kv.set('nx', 'first', { onlyIfAbsent: true, ttlSeconds: 0.2 })).toBe(true);
    expect(await kv.set('nx', 'second', { onlyIfAbsent: true })).toBe(false);
    expect(await kv.get('nx')).toBe('first');
    await sleep(300);
    expect(await kv.set('nx', 'third', { onlyIfAbsent: true })).toBe(true);
    expect(await kv.get('nx')).toBe('third');
  });

  it('hands a value to exactly one of many concurrent getdel calls', async () => {
    await kv.set('code', 'grant-42', { ttlSeconds: 60 });
    const results = await Promise.all(Array.from({ length: 20 }, () => kv.getdel('code')));
    expect(results.filter((value) => value !== null)).toEqual(['grant-42']);
    expect(await kv.exists('code')).toBe(false);
  });

  it('counts hits in a fixed window and starts a new window after it ends', async () => {
    const before = nowSeconds();
    const first = await kv.incrWindow('window', 0.5);
    const second = await kv.incrWindow('window', 0.5);
    const third = await kv.incrWindow('window', 0.5);
    expect([first.count, second.count, third.count]).toEqual([1, 2, 3]);
    expect(first.resetAt).toBeGreaterThanOrEqual(Math.floor(before));
    expect(first.resetAt).toBeLessThanOrEqual(Math.ceil(before + 0.5) + 1);
    expect(third.resetAt).toBe(first.resetAt);
    expect(await kv.get('window')).toBe('3');

    await sleep(650);
    const fresh = await kv.incrWindow('window', 0.5);
    expect(fresh.count).toBe(1);
    expect(fresh.resetAt).toBeGreaterThanOrEqual(Math.floor(nowSeconds()));
  });

  it('keeps counting across concurrent increments', async () => {
    const results = await Promise.all(Array.from({ length: 25 }, () => kv.incrWindow('busy', 60)));
    expect(results.map((r) => r.count).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 25 }, (_, i) => i + 1),
    );
    expect(new Set(results.map((r) => r.resetAt)).size).toBe(1);
  });

  it('refuses to increment a value that is not a number', async () => {
    await kv.set('text', 'hello');
    await expect(kv.incrWindow('text', 60)).rejects.toThrow();
    expect(await kv.get('text')).toBe('hello');
  });

  it('deletes by prefix, treating glob characters literally', async () => {
    await Promise.all([
      kv.set('del:a:1', '1'),
      kv.set('del:a:2', '2', { ttlSeconds: 60 }),
      kv.set('del:ab:3', '3'),
      kv.set('del:b:1', '4'),
      kv.set('del:x*', '5'),
      kv.set('del:x*y', '6'),
      kv.set('del:xz', '7'),
    ]);
    expect(await kv.deleteByPrefix('del:a:')).toBe(2);
    expect(await kv.exists('del:a:1')).toBe(false);
    expect(await kv.exists('del:a:2')).toBe(false);
    expect(await kv.get('del:ab:3')).toBe('3');
    expect(await kv.get('del:b:1')).toBe('4');

    expect(await kv.deleteByPrefix('del:x*')).toBe(2);
    expect(await kv.get('del:xz')).toBe('7');
    expect(await kv.deleteByPrefix('del:nothing:')).toBe(0);
  });

  it('deletes more keys by prefix than fit in one scan batch', async () => {
    await Promise.all(Array.from({ length: 1200 }, (_, i) => kv.set(`bulk:${i}`, String(i))));
    await kv.set('bulkhead', 'kept');
    expect(await kv.deleteByPrefix('bulk:')).toBe(1200);
    expect(await kv.exists('bulk:0')).toBe(false);
    expect(await kv.exists('bulk:1199')).toBe(false);
    expect(await kv.get('bulkhead')).toBe('kept');
  });

  it('keeps stores with different key prefixes apart', async () => {
    const other = open(`${prefix}other:`);
    try {
      await kv.set('shared-name', 'mine');
      await other.set('shared-name', 'theirs');
      expect(await kv.get('shared-name')).toBe('mine');
      expect(await other.get('shared-name')).toBe('theirs');
      await other.deleteByPrefix('');
      expect(await kv.get('shared-name')).toBe('mine');
    } finally {
      await other.close();
    }
  });
});

describe('createKv', () => {
  it('refuses unknown schemes without echoing the URL', () => {
    expect(() => createKv('postgres://user:secret@db/x')).toThrow(/postgres:/);
    expect(() => createKv('postgres://user:secret@db/x')).not.toThrow(/secret/);
    expect(() => createKv('localhost')).toThrow(/Unsupported KV URL scheme/);
  });
});

describe('memory adapter limits', () => {
  it('evicts the oldest key when full', async () => {
    const kv = createMemoryKv({ maxEntries: 3 });
    await kv.set('a', '1');
    await kv.set('b', '2');
    await kv.set('c', '3');
    await kv.set('b', 'updated');
    await kv.set('d', '4');
    expect(await kv.exists('a')).toBe(false);
    expect(await kv.get('b')).toBe('updated');
    expect(await kv.get('c')).toBe('3');
    expect(await kv.get('d')).toBe('4');
    await kv.close();
  });

  it('sweeps expired keys without anyone reading them', async () => {
    const kv = createMemoryKv({ maxEntries: 2, sweepIntervalMs: 20 });
    await kv.set('durable', 'yes');
    await kv.set('short', 'x', { ttlSeconds: 0.03 });
    await sleep(120);
    // Had the expired key not been swept, the store would be full and this insert would evict 'durable'.
    await kv.set('newcomer', 'y');
    expect(await kv.get('durable')).toBe('yes');
    await kv.close();
  });

  it('rejects a size bound that is not a positive integer', () => {
    expect(() => createMemoryKv({ maxEntries: 0 })).toThrow(RangeError);
  });
});

describe('redis adapter with Redis down', () => {
  it('rejects commands within two seconds, reports the outage once and closes', async () => {
    const onConnectionError = vi.fn();
    const kv = createKv('redis://127.0.0.1:1', { keyPrefix: 'test:dead:', onConnectionError });
    try {
      for (const call of [() => kv.get('x'), () => kv.incrWindow('x', 60), () => kv.ping()]) {
        const started = Date.now();
        await expect(call()).rejects.toThrow();
        expect(Date.now() - started).toBeLessThan(2000);
      }
      expect(onConnectionError).toHaveBeenCalledTimes(1);
    } finally {
      await kv.close();
    }
  });
});

/** A TCP pass-through to the real Redis that a test can take down and bring back on the same port. */
class FlakyProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(
    private readonly host: string,
    private readonly targetPort: number,
  ) {}

  async up(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(this.targetPort, this.host);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    const address = server.address();
    if (address !== null && typeof address === 'object') this.port = address.port;
    this.server = server;
  }

  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    if (server) await new Promise((resolve) => server.close(resolve));
  }
}

describe.runIf(redisUrl)('redis adapter across an outage', () => {
  it('fails fast while Redis is unreachable and reconnects on its own afterwards', async () => {
    const target = new URL(redisUrl ?? '');
    const proxy = new FlakyProxy(target.hostname, Number(target.port || 6379));
    await proxy.up();
    const viaProxy = new URL(target);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    const onConnectionError = vi.fn();
    const kv = createKv(viaProxy.toString(), {
      keyPrefix: `test:kv-outage:${randomUUID()}:`,
      onConnectionError,
    });
    try {
      await kv.set('survivor', 'still here', { ttlSeconds: 60 });

      await proxy.down();
      const started = Date.now();
      await expect(kv.get('survivor')).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(2000);
      await sleep(1000);
      await expect(kv.ping()).rejects.toThrow();
      expect(onConnectionError).toHaveBeenCalledTimes(1);

      await proxy.up();
      await vi.waitFor(() => expect(kv.ping()).resolves.toBeUndefined(), { timeout: 6000, interval: 200 });
      expect(await kv.get('survivor')).toBe('still here');
      expect(onConnectionError).toHaveBeenCalledTimes(1);
      await kv.deleteByPrefix('');
    } finally {
      await kv.close();
      await proxy.down();
    }
  }, 15_000);
});
