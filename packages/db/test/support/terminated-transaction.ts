// Run by connection-loss.test.ts as its own process: a drizzle transaction over our pool whose connection the
// server terminates while a statement is in flight. The driver then sends the transaction's ROLLBACK on a
// connection that has already lost its socket. Prints the transaction's error code and exits 0 when the process
// is still alive a moment later and its pool still answers; an uncaught exception exits non-zero with its stack on
// stderr.

import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { createDb } from '../../src/index';

const url = process.env.DATABASE_URL;
if (!url) throw new Error('DATABASE_URL is required');

const handle = await createDb({ url, poolSize: 2 });
const killer = postgres(url, { max: 1 });
let pid: number | undefined;
const transaction = handle.db.transaction(async (tx) => {
  const rows = (await tx.execute(sql`select pg_backend_pid() as pid`)) as unknown as Array<{ pid: number }>;
  pid = rows[0]?.pid;
  await tx.execute(sql`select pg_sleep(5)`);
});
while (pid === undefined) await new Promise((r) => setTimeout(r, 20));
await killer`select pg_terminate_backend(${pid})`;
const code = await transaction.then(
  () => 'committed',
  (error: { code?: string; cause?: { code?: string } }) => error.cause?.code ?? error.code ?? 'unknown',
);
// The fatal write, if any, is scheduled with setImmediate: give it several turns of the event loop.
await new Promise((r) => setTimeout(r, 300));
// The pool still serves queries afterwards.
const after = (await handle.db.execute(sql`select 1 as one`)) as unknown as Array<{ one: number }>;
process.stdout.write(`${JSON.stringify({ transaction: code, after: after[0]?.one })}\n`);
// Not handle.close(): ending a pool that lost a connection mid-statement waits out its 5 s timeout (postgres-js
// keeps the dead statement as the connection's current one until a reconnect clears it).
process.exit(0);
