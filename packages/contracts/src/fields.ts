import { z } from 'zod';

// Field rules of backend-api.md §3.11 that more than one area's request shapes use.

/** `^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`: the slug and tag pattern. */
export const SLUG_PATTERN = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

/**
 * Usernames that collide with root paths, SPA routes or route segments (§3.11), compared lowercase. The hub
 * refuses them; the web app's forms and the satellite's catalogue check the same list.
 */
export const RESERVED_USERNAMES: ReadonlySet<string> = new Set(
  (
    'api aggregator mcp admin auth docs redoc openapi.json health ready metrics well-known static assets public ' +
    'slug trending search sync guest guest-accessible by-path browse chat build about collectives c profile join ' +
    'settings cli-setup login logout register q nats my endpoints users www help support null undefined root system'
  ).split(' '),
);

/** Endpoint slugs that may not be used (upstream list, §3.11). */
export const RESERVED_SLUGS: ReadonlySet<string> = new Set(
  (
    'api auth docs redoc openapi.json health admin www mail ftp blog help support about contact terms privacy ' +
    'login register dashboard settings profile search explore'
  ).split(' '),
);

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
