import type { PGlite } from '@electric-sql/pglite';
import type { PgliteDatabase } from 'drizzle-orm/pglite';
import type * as schema from './schema';

/** What the migrator needs to reach a handle's database with the right driver. */
export type MigrationTarget =
  | { kind: 'postgres'; url: string; connectTimeoutSeconds: number }
  | { kind: 'pglite'; db: PgliteDatabase<typeof schema>; client: PGlite };

// Keyed by handle so the public DbHandle stays driver-agnostic.
const migrationTargets = new WeakMap<object, MigrationTarget>();

/** Remembers how to migrate the database behind a handle. */
export function registerMigrationTarget(handle: object, target: MigrationTarget): void {
  migrationTargets.set(handle, target);
}

/** The driver-specific target behind a handle created by createDb. */
export function migrationTargetOf(handle: object): MigrationTarget {
  const target = migrationTargets.get(handle);
  if (!target) throw new Error('migrate() needs a handle returned by createDb()');
  return target;
}
