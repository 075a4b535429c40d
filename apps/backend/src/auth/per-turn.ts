/**
 * Shares one lookup among the callers that ask for the same key during one turn of the event loop.
 *
 * The first caller of a key schedules its lookup for the end of the turn (`setImmediate`, after the poll phase
 * that delivered the turn's requests); later callers of the same key in that turn join it. A lookup therefore
 * starts after every caller sharing it arrived, so each caller sees data at least as fresh as a lookup of its own
 * would: a change committed before a request arrived is always seen by it. Callers of the next turn get a new
 * lookup, never one already in flight. Under load many requests of the same caller (or for the same audience)
 * arrive in one turn, and they then cost one round trip instead of one each.
 */
export function perTurn<K, V>(lookup: (key: K) => Promise<V>): (key: K) => Promise<V> {
  interface Waiting {
    promise: Promise<V>;
    resolve(value: V): void;
    reject(reason: unknown): void;
  }
  let waiting = new Map<K, Waiting>();

  function run(): void {
    const batch = waiting;
    waiting = new Map();
    for (const [key, entry] of batch) {
      let started: Promise<V>;
      try {
        started = lookup(key);
      } catch (err) {
        entry.reject(err);
        continue;
      }
      started.then(entry.resolve, entry.reject);
    }
  }

  return (key) => {
    let entry = waiting.get(key);
    if (entry === undefined) {
      if (waiting.size === 0) setImmediate(run);
      let resolve!: (value: V) => void;
      let reject!: (reason: unknown) => void;
      const promise = new Promise<V>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      entry = { promise, resolve, reject };
      waiting.set(key, entry);
    }
    return entry.promise;
  };
}
