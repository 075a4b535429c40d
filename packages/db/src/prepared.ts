import { type SQL, sql } from 'drizzle-orm';
import type { Db } from './client';

/** A statement prepared with drizzle's `.prepare(name)`: values go in by placeholder name. */
export interface Prepared<T> {
  execute(values?: Record<string, unknown>): Promise<T>;
}

const statements = new WeakMap<Db, Map<string, Prepared<unknown>>>();

/**
 * The statement `name` of a database, built by `build` on first use and kept: hot reads (listings, search, the
 * collective reads) then only fill in values, instead of building a drizzle query per request, which costs more CPU
 * than PostgreSQL needs to answer them. `name` is the prepared statement's name, unique across the application, and
 * must identify the query shape (e.g. per caller kind).
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

/**
 * The value of placeholder `name` as a one-row sub-select, `(select $n::type)`, for prepared statements whose plan
 * should not depend on it. PostgreSQL plans a prepared statement with its values (a "custom" plan) for its first
 * five runs, then keeps one generic plan only if the generic plan's estimated cost is no higher than the custom
 * ones' average. The listing's generic estimate was higher (an unknown LIMIT counts as 10 % of the table, the
 * caller's endpoints as the column's average), so every request was planned again: 0.3–0.4 ms of PostgreSQL CPU a
 * request, more than running the plan. A sub-select's value is unknown to the planner in both plans, so both
 * estimates agree and the generic plan is kept after the fifth run (`pg_prepared_statements.generic_plans`).
 */
export function planParam(name: string, type: 'int' | 'text'): SQL {
  return sql`(select ${sql.placeholder(name)}::${sql.raw(type)})`;
}
