/** Why a string cannot be stored in PostgreSQL `text`/`jsonb`. */
export type UnstorableReason = 'nul' | 'surrogate';

// A high surrogate not followed by a low one, or a low one not preceded by a high one (no `u` flag: code units).
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * PostgreSQL rejects U+0000 in text and jsonb, and an unpaired UTF-16 surrogate (`"\ud800"`) has no UTF-8 form,
 * so either one reaching a statement ends as a database error. Null when `text` is storable.
 */
export function unstorableReason(text: string): UnstorableReason | null {
  if (text.includes('\u0000')) return 'nul';
  return LONE_SURROGATE.test(text) ? 'surrogate' : null;
}

/** Whether `text` can be stored in PostgreSQL (see {@link unstorableReason}). */
export function isStorableText(text: string): boolean {
  return unstorableReason(text) === null;
}

/** Where in a parsed value the first unstorable string (a value or a key) is, and why. */
export interface UnstorableText {
  path: Array<string | number>;
  reason: UnstorableReason;
}

/** Finds the first string value or object key in `value` that PostgreSQL could not store; null when none. */
export function findUnstorableText(value: unknown, path: Array<string | number> = []): UnstorableText | null {
  if (typeof value === 'string') {
    const reason = unstorableReason(value);
    return reason ? { path, reason } : null;
  }
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = findUnstorableText(item, [...path, i]);
      if (found) return found;
    }
    return null;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const reason = unstorableReason(key);
      if (reason) return { path: [...path, key], reason };
      const found = findUnstorableText(item, [...path, key]);
      if (found) return found;
    }
  }
  return null;
}

/** The sentence a client sees for each reason. */
export const UNSTORABLE_MESSAGES: Record<UnstorableReason, string> = {
  nul: 'Text must not contain NUL characters',
  surrogate: 'Text must not contain unpaired UTF-16 surrogates',
};
