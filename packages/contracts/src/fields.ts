import { z } from 'zod';

// Field rules of backend-api.md §3.11 that more than one area's request shapes use.

/** `^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`: the slug and tag pattern. */
export const SLUG_PATTERN = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

/** Largest value of a PostgreSQL `integer`: ids beyond it cannot exist. */
export const MAX_INT4 = 2_147_483_647;

/** A database id as a JSON number. */
export const IdSchema = z.number().int().min(1).max(MAX_INT4);

/** http(s) URL with a non-empty host, at most 500 characters (§3.11). */
export const httpUrlSchema = z
  .string()
  .trim()
  .max(500)
  .refine((v) => {
    try {
      const url = new URL(v);
      return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
    } catch {
      return false;
    }
  }, 'URL must be an http:// or https:// URL with a host');

/** Tags (§3.11): trimmed, lowercased, 1..30, pattern, no `--`; empties dropped, duplicates removed, at most 10. */
export const tagsSchema = z
  .array(z.string().max(200))
  .max(100)
  .transform((tags, ctx) => {
    const out: string[] = [];
    for (const raw of tags) {
      const tag = raw.trim().toLowerCase();
      if (tag === '') continue;
      if (tag.length > 30 || !SLUG_PATTERN.test(tag) || tag.includes('--')) {
        ctx.addIssue({ code: 'custom', message: `Invalid tag '${tag.slice(0, 40)}'` });
        return z.NEVER;
      }
      if (!out.includes(tag)) out.push(tag);
    }
    if (out.length > 10) {
      ctx.addIssue({ code: 'custom', message: 'At most 10 tags are allowed' });
      return z.NEVER;
    }
    return out;
  });
