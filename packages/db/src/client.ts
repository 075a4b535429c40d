import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { type MigrationTarget, registerMigrationTarget } from './internal';
import { migrate } from './migrate';
import { acquireDataDirLock } from './pglite-lock';
import * as schema from './schema';

/** The full drizzle schema (tables and relations). */
export type Schema = typeof schema;

/** The database type app code uses, whichever driver (postgres-js or PGlite) is underneath. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

/** The transaction handle passed to `db.transaction(tx => ...)`; a Tx is also usable wherever a Db is expected. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/** Options of createDb. */
export interface CreateDbOptions {
  /** `postgres://` or `postgresql://` selects PostgreSQL; anything else (or nothing) selects embedded PGlite. */
  url?: string;
  /** PGlite data directory; in-memory when absent. Ignored for PostgreSQL. */
  dataDir?: string;
  /** Maximum connections of the PostgreSQL pool (default 10). */
  poolSize?: number;
  /** `statement_timeout` applied to every PostgreSQL connection; 0 or absent means none. */
  statementTimeoutMs?: number;
  /** PostgreSQL connect timeout (default 10). */
  connectTimeoutSeconds?: number;
  /** Apply the checked-in migrations before returning. */
  migrate?: boolean;
  /** Migrations folder for `migrate: true` (bundled apps pass the copy next to their dist). */
  migrationsFolder?: string;
  /** Initial PGlite contents (a `dumpDataDir()` tarball); used by the test helper to clone a migrated database. */
  loadDataDir?: Blob | File;
}

/** An open database: the drizzle `db`, which driver backs it, a readiness probe, and close. */
export interface DbHandle {
  db: Db;
  kind: 'postgres' | 'pglite';
  /** The PostgreSQL connection string (absent for PGlite). */
  url?: string;
  /** Resolves when the database answers `select 1`; rejects otherwise. */
  ping(): Promise<void>;
  /** Ends the pool or closes PGlite (and releases its data-directory lock). Idempotent. */
  close(): Promise<void>;
}

/** True when the string names a PostgreSQL server rather than an embedded database. */
export function isPostgresUrl(url: string | undefined): url is string {
  return url !== undefined && /^postgres(ql)?:\/\//i.test(url);
}

function onlyOnce(fn: () => Promise<void>): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => {
    closing ??= fn();
    return closing;
  };
}

type SqlClient = ReturnType<typeof postgres>;

/**
 * The pool as drizzle sees it, with every statement prepared. postgres-js prepares by default, but drizzle asks for
 * unnamed statements unless a query is built with `.prepare(name)`, so PostgreSQL would parse and plan the same
 * listing query on every request (0.25–0.35 ms each on the benchmark's listings). postgres-js keeps one named
 * statement per distinct text on each connection; our texts come from a fixed set of query shapes.
 */
function preparingClient<T extends object>(client: T): T {
  return new Proxy(client, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      if (property === 'unsafe') {
        return (query: string, params?: unknown[], options?: Record<string, unknown>) =>
          value.call(target, query, params, { ...options, prepare: true });
      }
      if (property === 'begin' || property === 'savepoint') {
        // The transaction's own client (drizzle runs the transaction's statements on it) prepares too.
        return (...args: unknown[]) => {
          const body = args.at(-1) as (tx: object) => unknown;
          return value.call(target, ...args.slice(0, -1), (tx: object) => body(preparingClient(tx)));
        };
      }
      return value.bind(target);
    },
  });
}

/** Seconds before a pool connection retries after `failures` failed attempts: 0.1, 0.2, 0.4, 0.8, then 1. */
export function reconnectDelaySeconds(failures: number): number {
  return Math.min(0.1 * 2 ** Math.max(0, failures - 1), 1);
}

function openPostgres(url: string, options: CreateDbOptions): { handle: DbHandle; target: MigrationTarget } {
  const connectTimeoutSeconds = options.connectTimeoutSeconds ?? 10;
  const client = postgres(url, {
    max: options.poolSize ?? 10,
    connect_timeout: connectTimeoutSeconds,
    // postgres-js waits `backoff(n)` seconds before a connection's next attempt, n counting the pool's failed
    // attempts since the last success; its default grows to 10–20 s, so after an outage of a few seconds under
    // load the pool stayed away that long after the server was back, and requests waited for it. Capped at 1 s.
    backoff: reconnectDelaySeconds,
    // NOTICEs (e.g. "relation already exists, skipping") are routine and would otherwise go to stdout.
    onnotice: () => {},
    // JIT compilation is for long analytic queries; the hub's statements take milliseconds, and a generic plan whose
    // cost estimate crosses jit_above_cost (the list search at ~300,000 endpoints) paid 100–400 ms to compile.
    connection: {
      jit: 'off',
      ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}),
    },
  });
  const db: Db = drizzlePostgres({ client: preparingClient<SqlClient>(client), schema });
  const handle: DbHandle = {
    db,
    kind: 'postgres',
    url,
    ping: async () => {
      await client`select 1`;
    },
    close: onlyOnce(() => client.end({ timeout: 5 })),
  };
  return { handle, target: { kind: 'postgres', url, connectTimeoutSeconds } };
}

async function openPglite(options: CreateDbOptions): Promise<{ handle: DbHandle; target: MigrationTarget }> {
  const release = options.dataDir ? await acquireDataDirLock(options.dataDir) : () => {};
  let client: PGlite;
  try {
    client = await PGlite.create({
      ...(options.dataDir ? { dataDir: options.dataDir } : {}),
      ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}),
      extensions: { pg_trgm },
    });
  } catch (err) {
    release();
    throw err;
  }
  const pgliteDb = drizzlePglite({ client, schema });
  const handle: DbHandle = {
    db: pgliteDb,
    kind: 'pglite',
    ping: async () => {
      await client.query('select 1');
    },
    close: onlyOnce(async () => {
      try {
        await client.close();
      } finally {
        release();
      }
    }),
  };
  return { handle, target: { kind: 'pglite', db: pgliteDb, client } };
}

/**
 * Opens a database: a postgres-js pool for a `postgres://` url, otherwise embedded PGlite (on `dataDir`, or in
 * memory). With `migrate: true` the checked-in migrations are applied first.
 */
export async function createDb(options: CreateDbOptions = {}): Promise<DbHandle> {
  const { handle, target } = isPostgresUrl(options.url)
    ? openPostgres(options.url, options)
    : await openPglite(options);
  registerMigrationTarget(handle, target);
  if (options.migrate) {
    try {
      await migrate(handle, options.migrationsFolder ? { migrationsFolder: options.migrationsFolder } : {});
    } catch (err) {
      await handle.close();
      throw err;
    }
  }
  return handle;
}
