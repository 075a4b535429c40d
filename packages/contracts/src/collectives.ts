import { z } from 'zod';
import { Timestamp } from './common';
import { httpUrlSchema, IdSchema, RESERVED_SLUGS, SLUG_PATTERN, tagsSchema } from './fields';

// Collectives (../shared/spec/collectives.md): request bodies, responses and the slug and path rules that the
// hub, the web app and the MCP server must agree on.

/**
 * Collective slugs that collide with routes or pages (collectives.md §2.1): the endpoint list without the mail and
 * help names, plus the collectives' own route segments.
 */
const NOT_RESERVED_FOR_COLLECTIVES = new Set(['mail', 'ftp', 'blog', 'help', 'support']);
export const RESERVED_COLLECTIVE_SLUGS: ReadonlySet<string> = new Set([
  ...[...RESERVED_SLUGS].filter((slug) => !NOT_RESERVED_FOR_COLLECTIVES.has(slug)),
  'collective',
  'collectives',
  'members',
  'invitations',
  'by-slug',
]);

/** The never-stored shared-endpoint alias of "every approved member" (collectives.md §1). */
export const ALL_SHARED_SLUG = 'all';

export const COLLECTIVE_MEMBER_STATUSES = ['pending', 'invited', 'approved', 'rejected'] as const;
export const MemberStatus = z.enum(COLLECTIVE_MEMBER_STATUSES);

/** Endpoint types that may be members (collectives.md §1). */
export const JOINABLE_ENDPOINT_TYPES: readonly string[] = ['data_source', 'model_data_source'];

function checkSlug(value: string, ctx: z.RefinementCtx, options: { reserved: (v: string) => boolean }): void {
  // One message per value, in the order of collectives.md §2.1.
  let message: string | null = null;
  if (value !== value.toLowerCase()) message = 'Slug must contain only lowercase letters';
  else if (options.reserved(value)) message = `'${value}' is a reserved slug and cannot be used`;
  else if (value.includes('--')) message = 'Slug cannot contain consecutive hyphens';
  else if (!SLUG_PATTERN.test(value))
    message =
      'Slug must contain only lowercase letters, numbers, and hyphens, and cannot start or end with a hyphen';
  if (message) ctx.addIssue({ code: 'custom', message });
}

/** An explicit collective slug (collectives.md §2.1): 3..63, already lowercase, not reserved, no `--`. */
export const CollectiveSlugInput = z
  .string()
  .trim()
  .min(3)
  .max(63)
  .superRefine((v, ctx) => checkSlug(v, ctx, { reserved: (s) => RESERVED_COLLECTIVE_SLUGS.has(s) }));

/** An explicit shared-endpoint slug (collectives.md §2.5): 1..63, already lowercase, not `all`, no `--`. */
export const SharedSlugInput = z
  .string()
  .trim()
  .min(1)
  .max(63)
  .superRefine((v, ctx) => checkSlug(v, ctx, { reserved: (s) => s === ALL_SHARED_SLUG }));

