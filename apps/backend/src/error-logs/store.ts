import { type Db, errorLogs, type NewErrorLog } from '@syfthub/db';

/** Stores one error report (backend-api §12); the caller has validated and capped every field. */
export async function insertErrorLog(db: Db, row: NewErrorLog): Promise<void> {
  await db.insert(errorLogs).values(row);
}
