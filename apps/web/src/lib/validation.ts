/**
 * Client-side copies of the hub's rules (backend-api.md §2.4, §3.3, §3.11, §9.1), so forms can answer before a
 * round trip. The hub stays the authority: its 409/422 answers are still mapped onto the same fields.
 */

import { RESERVED_SLUGS, RESERVED_USERNAMES } from '@syfthub/contracts';

/** The hub's lists, from the contract. */
export { RESERVED_SLUGS, RESERVED_USERNAMES };

export const LIMITS = {
  name: 100,
  fullName: 100,
  description: 500,
  readme: 50_000,
  bio: 2_000,
  tags: 10,
  tagLength: 30,
  policies: 20,
  connections: 10,
  configBytes: 16 * 1024,
  url: 500,
  passwordMin: 8,
  passwordMax: 256,
  tokenName: 100,
} as const;

type Check = string | null;

const SLUG_PATTERN = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

export function validateUsername(value: string): Check {
  const username = value.trim();
  if (username.length < 3) return 'Use at least 3 characters.';
  if (username.length > 50) return 'Use at most 50 characters.';
  if (!/^[A-Za-z0-9_-]+$/.test(username)) return 'Use only letters, digits, "-" and "_".';
  if (RESERVED_USERNAMES.has(username.toLowerCase())) return 'This username is reserved.';
  return null;
}

export function validateEmail(value: string): Check {
  const email = value.trim();
  if (!email) return 'Enter your e-mail address.';
  if (email.length > 255) return 'Use at most 255 characters.';
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) return 'Enter a valid e-mail address.';
  return null;
}

export function validateRequired(value: string, label: string, max: number): Check {
  const text = value.trim();
  if (!text) return `${label} is required.`;
  if (text.length > max) return `${label} must be at most ${max} characters.`;
  return null;
}

export function validateMaxLength(value: string, label: string, max: number): Check {
  return value.trim().length > max ? `${label} must be at most ${max} characters.` : null;
}

export function validatePassword(value: string): Check {
  if (value.length < LIMITS.passwordMin) return `Use at least ${LIMITS.passwordMin} characters.`;
  if (value.length > LIMITS.passwordMax) return `Use at most ${LIMITS.passwordMax} characters.`;
  if (!/\p{L}/u.test(value)) return 'Include at least one letter.';
  if (!/\p{Nd}/u.test(value)) return 'Include at least one digit.';
  return null;
}

export const PASSWORD_RULES = [
  `At least ${LIMITS.passwordMin} characters`,
  'At least one letter',
  'At least one digit',
];

/** 0 (weak) to 4 (strong): length and character variety, for the strength meter only. */
export function passwordStrength(value: string): { score: 0 | 1 | 2 | 3 | 4; label: string } {
  if (!value) return { score: 0, label: 'Empty' };
  let score = 0;
  if (value.length >= 8) score++;
  if (value.length >= 12) score++;
  if (/[a-z]/.test(value) && /[A-Z]/.test(value)) score++;
  if (/\d/.test(value) && /[^A-Za-z0-9]/.test(value)) score++;
  if (validatePassword(value)) score = Math.min(score, 1);
  const labels = ['Too weak', 'Weak', 'Fair', 'Good', 'Strong'] as const;
  const bounded = Math.min(4, score) as 0 | 1 | 2 | 3 | 4;
  return { score: bounded, label: labels[bounded] };
}

export function validateSlug(value: string): Check {
  if (value.length < 3) return 'Use at least 3 characters.';
  if (value.length > 63) return 'Use at most 63 characters.';
  if (!SLUG_PATTERN.test(value))
    return 'Use lowercase letters, digits and "-", starting and ending with a letter or digit.';
  if (value.includes('--')) return 'Do not use "--".';
  if (RESERVED_SLUGS.has(value)) return 'This slug is reserved.';
  return null;
}

/** The hub's slug derivation (backend-api.md §9.1), without the uniqueness suffix. */
export function deriveSlug(name: string): string {
  let slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (slug.length < 3) slug = `endpoint-${slug}`.replace(/-+$/, '');
  return slug.slice(0, 63).replace(/-+$/, '');
}

export function normalizeTag(value: string): string {
  return value.trim().toLowerCase();
}

export function validateTag(value: string): Check {
  const tag = normalizeTag(value);
  if (!tag) return 'Tags cannot be empty.';
  if (tag.length > LIMITS.tagLength) return `Use at most ${LIMITS.tagLength} characters.`;
  if (!SLUG_PATTERN.test(tag)) return 'Use lowercase letters, digits and "-".';
  if (tag.includes('--')) return 'Do not use "--".';
  return null;
}

export function validateSemver(value: string): Check {
  return /^\d+\.\d+\.\d+$/.test(value.trim()) ? null : 'Use the form 1.2.3.';
}

export function validatePolicyVersion(value: string): Check {
  return /^\d+\.\d+$/.test(value.trim()) ? null : 'Use the form 1.0.';
}

export function validateHttpUrl(value: string): Check {
  const text = value.trim();
  if (text.length > LIMITS.url) return `Use at most ${LIMITS.url} characters.`;
  try {
    const url = new URL(text);
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname)
      return 'Use an http:// or https:// URL.';
    return null;
  } catch {
    return 'Use an http:// or https:// URL.';
  }
}

export function validateDomain(value: string): Check {
  const text = value.trim();
  if (!text) return null;
  if (text.startsWith('tunneling:')) {
    return /^tunneling:[A-Za-z0-9_-]{1,50}$/.test(text)
      ? null
      : 'Use tunneling:<name> with 1–50 letters or digits.';
  }
  return validateHttpUrl(text);
}

/** An avatar URL may be empty, schemeless, or http(s); never `javascript:` or `data:` (backend-api.md §6.1). */
export function validateAvatarUrl(value: string): Check {
  const text = value.trim();
  if (!text) return null;
  if (text.length > LIMITS.url) return `Use at most ${LIMITS.url} characters.`;
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(text)?.[1]?.toLowerCase();
  if (scheme && scheme !== 'http' && scheme !== 'https') return 'Use an http:// or https:// URL.';
  return null;
}

/** Parses an "advanced" JSON editor: must be an object of at most 16 KiB. */
export function parseJsonObject(text: string): { value: Record<string, unknown> } | { error: string } {
  const source = text.trim() || '{}';
  let parsed: unknown;
  try {
    parsed = JSON.parse(source);
  } catch {
    return { error: 'This is not valid JSON.' };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return { error: 'Use a JSON object: { … }.' };
  if (new TextEncoder().encode(JSON.stringify(parsed)).length > LIMITS.configBytes) {
    return { error: 'The configuration must be at most 16 KiB.' };
  }
  return { value: parsed as Record<string, unknown> };
}

/** Register form: the e-mail's local part, lowercased, invalid characters removed, padded to 3 (web.md §5.7). */
export function usernameFromEmail(email: string): string {
  const local = (email.split('@')[0] ?? '')
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '')
    .slice(0, 50);
  return local.length === 0 ? '' : local.padEnd(3, '0');
}