function slugify(text: string): string {
  return text
    .toLowerCase()
    .trim()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

function cut(slug: string, length: number): string {
  return slug.slice(0, length).replace(/-+$/, '');
}

/** The slug the hub derives from a collective's name before collision handling (collectives.md §6.1). */
export function deriveCollectiveSlug(name: string): string {
  let slug = slugify(name);
  if (slug.length < 3) slug = `collective-${slug}`.replace(/-+$/, '');
  return cut(slug, 63);
}

/** The slug the hub derives from a shared endpoint's name before collision handling (collectives.md §6.1). */
export function deriveSharedSlug(name: string): string {
  return cut(slugify(name), 63) || 'shared';
}

/** A derived slug's collision variant: the first 56 characters without a trailing `-`, then `-` + `suffix`. */
export function suffixedSlug(base: string, suffix: string): string {
  return `${cut(base, 56)}-${suffix}`;
}

const name = z.string().trim().min(1).max(100);
const description = z.string().trim().max(500);
const about = z.string().max(50_000);

/** Body of `POST /collectives` (collectives.md §2.1). */
export const CollectiveCreate = z.object({
  name,
  slug: CollectiveSlugInput.optional(),
  description: description.default(''),
  about: about.default(''),
  auto_approve: z.boolean().default(false),
  icon_url: httpUrlSchema.nullable().default(null),
  tags: tagsSchema.default([]),
});

/** Body of `PATCH /collectives/{id}` (§2.2): present fields only; explicit null only for `icon_url`. */
export const CollectiveUpdate = z.object({
  name: name.optional(),
  description: description.optional(),
  about: about.optional(),
  auto_approve: z.boolean().optional(),
  icon_url: httpUrlSchema.nullable().optional(),
  tags: tagsSchema.optional(),
});

/** Body of `PATCH /admin/collectives/{id}` (§14 D6). */
export const CollectiveVerifiedUpdate = z.object({ verified: z.boolean() });

/** Body of a join request or an invitation by id. */
export const MembershipRequest = z.object({ endpoint_id: IdSchema });

/** Body of an invitation by path. */
export const InvitationByPath = z.object({
  owner_username: z.string().trim().min(1).max(100),
  slug: z.string().trim().min(1).max(100),
});

export const ReviewDecision = z.object({ decision: z.enum(['approve', 'reject']) });
export const InvitationDecision = z.object({ decision: z.enum(['accept', 'decline']) });

/** Configured members of a shared endpoint: at least one, duplicates dropped keeping the first. */
const endpointIds = z
  .array(IdSchema)
  .min(1)
  .max(1000)
  .transform((ids) => [...new Set(ids)]);

/** Body of `POST …/shared-endpoints` (§2.5). */
export const SharedEndpointCreate = z.object({
  name,
  description: description.default(''),
  slug: SharedSlugInput.optional(),
  endpoint_ids: endpointIds,
});

/** Body of `PATCH …/shared-endpoints/{shared}` (§2.5); `endpoint_ids: null` leaves the set unchanged. */
export const SharedEndpointUpdate = z.object({
  name: name.optional(),
  description: description.optional(),
  endpoint_ids: endpointIds.nullable().optional(),
});

/** `Collective` (§2.3); the counts follow what the caller may see. */
export const Collective = z.object({
  id: z.number().int(),
  owner_id: z.number().int(),
  name: z.string(),
  slug: z.string(),
  shared_endpoint_path: z.string(),
  description: z.string(),
  about: z.string(),
  auto_approve: z.boolean(),
  icon_url: z.string().nullable(),
  tags: z.array(z.string()),
  verified: z.boolean(),
  member_count: z.number().int(),
  owner_count: z.number().int(),
  created_at: Timestamp,
  updated_at: Timestamp,
});

/** `CollectiveMember` (§2.4); the `endpoint_*` fields are null when the endpoint cannot be shown. */
export const CollectiveMember = z.object({
  id: z.number().int(),
  collective_id: z.number().int(),
  endpoint_id: z.number().int(),
  status: MemberStatus,
  requested_at: Timestamp,
  responded_at: Timestamp.nullable(),
  reviewed_by_user_id: z.number().int().nullable(),
  endpoint_name: z.string().nullable(),
  endpoint_description: z.string().nullable(),
  endpoint_slug: z.string().nullable(),
  endpoint_owner_username: z.string().nullable(),
  endpoint_owner_full_name: z.string().nullable(),
  endpoint_type: z.string().nullable(),
});

/** One configured member of a shared endpoint; `is_active` = currently an approved member. */
export const SharedEndpointMember = z.object({
  endpoint_id: z.number().int(),
  endpoint_name: z.string().nullable(),
  endpoint_slug: z.string().nullable(),
  endpoint_owner_username: z.string().nullable(),
  endpoint_type: z.string().nullable(),
  is_active: z.boolean(),
});

/** `SharedEndpoint` (§2.6). */
export const SharedEndpoint = z.object({
  id: z.number().int(),
  collective_id: z.number().int(),
  collective_slug: z.string(),
  name: z.string(),
  slug: z.string(),
  shared_endpoint_path: z.string(),
  description: z.string(),
  members: z.array(SharedEndpointMember),
  member_count: z.number().int(),
  active_member_count: z.number().int(),
  created_at: Timestamp,
  updated_at: Timestamp,
});

export const BillingKind = z.enum(['prepaid', 'mpp', 'free']);
export const BillingUnit = z.enum(['request', 'document']);

/** How one member is paid for (§2.7, §8). */
export const MemberBilling = z.object({
  kind: BillingKind,
  provider: z.string().nullable(),
  currency: z.string().nullable(),
  price_per_unit: z.number().nullable(),
  unit: BillingUnit,
  payment_url: z.string().nullable(),
  credits_url: z.string().nullable(),
  invoices_url: z.string().nullable(),
  bundles: z.array(z.object({ name: z.string(), amount: z.number() })),
});

/** `BillingSummary` (§2.7). */
export const BillingSummary = z.object({
  members: z.array(
    z.object({
      endpoint_id: z.number().int(),
      endpoint_name: z.string(),
      endpoint_slug: z.string(),
      endpoint_owner_username: z.string(),
      endpoint_owner_full_name: z.string(),
      endpoint_type: z.string(),
      billing: MemberBilling,
    }),
  ),
  estimated_price: z.array(z.object({ currency: z.string(), amount: z.number() })),
  free_count: z.number().int(),
  prepaid_count: z.number().int(),
  mpp_count: z.number().int(),
});

export type CollectiveCreate = z.input<typeof CollectiveCreate>;
export type CollectiveUpdate = z.input<typeof CollectiveUpdate>;
export type SharedEndpointCreate = z.input<typeof SharedEndpointCreate>;
export type SharedEndpointUpdate = z.input<typeof SharedEndpointUpdate>;
export type Collective = z.infer<typeof Collective>;
export type CollectiveMember = z.infer<typeof CollectiveMember>;
export type MemberStatus = z.infer<typeof MemberStatus>;
export type SharedEndpointMember = z.infer<typeof SharedEndpointMember>;
export type SharedEndpoint = z.infer<typeof SharedEndpoint>;
export type MemberBilling = z.infer<typeof MemberBilling>;
export type BillingSummary = z.infer<typeof BillingSummary>;
