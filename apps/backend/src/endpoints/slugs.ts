import { RESERVED_SLUGS } from '../validation/rules';

const MAX_SLUG = 63;
const MAX_NUMBERED_SUFFIX = 999;

function cut(value: string, length: number): string {
  return value.slice(0, length).replace(/-+$/, '');
}

/**
 * The slug a name maps to before collisions are considered (§9.1): lowercase, runs outside `[a-z0-9]` become `-`,
 * `-` trimmed, `endpoint-` prefixed when shorter than 3, cut to 63. It depends only on the name, so a sync item
 * without a slug maps to the same endpoint every time.
 */
function baseSlugOf(name: string): string {
  let slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (slug.length < 3) slug = slug === '' ? 'endpoint' : `endpoint-${slug}`;
  return cut(slug, MAX_SLUG);
}

function withSuffix(base: string, suffix: string): string {
  return `${cut(base, MAX_SLUG - suffix.length - 1)}-${suffix}`;
}

/**
 * Derives a slug from `name` that is neither reserved nor in `taken`: the base slug, then `-1` … `-999`, then a
 * 6-digit timestamp suffix.
 */
export function deriveSlug(name: string, taken: ReadonlySet<string>, now: number = Date.now()): string {
  const base = baseSlugOf(name);
  const free = (slug: string) => !RESERVED_SLUGS.has(slug) && !taken.has(slug);
  if (free(base)) return base;
  for (let n = 1; n <= MAX_NUMBERED_SUFFIX; n += 1) {
    const candidate = withSuffix(base, String(n));
    if (free(candidate)) return candidate;
  }
  let stamp = now % 1_000_000;
  for (;;) {
    const candidate = withSuffix(base, String(stamp).padStart(6, '0'));
    if (free(candidate)) return candidate;
    stamp = (stamp + 1) % 1_000_000;
  }
}
