import { z } from 'zod';

/** Largest value of a PostgreSQL `integer`/`serial`; bigger ids would make the query itself fail. */
export const MAX_PG_INTEGER = 2_147_483_647;

/** A digits-only path id (the route pattern already rejects non-digits) that fits a `serial` column. */
export const pgIdSchema = z.coerce.number().int().min(1).max(MAX_PG_INTEGER);

export const userIdParams = z.object({ user_id: pgIdSchema });
