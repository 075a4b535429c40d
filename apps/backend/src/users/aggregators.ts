import type { UserAggregator as UserAggregatorJson } from '@syfthub/contracts';
import {
  and,
  type Db,
  desc,
  eq,
  type NewUserAggregator,
  type Tx,
  type UserAggregator,
  userAggregators,
  users,
} from '@syfthub/db';
import { ApiError } from '@syfthub/service';
import { iso } from './serialize';

export const MAX_AGGREGATORS = 20;

/** The `UserAggregator` wire shape (backend-api.md §3.10). */
export function aggregatorJson(row: UserAggregator): UserAggregatorJson {
  return {
    id: row.id,
    user_id: row.userId,
    name: row.name,
    url: row.url,
    is_default: row.isDefault,
    created_at: iso(row.createdAt),
    updated_at: iso(row.updatedAt),
  };
}

const notFound = () => new ApiError(404, 'Aggregator not found');

/**
 * Serialises every change to one user's aggregators on the user's row, so the count limit and the single-default
 * rule (also enforced by a partial unique index) hold under concurrent requests.
 */
async function lockOwner(tx: Tx, userId: number): Promise<void> {
  await tx.select({ id: users.id }).from(users).where(eq(users.id, userId)).for('update');
}

async function clearDefault(tx: Tx, userId: number): Promise<void> {
  await tx
    .update(userAggregators)
    .set({ isDefault: false, updatedAt: new Date() })
    .where(and(eq(userAggregators.userId, userId), eq(userAggregators.isDefault, true)));
}

/** One of the user's aggregators; 404 for missing ids and for other users' ids alike. */
export async function getAggregator(db: Db | Tx, userId: number, id: number): Promise<UserAggregator> {
  const [row] = await db
    .select()
    .from(userAggregators)
    .where(and(eq(userAggregators.id, id), eq(userAggregators.userId, userId)))
    .limit(1);
  if (!row) throw notFound();
  return row;
}

export function listAggregators(db: Db, userId: number): Promise<UserAggregator[]> {
  return db
    .select()
    .from(userAggregators)
    .where(eq(userAggregators.userId, userId))
    .orderBy(desc(userAggregators.createdAt), desc(userAggregators.id));
}

/** Adds an aggregator; the user's first one, or one created with `isDefault`, becomes the only default. */
export function createAggregator(
  db: Db,
  userId: number,
  input: { name: string; url: string; isDefault: boolean },
): Promise<UserAggregator> {
  return db.transaction(async (tx) => {
    await lockOwner(tx, userId);
    const existing = await tx
      .select({ id: userAggregators.id })
      .from(userAggregators)
      .where(eq(userAggregators.userId, userId));
    if (existing.length >= MAX_AGGREGATORS) {
      throw new ApiError(400, `Maximum number of aggregators (${MAX_AGGREGATORS}) reached`);
    }
    const isDefault = input.isDefault || existing.length === 0;
    if (isDefault) await clearDefault(tx, userId);
    const [row] = await tx
      .insert(userAggregators)
      .values({ userId, name: input.name, url: input.url, isDefault })
      .returning();
    return row as UserAggregator;
  });
}

/**
 * Renames, re-points or makes default. `isDefault: false` is ignored: a user with aggregators always has exactly
 * one default, and clients that resend every field must not lose it by renaming.
 */
export function updateAggregator(
  db: Db,
  userId: number,
  id: number,
  input: { name?: string; url?: string; isDefault?: boolean },
): Promise<UserAggregator> {
  return db.transaction(async (tx) => {
    await lockOwner(tx, userId);
    const current = await getAggregator(tx, userId, id);
    const patch: Partial<NewUserAggregator> = {};
    if (input.name !== undefined) patch.name = input.name;
    if (input.url !== undefined) patch.url = input.url;
    if (input.isDefault === true && !current.isDefault) {
      await clearDefault(tx, userId);
      patch.isDefault = true;
    }
    if (Object.keys(patch).length === 0) return current;
    const [row] = await tx
      .update(userAggregators)
      .set({ ...patch, updatedAt: new Date() })
      .where(eq(userAggregators.id, id))
      .returning();
    return row as UserAggregator;
  });
}

/** Deletes an aggregator; when it was the default, the newest remaining one takes over. */
export function deleteAggregator(db: Db, userId: number, id: number): Promise<void> {
  return db.transaction(async (tx) => {
    await lockOwner(tx, userId);
    const [deleted] = await tx
      .delete(userAggregators)
      .where(and(eq(userAggregators.id, id), eq(userAggregators.userId, userId)))
      .returning();
    if (!deleted) throw notFound();
    if (!deleted.isDefault) return;
    const [newest] = await tx
      .select({ id: userAggregators.id })
      .from(userAggregators)
      .where(eq(userAggregators.userId, userId))
      .orderBy(desc(userAggregators.createdAt), desc(userAggregators.id))
      .limit(1);
    if (newest) {
      await tx
        .update(userAggregators)
        .set({ isDefault: true, updatedAt: new Date() })
        .where(eq(userAggregators.id, newest.id));
    }
  });
}
