import { and, type Db, eq, inArray, users } from '@syfthub/db';

/**
 * Contributor lists of one or more endpoints, deduplicated and filtered to existing active users in ONE query,
 * with the owner always first (§9.1).
 */
export async function filterContributors(
  db: Pick<Db, 'select'>,
  ownerId: number,
  lists: readonly (readonly number[])[],
): Promise<number[][]> {
  const wanted = [...new Set(lists.flat())].filter((id) => id !== ownerId);
  const active = new Set<number>();
  if (wanted.length > 0) {
    const rows = await db
      .select({ id: users.id })
      .from(users)
      .where(and(inArray(users.id, wanted), eq(users.isActive, true)));
    for (const row of rows) active.add(row.id);
  }
  return lists.map((list) => [ownerId, ...new Set(list.filter((id) => active.has(id)))]);
}
