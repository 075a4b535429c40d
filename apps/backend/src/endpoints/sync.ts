import { and, type Db, endpoints, eq, notInArray, sql, type User } from '@syfthub/db';
import { ApiError } from '@syfthub/service';
import { filterContributors } from './contributors';
import type { EndpointCreate } from './schemas';
import { deriveSlug } from './slugs';
import { type EndpointView, viewOf } from './views';
import { createColumns } from './writes';

export interface BatchError {
  index: number;
  field: string;
  error: string;
}

/**
 * The slug of every batch item (§9.4 step 1): explicit slugs first, duplicates reported; missing slugs derived from
 * the name so they are unique within the batch only, since the batch replaces the whole set.
 */
function planSlugs(items: readonly EndpointCreate[]): { slugs: string[]; errors: BatchError[] } {
  const errors: BatchError[] = [];
  const taken = new Set<string>();
  items.forEach((item, index) => {
    if (!item.slug) return;
    if (taken.has(item.slug)) {
      errors.push({ index, field: 'slug', error: `Duplicate slug '${item.slug}' in batch` });
    }
    taken.add(item.slug);
  });
  const slugs = items.map((item) => {
    if (item.slug) return item.slug;
    const slug = deriveSlug(item.name, taken);
    taken.add(slug);
    return slug;
  });
  return { slugs, errors };
}

function batchValidationError(errors: BatchError[]): ApiError {
  return new ApiError(400, {
    code: 'VALIDATION_ERROR',
    message: `Batch validation failed with ${errors.length} error(s)`,
    errors,
  });
}

export interface SyncResult {
  synced: number;
  deleted: number;
  endpoints: EndpointView[];
}

type Owner = Pick<User, 'id' | 'username' | 'domain' | 'isActive'>;

/** First key of the per-account sync lock (the two-key form, a lock space apart from the jobs' single keys). */
const SYNC_LOCK_CLASS = 839210;

/** Columns a sync overwrites on an existing endpoint; id, stars, health and `is_active` are kept (§9.4 step 2). */
const overwritten = {
  name: sql`excluded.name`,
  type: sql`excluded.type`,
  description: sql`excluded.description`,
  visibility: sql`excluded.visibility`,
  archived: sql`excluded.archived`,
  version: sql`excluded.version`,
  readme: sql`excluded.readme`,
  tags: sql`excluded.tags`,
  policies: sql`excluded.policies`,
  connect: sql`excluded.connect`,
  contributors: sql`excluded.contributors`,
  updatedAt: sql`now()`,
};

/**
 * Replaces the owner's endpoint set with `items` in one transaction: upsert by slug, delete the rest. Throws the
 * batch 400 before touching anything, and SYNC_FAILED (500) after rolling back if the database fails.
 */
export async function syncEndpoints(
  db: Db,
  owner: Owner,
  items: readonly EndpointCreate[],
  onFailure: (err: unknown) => void,
): Promise<SyncResult> {
  const { slugs, errors } = planSlugs(items);
  if (errors.length > 0) throw batchValidationError(errors);
  const contributorLists = await filterContributors(
    db,
    owner.id,
    items.map((item) => item.contributors),
  );
  const values = items.map((item, index) => ({
    ...createColumns(item, contributorLists[index] ?? [owner.id]),
    userId: owner.id,
    slug: slugs[index]!,
  }));

  try {
    return await db.transaction(async (tx) => {
      // Two syncs of one account would otherwise lock the same rows in different orders and deadlock.
      await tx.execute(sql`select pg_advisory_xact_lock(${SYNC_LOCK_CLASS}::int, ${owner.id}::int)`);
      const ownedBy = eq(endpoints.userId, owner.id);
      const deleted = await tx
        .delete(endpoints)
        .where(slugs.length > 0 ? and(ownedBy, notInArray(endpoints.slug, slugs)) : ownedBy)
        .returning({ id: endpoints.id });
      const rows =
        values.length > 0
          ? await tx
              .insert(endpoints)
              .values(values)
              .onConflictDoUpdate({ target: [endpoints.userId, endpoints.slug], set: overwritten })
              .returning()
          : [];
      const bySlug = new Map(rows.map((row) => [row.slug, row]));
      return {
        synced: items.length,
        deleted: deleted.length,
        endpoints: slugs.map((slug) => viewOf(bySlug.get(slug)!, owner)),
      };
    });
  } catch (err) {
    onFailure(err);
    throw new ApiError(500, {
      code: 'SYNC_FAILED',
      message: 'Failed to sync endpoints. Transaction rolled back.',
    });
  }
}
