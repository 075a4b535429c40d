import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import postgres from 'postgres';
import { createDb, type Db, type DbHandle, isPostgresUrl } from './client';
import { migrationTargetOf } from './internal';
import { migrate, migrationsHash } from './migrate';

/** An isolated database for one test file or test; `close()` disposes of it. */
export interface TestDatabase {
  db: Db;
  handle: DbHandle;
  /** Connection string of this database (PostgreSQL only), e.g. for server processes started by the test. */
  url?: string;
  close(): Promise<void>;
}

/** Options of createTestDatabase. */
export interface TestDatabaseOptions {
  /** Pool size of the returned handle (PostgreSQL only; default 3, enough for concurrent-transaction tests). */
  poolSize?: number;
  /** `false` gives an empty, unmigrated database (default: migrated). */
  migrate?: boolean;
  /** Use an in-memory PGlite even when `DATABASE_URL` is set (to test embedded-mode behaviour explicitly). */
  embedded?: boolean;
}

// Serialises template creation across vitest workers and processes (advisory locks are per database, and every
// caller connects to the same DATABASE_URL database).
const TEMPLATE_LOCK_KEY = 839299;
const noop = () => {};

function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

async function withAdminClient<T>(serverUrl: string, fn: (admin: postgres.Sql) => Promise<T>): Promise<T> {
  const admin = postgres(serverUrl, { max: 1, onnotice: noop });
  try {
    return await fn(admin);
  } finally {
    await admin.end({ timeout: 5 });
  }
}

const templates = new Map<string, Promise<string>>();

// The template is built under a temporary name and renamed when complete, so a crash mid-way never leaves a
// half-migrated template behind; its name carries the migrations' hash, so changed migrations get a new one.
function ensureTemplate(serverUrl: string): Promise<string> {
  const name = `syfthub_tmpl_${migrationsHash().slice(0, 16)}`;
  const key = `${serverUrl}\0${name}`;
  let pending = templates.get(key);
  if (!pending) {
    pending = withAdminClient(serverUrl, async (admin) => {
      await admin`select pg_advisory_lock(${TEMPLATE_LOCK_KEY})`;
      const existing = await admin`select 1 from pg_database where datname = ${name}`;
      if (existing.length > 0) return name;
      const building = `${name}_building`;
      await admin.unsafe(`drop database if exists ${quoteIdent(building)} with (force)`);
      await admin.unsafe(`create database ${quoteIdent(building)}`);
      const handle = await createDb({ url: databaseUrl(serverUrl, building), poolSize: 1 });
      try {
        await migrate(handle);
      } finally {
        await handle.close();
      }
      await admin.unsafe(`alter database ${quoteIdent(building)} rename to ${quoteIdent(name)}`);
      await admin.unsafe(`alter database ${quoteIdent(name)} with is_template true allow_connections false`);
      return name;
    });
    pending.catch(() => templates.delete(key));
    templates.set(key, pending);
  }
  return pending;
}

async function createPostgresTestDatabase(
  serverUrl: string,
  options: TestDatabaseOptions,
): Promise<TestDatabase> {
  const template = options.migrate === false ? 'template0' : await ensureTemplate(serverUrl);
  const name = `syfthub_test_${process.pid}_${randomBytes(6).toString('hex')}`;
  await withAdminClient(serverUrl, (admin) =>
    admin.unsafe(`create database ${quoteIdent(name)} template ${quoteIdent(template)}`),
  );
  const url = databaseUrl(serverUrl, name);
  const handle = await createDb({ url, poolSize: options.poolSize ?? 3 });
  let closing: Promise<void> | undefined;
  return {
    db: handle.db,
    handle,
    url,
    close: () => {
      closing ??= (async () => {
        await handle.close();
        await withAdminClient(serverUrl, (admin) =>
          admin.unsafe(`drop database if exists ${quoteIdent(name)} with (force)`),
        );
      })();
      return closing;
    },
  };
}

let pgliteTemplate: Promise<Blob> | undefined;

// The dump format belongs to the PGlite build, so the cache key includes its version.
function pgliteVersion(): string {
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const manifest: unknown = JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8'));
  return typeof manifest === 'object' && manifest !== null && 'version' in manifest
    ? String(manifest.version)
    : 'unknown';
}

async function dumpMigratedPglite(): Promise<Blob> {
  const handle = await createDb({ migrate: true });
  try {
    const target = migrationTargetOf(handle);
    if (target.kind !== 'pglite') throw new Error('expected an embedded database');
    return await target.client.dumpDataDir('none');
  } finally {
    await handle.close();
  }
}

// Migrating PGlite takes seconds; loading a dump of an already-migrated instance is several times faster. The dump
// is cached on disk so that every vitest worker and process after the first one skips the migration.
async function loadOrBuildPgliteDump(): Promise<Blob> {
  const cacheDir = join(tmpdir(), 'syfthub-db-test-cache');
  const fileName = `pglite-${pgliteVersion()}-${migrationsHash().slice(0, 16)}.tar`;
  const cacheFile = join(cacheDir, fileName);
  try {
    return new Blob([await readFile(cacheFile)]);
  } catch {
    // Not cached yet (or unreadable): build it below.
  }
  const dump = await dumpMigratedPglite();
  try {
    await mkdir(cacheDir, { recursive: true });
    const partial = `${cacheFile}.${process.pid}.${randomBytes(4).toString('hex')}.partial`;
    await writeFile(partial, new Uint8Array(await dump.arrayBuffer()));
    await rename(partial, cacheFile);
    for (const other of await readdir(cacheDir)) {
      if (other.startsWith('pglite-') && other.endsWith('.tar') && other !== fileName) {
        await rm(join(cacheDir, other), { force: true });
      }
    }
  } catch {
    // The cache is an optimisation; an unwritable temp directory only costs time.
  }
  return dump;
}

function migratedPgliteDump(): Promise<Blob> {
  pgliteTemplate ??= loadOrBuildPgliteDump();
  pgliteTemplate.catch(() => {
    pgliteTemplate = undefined;
  });
  return pgliteTemplate;
}

async function createPgliteTestDatabase(options: TestDatabaseOptions): Promise<TestDatabase> {
  const handle =
    options.migrate === false
      ? await createDb()
      : await createDb({ loadDataDir: await migratedPgliteDump() });
  return { db: handle.db, handle, close: () => handle.close() };
}

/**
 * Creates an isolated, migrated database: a fresh database on the `DATABASE_URL` server (cloned from a migrated
 * template; dropped on close), or an in-memory PGlite when `DATABASE_URL` is unset.
 */
export function createTestDatabase(options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const serverUrl = process.env.DATABASE_URL;
  return isPostgresUrl(serverUrl) && !options.embedded
    ? createPostgresTestDatabase(serverUrl, options)
    : createPgliteTestDatabase(options);
}
