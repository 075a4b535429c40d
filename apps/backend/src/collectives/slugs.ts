import { randomBytes } from 'node:crypto';
import { suffixedSlug } from '@syfthub/contracts';
import { isUniqueViolation } from '@syfthub/db';
import { ApiError } from '@syfthub/service';

/** How many `-<6 hex>` variants a derived slug gets after the plain one (collectives.md §6.1). */
const SUFFIX_TRIES = 5;

/**
 * Runs `write(slug)` until one slug is free. An explicit slug is tried once and a unique violation of
 * `constraint` is a 409 `takenMessage`; a derived one tries the base (unless `reserved`), then 5 suffixed variants,
 * then answers 409 (C9-C11: the unique index decides, so concurrent writers never see a 500).
 */
export async function withFreeSlug<T>(
  options: {
    explicit: string | undefined;
    derived: string;
    reserved: (slug: string) => boolean;
    constraint: string;
    takenMessage: string;
  },
  write: (slug: string) => Promise<T>,
): Promise<T> {
  const { explicit, derived, constraint } = options;
  if (explicit !== undefined) {
    try {
      return await write(explicit);
    } catch (err) {
      if (isUniqueViolation(err, constraint)) throw new ApiError(409, options.takenMessage);
      throw err;
    }
  }
  const candidates = options.reserved(derived) ? [] : [derived];
  for (let i = 0; i < SUFFIX_TRIES; i++)
    candidates.push(suffixedSlug(derived, randomBytes(3).toString('hex')));
  for (const slug of candidates) {
    try {
      return await write(slug);
    } catch (err) {
      if (!isUniqueViolation(err, constraint)) throw err;
    }
  }
  throw new ApiError(409, 'Could not generate a unique slug; please supply one explicitly');
}
