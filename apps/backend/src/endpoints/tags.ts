const AUTO_TAG = 'prepaid';
const MAX_TAGS = 10;

/** Appends `prepaid` when a policy is of type `xendit` (§9.1); never removes it. */
export function withAutoTag(tags: readonly string[], policies: readonly { type: string }[]): string[] {
  const billed = policies.some((policy) => policy.type.toLowerCase() === 'xendit');
  if (billed && !tags.includes(AUTO_TAG) && tags.length < MAX_TAGS) return [...tags, AUTO_TAG];
  return [...tags];
}
