import { MAX_INT4 } from '@syfthub/contracts';
import { ENDPOINT_TYPES, ENDPOINT_VISIBILITIES } from '@syfthub/db';
import { z } from 'zod';
import { connectionUrlProblem, RESERVED_SLUGS, slugSchema, tagsSchema } from '../validation/rules';

export { MAX_INT4 };

// Request bodies of backend-api.md §3.3 and §9.1. Every endpoint write (create, update, sync) goes through these.

/** Serialised size limit of a policy's or connection's `config` (§3.3). */
const MAX_CONFIG_BYTES = 16 * 1024;
const MAX_POLICIES = 20;
const MAX_CONNECTIONS = 10;
const MAX_CONTRIBUTORS = 50;
const MAX_SYNC_ITEMS = 300;

const configObject = z
  .record(z.string(), z.unknown())
  .refine(
    (config) => Buffer.byteLength(JSON.stringify(config)) <= MAX_CONFIG_BYTES,
    `config must serialise to at most ${MAX_CONFIG_BYTES} bytes`,
  );

export const endpointTypeSchema = z.enum(ENDPOINT_TYPES);
export const visibilitySchema = z.enum(ENDPOINT_VISIBILITIES);

/** A `Policy`; unknown keys are rejected (`extra_forbidden`), as upstream does. */
const policySchema = z.strictObject({
  type: z.string().trim().min(1).max(100),
  version: z
    .string()
    .trim()
    .max(20)
    .regex(/^\d+\.\d+$/, 'Version must look like "1.0"')
    .default('1.0'),
  enabled: z.boolean().default(true),
  description: z.string().trim().max(500).default(''),
  config: configObject.default({}),
});

/** `config.url` / `config.path`: a base URL or a path, without credentials, query or fragment. */
const connectionUrl = z
  .string()
  .max(500)
  .superRefine((value, ctx) => {
    const problem = connectionUrlProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: `Connection URL ${problem}` });
  })
  .nullish();

/** A `Connection`; `config.url` is stored as given and rewritten only in responses (§3.4). */
const connectionSchema = z.strictObject({
  type: z.string().trim().min(1).max(50),
  enabled: z.boolean().default(true),
  description: z.string().trim().max(500).default(''),
  config: z
    .looseObject({
      url: connectionUrl,
      path: connectionUrl,
      tenant_name: z.string().max(100).nullish(),
    })
    .pipe(configObject)
    .default({}),
});

/** An explicit slug: the shared slug rule plus the reserved list. */
const endpointSlugSchema = slugSchema.refine((slug) => !RESERVED_SLUGS.has(slug), 'Slug is reserved');

const semverSchema = z
  .string()
  .trim()
  .max(20)
  .regex(/^\d+\.\d+\.\d+$/, 'Version must be semantic (MAJOR.MINOR.PATCH)');

const contributorIds = z.array(z.number().int().min(1).max(MAX_INT4)).max(MAX_CONTRIBUTORS);

/** Fields shared by create and update; `null` on update means "unchanged". */
const editableFields = {
  name: z.string().trim().min(1).max(100),
  description: z.string().trim().max(500),
  visibility: visibilitySchema,
  archived: z.boolean(),
  version: semverSchema,
  readme: z.string().trim().max(50_000),
  tags: tagsSchema,
  policies: z.array(policySchema).max(MAX_POLICIES),
  connect: z.array(connectionSchema).max(MAX_CONNECTIONS),
  contributors: contributorIds,
};

/** `EndpointCreate` (§9.1). */
export const endpointCreateSchema = z.object({
  name: editableFields.name,
  type: endpointTypeSchema,
  slug: endpointSlugSchema.nullish(),
  description: editableFields.description.nullish().transform((v) => v ?? ''),
  visibility: editableFields.visibility.nullish().transform((v) => v ?? 'public'),
  archived: editableFields.archived.nullish().transform((v) => v ?? false),
  version: editableFields.version.nullish().transform((v) => v ?? '0.1.0'),
  readme: editableFields.readme.nullish().transform((v) => v ?? ''),
  tags: editableFields.tags.nullish().transform((v) => v ?? []),
  policies: editableFields.policies.nullish().transform((v) => v ?? []),
  connect: editableFields.connect.nullish().transform((v) => v ?? []),
  contributors: editableFields.contributors.nullish().transform((v) => v ?? []),
});
export type EndpointCreate = z.output<typeof endpointCreateSchema>;

/** `EndpointUpdate` (§9.1): `type` and `slug` are immutable, so they are ignored like any unknown key. */
export const endpointUpdateSchema = z.object({
  name: editableFields.name.nullish(),
  description: editableFields.description.nullish(),
  visibility: editableFields.visibility.nullish(),
  archived: editableFields.archived.nullish(),
  version: editableFields.version.nullish(),
  readme: editableFields.readme.nullish(),
  tags: editableFields.tags.nullish(),
  policies: editableFields.policies.nullish(),
  connect: editableFields.connect.nullish(),
  contributors: editableFields.contributors.nullish(),
});
export type EndpointUpdate = z.output<typeof endpointUpdateSchema>;

/** `EndpointAdminUpdate` (§9.1). */
export const endpointAdminUpdateSchema = z.object({
  is_active: z.boolean().nullish(),
  stars_count: z.number().int().min(0).max(MAX_INT4).nullish(),
});

/** `POST /endpoints/sync` body (§9.4). */
export const syncBodySchema = z.object({
  endpoints: z.array(endpointCreateSchema).max(MAX_SYNC_ITEMS),
});

/** An `{endpoint_id}` path segment (digits only by route); ids beyond int4 simply match nothing. */
export const endpointIdParams = z.object({
  endpoint_id: z.string().transform((v) => {
    const id = Number(v);
    return Number.isSafeInteger(id) && id <= MAX_INT4 ? id : 0;
  }),
});

/** Path segments naming an owner and one of their slugs; both are matched case-insensitively. */
export const ownerSlugParams = z.object({
  owner: z.string().transform((v) => v.toLowerCase()),
  slug: z.string().transform((v) => v.toLowerCase()),
});
