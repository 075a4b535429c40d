export {
  type CreateDbOptions,
  createDb,
  type Db,
  type DbHandle,
  isPostgresUrl,
  type Schema,
  type Tx,
} from './client';
export {
  isCheckViolation,
  isForeignKeyViolation,
  isUniqueViolation,
  PG_ERROR_CODES,
  type PgErrorInfo,
  pgErrorInfo,
} from './errors';
export {
  type AdvisoryLockOutcome,
  containsPattern,
  escapeLike,
  executeRows,
  truncateAllTables,
  withAdvisoryXactLock,
} from './helpers';
export {
  defaultMigrationsFolder,
  MIGRATION_LOCK_KEY,
  type MigrateOptions,
  type MigrateResult,
  migrate,
  migrationsHash,
} from './migrate';
export * from './operators';
export { DataDirLockedError, PGLITE_LOCK_FILE } from './pglite-lock';
export { type Prepared, planParam, prepared } from './prepared';
export * as schema from './schema';
export * from './schema';
