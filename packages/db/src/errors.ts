/** SQLSTATE codes the helpers below recognise. */
export const PG_ERROR_CODES = {
  uniqueViolation: '23505',
  foreignKeyViolation: '23503',
  checkViolation: '23514',
  notNullViolation: '23502',
  lockNotAvailable: '55P03',
  queryCanceled: '57014',
} as const;

/** The driver-independent part of a PostgreSQL error. */
export interface PgErrorInfo {
  code: string;
  constraint?: string;
}

/**
 * Finds the PostgreSQL error behind `err`: postgres-js (`code`, `constraint_name`) or PGlite (`code`,
 * `constraint`), directly or wrapped in `cause` (drizzle wraps driver errors in DrizzleQueryError).
 */
export function pgErrorInfo(err: unknown): PgErrorInfo | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    if ('code' in current && typeof current.code === 'string' && /^[0-9A-Z]{5}$/.test(current.code)) {
      const constraint =
        'constraint_name' in current && typeof current.constraint_name === 'string'
          ? current.constraint_name
          : 'constraint' in current && typeof current.constraint === 'string'
            ? current.constraint
            : undefined;
      return constraint === undefined ? { code: current.code } : { code: current.code, constraint };
    }
    current = 'cause' in current ? current.cause : undefined;
  }
  return undefined;
}

/** True when `err` is a unique violation (23505), optionally of the named constraint or unique index. */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const info = pgErrorInfo(err);
  return (
    info?.code === PG_ERROR_CODES.uniqueViolation &&
    (constraint === undefined || info.constraint === constraint)
  );
}

/** True when `err` is a foreign-key violation (23503). */
export function isForeignKeyViolation(err: unknown): boolean {
  return pgErrorInfo(err)?.code === PG_ERROR_CODES.foreignKeyViolation;
}

/** True when `err` is a CHECK violation (23514), optionally of the named constraint. */
export function isCheckViolation(err: unknown, constraint?: string): boolean {
  const info = pgErrorInfo(err);
  return (
    info?.code === PG_ERROR_CODES.checkViolation &&
    (constraint === undefined || info.constraint === constraint)
  );
}
