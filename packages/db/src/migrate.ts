import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import type { Db, DbHandle } from './client';
import { executeRows } from './helpers';
import { migrationTargetOf } from './internal';

/** The checked-in migrations, resolved from this source file so any working directory works. */
export const defaultMigrationsFolder = fileURLToPath(new URL('../drizzle', import.meta.url));

/** Advisory lock key (operations §4) that makes concurrent migration runs wait for each other. */
export const MIGRATION_LOCK_KEY = 839200;

/** Options of migrate. */
export interface MigrateOptions {
  /** Folder holding the drizzle-kit SQL files and `meta/_journal.json` (default: this package's `drizzle/`). */
  migrationsFolder?: string;
}

/** What a migrate run did: the tags (file names without `.sql`) it applied, in order; empty when up to date. */
export interface MigrateResult {
  applied: string[];
}

interface JournalEntry {
  tag: string;
  when: number;
}

function readJournal(folder: string): JournalEntry[] {
  const journal: unknown = JSON.parse(readFileSync(join(folder, 'meta', '_journal.json'), 'utf8'));
  if (
    typeof journal !== 'object' ||
    journal === null ||
    !('entries' in journal) ||
    !Array.isArray(journal.entries)
  ) {
    throw new Error(`Invalid drizzle journal in ${folder}`);
  }
  return journal.entries.map((entry: unknown): JournalEntry => {
    if (
      typeof entry !== 'object' ||
      entry === null ||
      !('tag' in entry) ||
      !('when' in entry) ||
      typeof entry.tag !== 'string' ||
      typeof entry.when !== 'number'
    ) {
      throw new Error(`Invalid drizzle journal entry in ${folder}`);
    }
    return { tag: entry.tag, when: entry.when };
  });
}

/** A digest of the journal and every migration file; it changes whenever the schema's migrations change. */
export function migrationsHash(migrationsFolder = defaultMigrationsFolder): string {
  const hash = createHash('sha256');
  for (const entry of readJournal(migrationsFolder)) {
    hash.update(`${entry.tag}\0${entry.when}\0`);
    hash.update(readFileSync(join(migrationsFolder, `${entry.tag}.sql`)));
  }
  return hash.digest('hex');
}

// drizzle's migrator applies every journal entry newer than the newest recorded `created_at`.
async function lastAppliedMillis(db: Pick<Db, 'execute'>): Promise<number | undefined> {
  const [present] = await executeRows<{ present: boolean }>(
    db,
    sql`select to_regclass('drizzle.__drizzle_migrations') is not null as present`,
  );
  if (!present?.present) return undefined;
  const [row] = await executeRows<{ last: string | null }>(
    db,
    sql`select max(created_at)::text as last from drizzle.__drizzle_migrations`,
  );
  return row?.last ? Number(row.last) : undefined;
}

async function runWith(
  db: Pick<Db, 'execute'>,
  folder: string,
  apply: () => Promise<void>,
): Promise<MigrateResult> {
  const before = await lastAppliedMillis(db);
  await apply();
  const applied = readJournal(folder)
    .filter((entry) => before === undefined || entry.when > before)
    .map((entry) => entry.tag);
  return { applied };
}

/**
 * Applies the pending checked-in migrations to the database behind `handle` (from createDb); a no-op when up to
 * date. PostgreSQL runs use a dedicated connection holding advisory lock 839200, so concurrent runs queue.
 */
export async function migrate(handle: DbHandle, options: MigrateOptions = {}): Promise<MigrateResult> {
  const migrationsFolder = options.migrationsFolder ?? defaultMigrationsFolder;
  const target = migrationTargetOf(handle);
  if (target.kind === 'pglite') {
    return runWith(target.db, migrationsFolder, () => migratePglite(target.db, { migrationsFolder }));
  }
  // A single connection, so the session-level lock is held by the very connection that migrates.
  const client = postgres(target.url, {
    max: 1,
    connect_timeout: target.connectTimeoutSeconds,
    onnotice: () => {},
  });
  try {
    await client`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
    const db = drizzlePostgres({ client });
    return await runWith(db, migrationsFolder, () => migratePostgres(db, { migrationsFolder }));
  } finally {
    await client.end({ timeout: 5 });
  }
}
