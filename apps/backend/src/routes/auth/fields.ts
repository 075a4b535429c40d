import { z } from 'zod';

/** A trimmed free-text field of `min..max` characters. */
export function textField(min: number, max: number) {
  return z.string().trim().min(min).max(max);
}

/** A 6-digit one-time code (§5.9). */
export const otpCodeSchema = z.string().regex(/^\d{6}$/, 'Code must be 6 digits');
