import { z } from 'zod';

// PostgreSQL text cannot hold U+0000; refusing it here keeps such input a 422 instead of a database error.
const hasNoNul = (value: string) => !value.includes('\u0000');

/** A trimmed free-text field of `min..max` characters. */
export function textField(min: number, max: number) {
  return z.string().trim().min(min).max(max).refine(hasNoNul, 'Text must not contain NUL characters');
}

/** A 6-digit one-time code (§5.9). */
export const otpCodeSchema = z.string().regex(/^\d{6}$/, 'Code must be 6 digits');
