import { RESERVED_USERNAMES, SLUG_PATTERN } from '@syfthub/contracts';
import { ApiError, baseUrlProblem, validationItem } from '@syfthub/service';
import { z } from 'zod';

export { httpUrlSchema, RESERVED_SLUGS, RESERVED_USERNAMES, tagsSchema } from '@syfthub/contracts';

// Shared field rules of backend-api.md §3.11 and §2.4: every route that takes one of these uses the same schema.

const USERNAME_PATTERN = /^[A-Za-z0-9_-]+$/;

/** Username: 3..50 of `[A-Za-z0-9_-]`, lowercased. Reserved names are a 409 at the route, not a 422. */
export const usernameSchema = z
  .string()
  .trim()
  .min(3)
  .max(50)
  .regex(USERNAME_PATTERN, 'Username may contain only letters, digits, "_" and "-"')
  .transform((v) => v.toLowerCase());

/** Whether a (lowercased) username is syntactically valid and not reserved. */
export function isAvailableUsernameShape(username: string): boolean {
  return usernameSchema.safeParse(username).success && !RESERVED_USERNAMES.has(username.toLowerCase());
}

/** E-mail: a valid address of at most 255 characters, lowercased. */
export const emailSchema = z
  .string()
  .trim()
  .max(255)
  .pipe(z.email('value is not a valid email address'))
  .transform((v) => v.toLowerCase());

/** Password strength (§2.4): min length, at most 256, at least one letter and one digit. Never trimmed. */
export function passwordSchema(minLength: number) {
  return z
    .string()
    .min(minLength)
    .max(256)
    .refine((v) => /\p{L}/u.test(v), 'Password must contain at least one letter')
    .refine((v) => /\d/.test(v), 'Password must contain at least one digit');
}

const TUNNELING = /^tunneling:[A-Za-z0-9_-]{1,50}$/;
const HAS_SCHEME = /^[a-z][a-z0-9+.-]*:/i;
const CONNECTION_SCHEMES = ['http:', 'https:', 'ws:', 'wss:'];

/**
 * Why a connection's `config.url` (or `config.path`) cannot be stored, or null (§3.3, §3.4). Empty, `tunneling:`
 * and absolute values are kept as given, relative ones are joined to the owner's domain; either way the hub and
 * the aggregator append the query path to the result, so credentials, a query or a fragment would redirect that
 * POST elsewhere (issue 19 defect 11).
 */
export function connectionUrlProblem(value: string): string | null {
  if (value === '' || TUNNELING.test(value)) return null;
  if (HAS_SCHEME.test(value)) return baseUrlProblem(value, CONNECTION_SCHEMES);
  if (value.includes('?')) return 'must not contain a query (?)';
  if (value.includes('#')) return 'must not contain a fragment (#)';
  return null;
}

/**
 * Domain (§3.11): whitespace and trailing `/` stripped; an http URL reduced to `scheme://host[:port]`, or
 * `tunneling:<name>`.
 */
export const domainSchema = z
  .string()
  .trim()
  .max(500)
  .transform((v, ctx) => {
    const value = v.replace(/\/+$/, '');
    // Subjects are case-sensitive and both tunnel ends lowercase the name (tunnelling.md §4).
    if (TUNNELING.test(value)) return value.toLowerCase();
    // Connection paths are joined to the domain, so it is held to the base-URL rule (issue 19 defect 11).
    const problem = baseUrlProblem(value);
    if (problem === null) {
      const url = new URL(value);
      return `${url.protocol}//${url.host}`;
    }
    const message = URL.canParse(value)
      ? `Domain ${problem}`
      : 'Domain must be an http(s) URL or tunneling:<name>';
    ctx.addIssue({ code: 'custom', message });
    return z.NEVER;
  });

const TUNNEL_PREFIX = 'tunneling:';

/**
 * tunnelling.md §3.6 [fix]: a `tunneling:<name>` domain or connection URL must name its owner (case-insensitive),
 * or anyone could point their listing at someone else's node. A 422 naming the field otherwise.
 */
export function assertOwnTunnel(value: unknown, ownerUsername: string, path: Array<string | number>): void {
  if (typeof value !== 'string' || !value.startsWith(TUNNEL_PREFIX)) return;
  if (value.slice(TUNNEL_PREFIX.length).toLowerCase() === ownerUsername.toLowerCase()) return;
  throw new ApiError(422, [
    validationItem(
      'body',
      path,
      'value_error',
      `Value error, a tunnel must be named after its owner: tunneling:${ownerUsername}`,
      {
        input: value,
      },
    ),
  ]);
}

/** {@link assertOwnTunnel} for every connection's `config.url` and `config.path`. */
export function assertOwnTunnelConnections(
  connect: ReadonlyArray<{ config: Record<string, unknown> }> | null | undefined,
  ownerUsername: string,
  path: Array<string | number> = ['connect'],
): void {
  (connect ?? []).forEach((connection, index) => {
    for (const field of ['url', 'path']) {
      assertOwnTunnel(connection.config[field], ownerUsername, [...path, index, 'config', field]);
    }
  });
}

/** Endpoint slug (§3.11): 3..63, lowercased first, pattern, no `--`. Reserved slugs are checked by the route. */
export const slugSchema = z
  .string()
  .trim()
  .transform((v) => v.toLowerCase())
  .pipe(
    z
      .string()
      .min(3)
      .max(63)
      .regex(SLUG_PATTERN, 'Slug may contain only lowercase letters, digits and single hyphens inside')
      .refine((v) => !v.includes('--'), 'Slug may not contain "--"'),
  );

/** `skip`/`limit` query parameters (README §2.5) with a route's default and maximum limit. */
export function paginationQuery(defaultLimit: number, maxLimit: number) {
  return {
    skip: z.coerce.number().int().min(0).default(0),
    limit: z.coerce.number().int().min(1).max(maxLimit).default(defaultLimit),
  };
}

/** A query-string boolean: true/false/1/0 (FastAPI-compatible). */
export const queryBool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'])
  .transform((v) => ['true', '1', 'yes', 'on'].includes(v));
