import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  serial,
  text,
  uniqueIndex,
  varchar,
} from 'drizzle-orm/pg-core';
import { timestamps, timestamptz, tsvector } from './columns';
import { users } from './users';

/** Values of `endpoints.type`. */
export const ENDPOINT_TYPES = ['model', 'data_source', 'model_data_source', 'agent'] as const;
export type EndpointType = (typeof ENDPOINT_TYPES)[number];

/** Values of `endpoints.visibility`. */
export const ENDPOINT_VISIBILITIES = ['public', 'private', 'internal'] as const;
export type EndpointVisibility = (typeof ENDPOINT_VISIBILITIES)[number];

/** Values of `endpoints.health_status`. */
export type EndpointHealthStatus = 'healthy' | 'unhealthy';

/** A policy as stored in `endpoints.policies` (backend-api §3.3; validated by the API before storing). */
export interface StoredPolicy {
  type: string;
  version: string;
  enabled: boolean;
  description: string;
  config: Record<string, unknown>;
}

/** A connection as stored in `endpoints.connect` (backend-api §3.3); `config.url` is stored as given. */
export interface StoredConnection {
  type: string;
  enabled: boolean;
  description: string;
  config: Record<string, unknown>;
}

/**
 * The search document of backend-api §16. Only immutable functions may appear in a generated column, hence the
 * explicit `regconfig` casts and `jsonb_to_tsvector` (rather than casting the tags array to text).
 */
const searchVectorExpression = sql.raw(
  [
    `setweight(to_tsvector('english'::regconfig, "name"), 'A')`,
    `setweight(jsonb_to_tsvector('english'::regconfig, "tags", '["string"]'::jsonb), 'A')`,
    `setweight(to_tsvector('english'::regconfig, "description"), 'B')`,
    `setweight(to_tsvector('english'::regconfig, left("readme", 100000)), 'C')`,
  ].join(' || '),
);

/**
 * The name and tags of the search document (weight A), without description and README, indexed apart: matches in
 * names are far fewer than in whole documents, so "the name has this word" stays a small index read where the
 * word is in a quarter of all READMEs (apps/backend/src/endpoints/search.ts).
 */
const nameVectorExpression = sql.raw(
  [
    `setweight(to_tsvector('english'::regconfig, "name"), 'A')`,
    `setweight(jsonb_to_tsvector('english'::regconfig, "tags", '["string"]'::jsonb), 'A')`,
  ].join(' || '),
);

/**
 * What list search matches of an endpoint besides its owner's username, as one lowercased text: name, description and
 * the tags array as JSON text, separated by line breaks (stored as `search_text`). A match in one of them is a match
 * in this text; the query checks each field after this text has matched (a pattern spanning two fields, or the JSON
 * punctuation of the tags, matches this text only). Stored lowercased, a plain `LIKE` tests it: `ILIKE` lowercased
 * the whole text again for every row it tested.
 */
export const listedTextExpression = sql.raw(
  `lower("name" || chr(10) || "description" || chr(10) || ("tags"::text))`,
);

/** The WHERE clause of public listings (backend-api §3.6), repeated verbatim so the planner uses the indexes. */
export const listedPredicate = sql.raw(`"visibility" = 'public' AND "is_active" AND NOT "archived"`);

