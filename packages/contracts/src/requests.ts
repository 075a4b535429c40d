import { z } from 'zod';
import { JsonObject, Timestamp } from './common';
import { EndpointType, Visibility } from './endpoints';
import { httpUrlSchema } from './fields';
import { Role } from './users';

// Request bodies and queries of the hub's routes as a client sends them (backend-api.md): the fields, their types
// and which are optional. The backend's validators add the limits (lengths, patterns, reserved names); clients and
// the web app use the inferred input types, so a renamed or retyped field is a type error in both.

/** A policy as written (§3.3); omitted fields take the hub's defaults. */
export const PolicyInput = z.object({
  type: z.string(),
  version: z.string().optional(),
  enabled: z.boolean().optional(),
  description: z.string().optional(),
  config: JsonObject.optional(),
});

/** A connection's `config` as written: a base URL or a path, and the satellite's tenant. */
export const ConnectionConfigInput = z.looseObject({
  url: z.string().nullish(),
  path: z.string().nullish(),
  tenant_name: z.string().nullish(),
});

/** A connection as written (§3.3). */
export const ConnectionInput = z.object({
  type: z.string(),
  enabled: z.boolean().optional(),
  description: z.string().optional(),
  config: ConnectionConfigInput.optional(),
});

const endpointEditable = {
  name: z.string(),
  description: z.string(),
  visibility: Visibility,
  archived: z.boolean(),
  version: z.string(),
  readme: z.string(),
  tags: z.array(z.string()),
  policies: z.array(PolicyInput),
  connect: z.array(ConnectionInput),
  contributors: z.array(z.number().int()),
};

/** `EndpointCreate` (§9.1). */
export const EndpointCreate = z.object({
  name: endpointEditable.name,
  type: EndpointType,
  slug: z.string().nullish(),
  description: endpointEditable.description.nullish(),
  visibility: endpointEditable.visibility.nullish(),
  archived: endpointEditable.archived.nullish(),
  version: endpointEditable.version.nullish(),
  readme: endpointEditable.readme.nullish(),
  tags: endpointEditable.tags.nullish(),
  policies: endpointEditable.policies.nullish(),
  connect: endpointEditable.connect.nullish(),
  contributors: endpointEditable.contributors.nullish(),
});

/** `EndpointUpdate` (§9.1): `type` and `slug` cannot change; an absent or null field stays as it is. */
export const EndpointUpdate = z.object({
  name: endpointEditable.name.nullish(),
  description: endpointEditable.description.nullish(),
  visibility: endpointEditable.visibility.nullish(),
  archived: endpointEditable.archived.nullish(),
  version: endpointEditable.version.nullish(),
  readme: endpointEditable.readme.nullish(),
  tags: endpointEditable.tags.nullish(),
  policies: endpointEditable.policies.nullish(),
  connect: endpointEditable.connect.nullish(),
  contributors: endpointEditable.contributors.nullish(),
});

/** `POST /auth/register` (§5.1). */
export const RegisterRequest = z.object({
  username: z.string(),
  email: z.string(),
  full_name: z.string(),
  password: z.string(),
});

/** `POST /auth/tokens` (§5.11): scopes default to `full`; no expiry unless given. */
export const ApiTokenCreate = z.object({
  name: z.string(),
  scopes: z.array(z.enum(['read', 'write', 'full'])).optional(),
  expires_at: Timestamp.nullish(),
});

/** `PUT /users/me` (§6.2). An e-mail change needs `current_password` (sessions only; API tokens cannot). */
export const UserUpdate = z.object({
  username: z.string().optional(),
  email: z.string().optional(),
  full_name: z.string().optional(),
  avatar_url: z.string().optional(),
  domain: z.string().nullish(),
  aggregator_url: z.string().optional(),
  bio: z.string().nullish(),
  is_email_public: z.boolean().optional(),
  current_password: z.string().optional(),
});

/** `POST /users/me/aggregators` (§7); an update sends any subset. */
export const UserAggregatorInput = z.object({
  name: z.string(),
  url: httpUrlSchema,
  is_default: z.boolean().optional(),
});

export const ADMIN_USER_SORT_KEYS = ['username', 'email', 'role', 'created_at', 'last_login_at'] as const;

/** `GET /admin/users` query (§8). */
export const AdminUserQuery = z.object({
  page: z.number().int().optional(),
  page_size: z.number().int().optional(),
  sort_by: z.enum(ADMIN_USER_SORT_KEYS).optional(),
  sort_dir: z.enum(['asc', 'desc']).optional(),
  search: z.string().optional(),
  role: Role.optional(),
  is_active: z.boolean().optional(),
  is_email_verified: z.boolean().optional(),
});

/** `POST /errors/report` (§11): what the web app reports of an unhandled error. */
export const FrontendErrorReport = z.object({
  correlation_id: z.string().optional(),
  timestamp: Timestamp.optional(),
  event: z.literal('frontend.error.unhandled').optional(),
  message: z.string(),
  error: z.object({
    type: z.string(),
    message: z.string().optional(),
    stack_trace: z.string().optional(),
    component_stack: z.string().optional(),
  }),
  context: z
    .object({
      url: z.string().optional(),
      user_agent: z.string().optional(),
      app_state: JsonObject.optional(),
    })
    .optional(),
});

export type PolicyInput = z.input<typeof PolicyInput>;
export type ConnectionInput = z.input<typeof ConnectionInput>;
export type EndpointCreate = z.input<typeof EndpointCreate>;
export type EndpointUpdate = z.input<typeof EndpointUpdate>;
export type RegisterRequest = z.input<typeof RegisterRequest>;
export type ApiTokenCreate = z.input<typeof ApiTokenCreate>;
export type UserUpdate = z.input<typeof UserUpdate>;
export type UserAggregatorInput = z.input<typeof UserAggregatorInput>;
export type AdminUserSortKey = (typeof ADMIN_USER_SORT_KEYS)[number];
export type AdminUserQuery = z.input<typeof AdminUserQuery>;
export type FrontendErrorReport = z.input<typeof FrontendErrorReport>;
