import { and, type Db, endpointStars, endpoints, eq, executeRows, sql } from '@syfthub/db';

// Each change is one statement, so the star row and the counter move together (§9.2, fix 16).

/** Stars an endpoint; true when this call added the star, false when it was already there. */
export async function starEndpoint(db: Db, userId: number, endpointId: number): Promise<boolean> {
  const rows = await executeRows<{ id: number }>(
    db,
    sql`with added as (
          insert into ${endpointStars} (user_id, endpoint_id) values (${userId}, ${endpointId})
          on conflict do nothing
          returning endpoint_id
        )
        update ${endpoints} set stars_count = stars_count + 1
        where id in (select endpoint_id from added)
        returning id`,
  );
  return rows.length > 0;
}

/** Removes a star if present; the counter only drops when a row was deleted, and never below 0. */
export async function unstarEndpoint(db: Db, userId: number, endpointId: number): Promise<void> {
  await db.execute(
    sql`with removed as (
          delete from ${endpointStars} where user_id = ${userId} and endpoint_id = ${endpointId}
          returning endpoint_id
        )
        update ${endpoints} set stars_count = greatest(stars_count - 1, 0)
        where id in (select endpoint_id from removed)`,
  );
}

export async function hasStarred(db: Db, userId: number, endpointId: number): Promise<boolean> {
  const [row] = await db
    .select({ userId: endpointStars.userId })
    .from(endpointStars)
    .where(and(eq(endpointStars.userId, userId), eq(endpointStars.endpointId, endpointId)))
    .limit(1);
  return row !== undefined;
}