export const endpoints = pgTable(
  'endpoints',
  {
    id: serial('id').primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: varchar('name', { length: 100 }).notNull(),
    slug: varchar('slug', { length: 63 }).notNull(),
    description: text('description').notNull().default(''),
    type: varchar('type', { length: 20 }).$type<EndpointType>().notNull(),
    visibility: varchar('visibility', { length: 20 }).$type<EndpointVisibility>().notNull().default('public'),
    isActive: boolean('is_active').notNull().default(true),
    disabledByAdmin: boolean('disabled_by_admin').notNull().default(false),
    archived: boolean('archived').notNull().default(false),
    consecutiveFailureCount: integer('consecutive_failure_count').notNull().default(0),
    healthStatus: varchar('health_status', { length: 20 }).$type<EndpointHealthStatus>(),
    healthCheckedAt: timestamptz('health_checked_at'),
    healthTtlSeconds: integer('health_ttl_seconds'),
    version: varchar('version', { length: 20 }).notNull().default('0.1.0'),
    readme: text('readme').notNull().default(''),
    starsCount: integer('stars_count').notNull().default(0),
    tags: jsonb('tags').$type<string[]>().notNull().default([]),
    contributors: jsonb('contributors').$type<number[]>().notNull().default([]),
    policies: jsonb('policies').$type<StoredPolicy[]>().notNull().default([]),
    connect: jsonb('connect').$type<StoredConnection[]>().notNull().default([]),
    searchVector: tsvector('search_vector').generatedAlwaysAs(searchVectorExpression),
    nameVector: tsvector('name_vector').generatedAlwaysAs(nameVectorExpression),
    searchText: text('search_text').generatedAlwaysAs(listedTextExpression),
    ...timestamps(),
  },
  (t) => [
    uniqueIndex('endpoints_user_id_slug_key').on(t.userId, t.slug),
    index('endpoints_user_id_updated_at_idx').on(t.userId, t.updatedAt.desc().nullsFirst()),
    index('endpoints_listing_idx')
      .on(t.updatedAt.desc().nullsFirst(), t.id.desc().nullsFirst())
      .where(listedPredicate),
    index('endpoints_trending_idx')
      .on(t.starsCount.desc().nullsFirst(), t.updatedAt.desc().nullsFirst())
      .where(listedPredicate),
    index('endpoints_type_idx').on(t.type),
    index('endpoints_search_vector_idx').using('gin', t.searchVector),
    // Search reads listed endpoints only: these hold nothing else, so no match is fetched to be thrown away.
    index('endpoints_listed_search_vector_idx').using('gin', t.searchVector).where(listedPredicate),
    index('endpoints_listed_name_vector_idx').using('gin', t.nameVector).where(listedPredicate),
    index('endpoints_listed_lower_name_idx').on(sql`lower(${t.name})`).where(listedPredicate),
    index('endpoints_name_trgm_idx').using('gin', sql`lower(${t.name}) gin_trgm_ops`),
    index('endpoints_description_trgm_idx').using('gin', t.description.op('gin_trgm_ops')),
    // List search matches tags as text (`tags::text ILIKE ...`); without this it scans the table.
    index('endpoints_tags_trgm_idx').using('gin', sql`(${t.tags}::text) gin_trgm_ops`),
    // List search (`search` of GET /endpoints/public): one trigram index over what it matches of listed endpoints
    // (`search_text`: name, description and tags; the owner's username has its own), so its candidates come from
    // one bounded index read and visibility is decided in the index (apps/backend/src/endpoints/listings.ts).
    index('endpoints_listed_search_text_trgm_idx')
      .using('gin', sql`${t.searchText} gin_trgm_ops`)
      .where(listedPredicate),
    check('endpoints_description_length', sql`char_length(${t.description}) <= 500`),
    check('endpoints_type_check', sql`${t.type} IN ('model', 'data_source', 'model_data_source', 'agent')`),
    check('endpoints_visibility_check', sql`${t.visibility} IN ('public', 'private', 'internal')`),
    check('endpoints_health_status_check', sql`${t.healthStatus} IN ('healthy', 'unhealthy')`),
    check('endpoints_stars_count_nonnegative', sql`${t.starsCount} >= 0`),
  ],
);

/**
 * The condition of public listings and search (backend-api §3.6): public, active, not archived. Queries that use
 * it verbatim match the partial listing and trending indexes.
 */
export const isListedEndpoint = sql<boolean>`${endpoints.visibility} = 'public' AND ${endpoints.isActive} AND NOT ${endpoints.archived}`;

export const endpointStars = pgTable(
  'endpoint_stars',
  {
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    endpointId: integer('endpoint_id')
      .notNull()
      .references(() => endpoints.id, { onDelete: 'cascade' }),
    starredAt: timestamptz('starred_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: 'endpoint_stars_pkey', columns: [t.userId, t.endpointId] }),
    index('endpoint_stars_endpoint_id_idx').on(t.endpointId),
  ],
);

export const endpointUptimeSamples = pgTable(
  'endpoint_uptime_samples',
  {
    endpointId: integer('endpoint_id')
      .notNull()
      .references(() => endpoints.id, { onDelete: 'cascade' }),
    bucketStart: timestamptz('bucket_start').notNull(),
    totalChecks: integer('total_checks').notNull().default(0),
    healthyChecks: integer('healthy_checks').notNull().default(0),
  },
  (t) => [
    primaryKey({ name: 'endpoint_uptime_samples_pkey', columns: [t.endpointId, t.bucketStart] }),
    index('endpoint_uptime_samples_bucket_start_idx').on(t.bucketStart),
  ],
);

/**
 * The share of endpoints whose search document holds each common lexeme: PostgreSQL's own statistics of
 * `endpoints.search_vector` (`pg_stats.most_common_elems`), copied here by the backend when it reads them (on first
 * use, then every few minutes; apps/backend/src/endpoints/search-terms.ts) so that the search statement can look a
 * term up by key instead of receiving and parsing all of them with every request. A lexeme not listed is rarer than
 * every listed one; an empty table makes every term rare.
 */
export const endpointTermStats = pgTable(
  'endpoint_term_stats',
  {
    lexeme: text('lexeme').primaryKey(),
    share: doublePrecision('share').notNull(),
  },
  // The word being typed sums the shares of every lexeme it begins (`starts_with`): an SP-GiST index answers that
  // in microseconds where a scan of the ~1,000 rows took 0.17 ms of every search.
  (t) => [index('endpoint_term_stats_prefix_idx').using('spgist', t.lexeme)],
);

export type Endpoint = typeof endpoints.$inferSelect;
export type NewEndpoint = typeof endpoints.$inferInsert;
export type EndpointStar = typeof endpointStars.$inferSelect;
export type NewEndpointStar = typeof endpointStars.$inferInsert;
export type EndpointUptimeSample = typeof endpointUptimeSamples.$inferSelect;
export type NewEndpointUptimeSample = typeof endpointUptimeSamples.$inferInsert;
