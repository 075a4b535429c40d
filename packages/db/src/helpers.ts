import { type SQLWrapper, sql } from 'drizzle-orm';
import type { Db, Tx } from './client';

/**
 * Runs `db.execute(query)` and returns its rows. postgres-js answers with an array, PGlite with `{ rows }`;
 * callers get an array either way. `T` is the caller's description of the selected columns.
 */
export async function executeRows<T extends Record<string, unknown> = Record<string, unknown>>(
  db: Pick<Db, 'execute'>,
  query: SQLWrapper | string,
): Promise<T[]> {
  const result: unknown = await db.execute(query);
  if (Array.isArray(result)) return result as T[];
  if (typeof result === 'object' && result !== null && 'rows' in result && Array.isArray(result.rows)) {
    return result.rows as T[];
  }
  throw new Error('db.execute returned neither an array nor { rows }');
}

/** Escapes `\`, `%` and `_` so a user's text matches literally inside a LIKE / ILIKE pattern. */
export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (char) => `\\${char}`);
}

/** The LIKE / ILIKE pattern of values containing a user's text, matched literally (see {@link escapeLike}). */
export function containsPattern(value: string): string {
  return `%${escapeLike(value)}%`;
}

/** Outcome of withAdvisoryXactLock: `result` is present only when the lock was acquired and `fn` ran. */
export type AdvisoryLockOutcome<T> = { acquired: true; result: T } | { acquired: false; result?: undefined };

/**
 * Runs `fn(tx)` inside a transaction that holds `pg_try_advisory_xact_lock(key)`, or does nothing when another
 * session holds that lock. The lock ends with the transaction, so a crashed caller never keeps it.
 */
export async function withAdvisoryXactLock<T>(
  db: Db,
  key: number | bigint,
  fn: (tx: Tx) => Promise<T>,
): Promise<AdvisoryLockOutcome<T>> {
  return db.transaction(async (tx): Promise<AdvisoryLockOutcome<T>> => {
    const [row] = await executeRows<{ acquired: boolean }>(
      tx,
      sql`select pg_try_advisory_xact_lock(${String(key)}::bigint) as acquired`,
    );
    if (row?.acquired !== true) return { acquired: false };
    return { acquired: true, result: await fn(tx) };
  });
}

/**
 * Empties every table of the `public` schema (RESTART IDENTITY CASCADE) in one statement, leaving the migrations
 * journal (schema `drizzle`) alone. For test-reset routes only.
 */
export async function truncateAllTables(db: Pick<Db, 'execute'>): Promise<void> {
  const tables = await executeRows<{ name: string }>(
    db,
    sql`select format('%I.%I', schemaname, tablename) as name
        from pg_tables
        where schemaname = 'public' and tablename <> '__drizzle_migrations'
        order by tablename`,
  );
  if (tables.length === 0) return;
  await db.execute(
    sql.raw(`TRUNCATE TABLE ${tables.map((t) => t.name).join(', ')} RESTART IDENTITY CASCADE`),
  );
}
