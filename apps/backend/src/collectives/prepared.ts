import type { Db } from '@syfthub/db';

/** A statement prepared with drizzle's `.prepare(name)`: values go in by placeholder name. */
export interface Prepared<T> {
  execute(values?: Record<string, unknown>): Promise<T>;
}

const statements = new WeakMap<Db, Map<string, Prepared<unknown>>>();

/**
 * The statement `name` of a database, built by `build` on first use and kept: the hot collective reads (directory,
 * by-slug, path resolution) then only fill in values, instead of building a drizzle query per request, which costs
 * more CPU than PostgreSQL needs to answer them. `name` must identify the query shape (e.g. per caller kind).
 */
export function prepared<T>(db: Db, name: string, build: (name: string) => Prepared<T>): Prepared<T> {
  let byName = statements.get(db);
  if (!byName) {
    byName = new Map();
    statements.set(db, byName);
  }
  let statement = byName.get(name) as Prepared<T> | undefined;
  if (!statement) {
    statement = build(name);
    byName.set(name, statement as Prepared<unknown>);
  }
  return statement;
}
