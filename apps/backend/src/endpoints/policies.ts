import type { StoredPolicy } from '@syfthub/db';

function audienceOf(policy: StoredPolicy): string[] | null {
  const appliedTo = policy.config?.applied_to;
  if (!Array.isArray(appliedTo)) return null;
  const audience = appliedTo.filter((entry): entry is string => typeof entry === 'string');
  if (audience.length === 0 || audience.includes('*')) return null;
  return audience.map((entry) => entry.toLowerCase());
}

/**
 * The policies a viewer may see (§3.5). Managers (owner, admin) see all. Anyone else sees the targeted policies
 * that name their e-mail if there are any, otherwise only the wildcard ones; anonymous viewers see wildcards.
 */
export function policiesVisibleTo(
  policies: readonly StoredPolicy[],
  viewerEmail: string | null,
  isManager: boolean,
): StoredPolicy[] {
  if (isManager) return [...policies];
  const email = viewerEmail?.toLowerCase() ?? null;
  const targeted =
    email === null ? [] : policies.filter((policy) => audienceOf(policy)?.includes(email) ?? false);
  if (targeted.length > 0) return targeted;
  return policies.filter((policy) => audienceOf(policy) === null);
}
