import { describe, expect, it } from 'vitest';
import { createDb } from '../src/client';
import { sql } from '../src/index';

const serverUrl = process.env.DATABASE_URL;

// A statement waits for the first connection that frees up, never behind a slow statement on a busy one: with
// postgres-js's default pipelining, a quick query sent while every connection was busy queued behind whichever
// statement that connection was running.
describe.skipIf(!serverUrl)('the PostgreSQL pool', () => {
  it('runs a waiting statement on the first connection that frees up', async () => {
    const handle = await createDb({ url: serverUrl, poolSize: 2 });
    try {
      const { db } = handle;
      await Promise.all([db.execute(sql`select 1`), db.execute(sql`select 1`)]); // both connections open
      const order: string[] = [];
      const slow = db.execute(sql`select pg_sleep(2)`).then(() => order.push('slow'));
      const short = db.execute(sql`select pg_sleep(0.2)`).then(() => order.push('short'));
      const waiting = db.execute(sql`select 1`).then(() => order.push('waiting'));
      await Promise.all([slow, short, waiting]);
      expect(order).toEqual(['short', 'waiting', 'slow']);
    } finally {
      await handle.close();
    }
  });
});
