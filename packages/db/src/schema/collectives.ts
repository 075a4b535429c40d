import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
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
import { timestamps, timestamptz } from './columns';
import { endpoints } from './endpoints';
import { users } from './users';

/** Values of `collective_members.status` (backend-api §11.3). */
export const COLLECTIVE_MEMBER_STATUSES = ['pending', 'invited', 'approved', 'rejected'] as const;
export type CollectiveMemberStatus = (typeof COLLECTIVE_MEMBER_STATUSES)[number];

export const collectives = pgTable(
  'collectives',
  {
    id: serial('id').primaryKey(),
    ownerId: integer('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: varchar('name', { length: 100 }).notNull(),
    slug: varchar('slug', { length: 63 }).notNull(),
    description: text('description').notNull().default(''),
    about: text('about').notNull().default(''),
    autoApprove: boolean('auto_approve').notNull().default(false),
    iconUrl: varchar('icon_url', { length: 500 }),
    tags: jsonb('tags').$type<string[]>().notNull().default([]),
    verified: boolean('verified').notNull().default(false),
    /**
     * Denormalised `member_count`/`owner_count` (collectives.md §2.3) over the approved members in `V(caller)` (§5.3)
     * for anonymous callers (`public_*`: public endpoints) and signed-in callers (`listed_*`: public and internal
     * endpoints; each caller adds their own private ones at read time). Kept by triggers (migration 0007) in the
     * transaction of every write that changes them; never written by the application.
     */
    publicMemberCount: integer('public_member_count').notNull().default(0),
    publicOwnerCount: integer('public_owner_count').notNull().default(0),
    listedMemberCount: integer('listed_member_count').notNull().default(0),
    listedOwnerCount: integer('listed_owner_count').notNull().default(0),
    /**
     * Name, description and each tag, lowercased and separated by line breaks (SQL function
     * `collective_search_text`, migration 0010): the listing's `search` tests it with one plain LIKE, which alone
     * is exact for a term without a line break; only a term with one also gets the per-field test (lowercasing
     * three fields, a walk over the tags). Never written by the application.
     */
    searchText: text('search_text').generatedAlwaysAs(sql`collective_search_text(name, description, tags)`),
    ...timestamps(),
  },
  (t) => [
    uniqueIndex('collectives_slug_key').on(t.slug),
    index('collectives_owner_id_idx').on(t.ownerId),
    index('collectives_name_trgm_idx').using('gin', sql`lower(${t.name}) gin_trgm_ops`),
    // The directory lists newest first with an id tie-break (collectives.md R02).
    index('collectives_created_at_id_idx').on(t.createdAt.desc(), t.id.desc()),
    check('collectives_slug_lowercase_check', sql`${t.slug} = lower(${t.slug})`),
  ],
);

export const collectiveMembers = pgTable(
  'collective_members',
  {
    id: serial('id').primaryKey(),
    collectiveId: integer('collective_id')
      .notNull()
      .references(() => collectives.id, { onDelete: 'cascade' }),
    endpointId: integer('endpoint_id')
      .notNull()
      .references(() => endpoints.id, { onDelete: 'cascade' }),
    status: varchar('status', { length: 20 }).$type<CollectiveMemberStatus>().notNull().default('pending'),
    requestedAt: timestamptz('requested_at').notNull().defaultNow(),
    respondedAt: timestamptz('responded_at'),
    reviewedByUserId: integer('reviewed_by_user_id').references(() => users.id, { onDelete: 'set null' }),
    /** Who sent the current invitation (collectives.md §10.5 item 3); upstream loses it. */
    invitedByUserId: integer('invited_by_user_id').references(() => users.id, { onDelete: 'set null' }),
    /** Last invitation e-mail for this row: re-sends are throttled to one per 24 h (collectives.md C18). */
    notifiedAt: timestamptz('notified_at'),
  },
  (t) => [
    uniqueIndex('collective_members_collective_id_endpoint_id_key').on(t.collectiveId, t.endpointId),
    index('collective_members_endpoint_id_idx').on(t.endpointId),
    index('collective_members_collective_id_status_idx').on(t.collectiveId, t.status),
    check(
      'collective_members_status_check',
      sql`${t.status} IN ('pending', 'invited', 'approved', 'rejected')`,
    ),
  ],
);

export const collectiveSharedEndpoints = pgTable(
  'collective_shared_endpoints',
  {
    id: serial('id').primaryKey(),
    collectiveId: integer('collective_id')
      .notNull()
      .references(() => collectives.id, { onDelete: 'cascade' }),
    name: varchar('name', { length: 100 }).notNull(),
    slug: varchar('slug', { length: 63 }).notNull(),
    description: text('description').notNull().default(''),
    ...timestamps(),
  },
  (t) => [
    uniqueIndex('collective_shared_endpoints_collective_id_slug_key').on(t.collectiveId, t.slug),
    // `all` is the never-stored alias of every approved member (collectives.md §1).
    check('collective_shared_endpoints_slug_check', sql`${t.slug} <> 'all' AND ${t.slug} = lower(${t.slug})`),
  ],
);

export const collectiveSharedEndpointMembers = pgTable(
  'collective_shared_endpoint_members',
  {
    sharedEndpointId: integer('shared_endpoint_id')
      .notNull()
      .references(() => collectiveSharedEndpoints.id, { onDelete: 'cascade' }),
    endpointId: integer('endpoint_id')
      .notNull()
      .references(() => endpoints.id, { onDelete: 'cascade' }),
    /** 0-based configuration order, which is also the fan-out order (collectives.md §7, C23). */
    position: integer('position').notNull().default(0),
  },
  (t) => [
    primaryKey({
      name: 'collective_shared_endpoint_members_pkey',
      columns: [t.sharedEndpointId, t.endpointId],
    }),
    index('collective_shared_endpoint_members_endpoint_id_idx').on(t.endpointId),
  ],
);

export type Collective = typeof collectives.$inferSelect;
export type NewCollective = typeof collectives.$inferInsert;
export type CollectiveMember = typeof collectiveMembers.$inferSelect;
export type NewCollectiveMember = typeof collectiveMembers.$inferInsert;
export type CollectiveSharedEndpoint = typeof collectiveSharedEndpoints.$inferSelect;
export type NewCollectiveSharedEndpoint = typeof collectiveSharedEndpoints.$inferInsert;
export type CollectiveSharedEndpointMember = typeof collectiveSharedEndpointMembers.$inferSelect;
export type NewCollectiveSharedEndpointMember = typeof collectiveSharedEndpointMembers.$inferInsert;
