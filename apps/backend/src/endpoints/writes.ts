import {
  type Db,
  type Endpoint,
  endpoints,
  eq,
  isUniqueViolation,
  type NewEndpoint,
  sql,
  type User,
} from '@syfthub/db';
import { ApiError } from '@syfthub/service';
import type { PgUpdateSetSource } from 'drizzle-orm/pg-core';
import { filterContributors } from './contributors';
import type { EndpointCreate, EndpointUpdate } from './schemas';
import { deriveSlug } from './slugs';
import { withAutoTag } from './tags';
import { type EndpointView, viewOf } from './views';

/** Upstream's status and text for an explicit slug the owner already uses (§9.1). */
function slugTakenError(): ApiError {
  return new ApiError(400, 'slug already exists - already taken');
}

/** How many times a derived slug is re-derived when a concurrent create took it first. */
const DERIVE_ATTEMPTS = 3;

type EndpointSet = PgUpdateSetSource<typeof endpoints>;
type Owner = Pick<User, 'id' | 'username' | 'domain' | 'isActive'>;

/** The stored columns of an `EndpointCreate`, once contributors are filtered; slug and owner are added by callers. */
export function createColumns(input: EndpointCreate, contributors: number[]) {
  return {
    name: input.name,
    type: input.type,
    description: input.description,
    visibility: input.visibility,
    archived: input.archived,
    version: input.version,
    readme: input.readme,
    tags: withAutoTag(input.tags, input.policies),
    policies: input.policies,
    connect: input.connect,
    contributors,
  } satisfies Omit<NewEndpoint, 'userId' | 'slug'>;
}

async function ownSlugs(db: Db, userId: number): Promise<Set<string>> {
  const rows = await db.select({ slug: endpoints.slug }).from(endpoints).where(eq(endpoints.userId, userId));
  return new Set(rows.map((row) => row.slug));
}

async function insertEndpoint(db: Db, values: NewEndpoint): Promise<Endpoint | null> {
  try {
    const [row] = await db.insert(endpoints).values(values).returning();
    return row ?? null;
  } catch (err) {
    if (isUniqueViolation(err)) return null;
    throw err;
  }
}

/** `POST /endpoints`: an explicit slug must be free; a derived one gets a suffix until it is. */
export async function createEndpoint(db: Db, owner: Owner, input: EndpointCreate): Promise<EndpointView> {
  const [contributors = [owner.id]] = await filterContributors(db, owner.id, [input.contributors]);
  const columns = { ...createColumns(input, contributors), userId: owner.id };
  if (input.slug) {
    const row = await insertEndpoint(db, { ...columns, slug: input.slug });
    if (!row) throw slugTakenError();
    return viewOf(row, owner);
  }
  for (let attempt = 1; ; attempt += 1) {
    const slug = deriveSlug(input.name, await ownSlugs(db, owner.id));
    const row = await insertEndpoint(db, { ...columns, slug });
    if (row) return viewOf(row, owner);
    if (attempt >= DERIVE_ATTEMPTS) throw slugTakenError();
  }
}

/** `PATCH` by id or slug: applies the non-null fields, re-checks contributors and the auto-tag, bumps updated_at. */
export async function updateEndpoint(
  db: Db,
  current: EndpointView,
  input: EndpointUpdate,
): Promise<EndpointView> {
  const set: EndpointSet = { updatedAt: sql`now()` };
  if (input.name != null) set.name = input.name;
  if (input.description != null) set.description = input.description;
  if (input.visibility != null) set.visibility = input.visibility;
  if (input.archived != null) set.archived = input.archived;
  if (input.version != null) set.version = input.version;
  if (input.readme != null) set.readme = input.readme;
  if (input.policies != null) set.policies = input.policies;
  if (input.connect != null) set.connect = input.connect;
  if (input.tags != null || input.policies != null) {
    set.tags = withAutoTag(input.tags ?? current.tags, input.policies ?? current.policies);
  }
  if (input.contributors != null) {
    const [contributors = [current.userId]] = await filterContributors(db, current.userId, [
      input.contributors,
    ]);
    set.contributors = contributors;
  }
  const [row] = await db.update(endpoints).set(set).where(eq(endpoints.id, current.id)).returning();
  if (!row) throw new ApiError(404, 'Endpoint not found');
  return viewOf(row, {
    username: current.ownerUsername,
    domain: current.ownerDomain,
    isActive: current.ownerIsActive,
  });
}

/** `PATCH /endpoints/{id}/admin`: disabling marks `disabled_by_admin` so the monitor leaves it off (§9.2). */
export async function adminUpdateEndpoint(
  db: Db,
  current: EndpointView,
  input: { is_active?: boolean | null; stars_count?: number | null },
): Promise<EndpointView> {
  const set: EndpointSet = { updatedAt: sql`now()` };
  if (input.is_active === false) Object.assign(set, { isActive: false, disabledByAdmin: true });
  if (input.is_active === true) {
    Object.assign(set, { isActive: true, disabledByAdmin: false, consecutiveFailureCount: 0 });
  }
  if (input.stars_count != null) set.starsCount = input.stars_count;
  const [row] = await db.update(endpoints).set(set).where(eq(endpoints.id, current.id)).returning();
  if (!row) throw new ApiError(404, 'Endpoint not found');
  return viewOf(row, {
    username: current.ownerUsername,
    domain: current.ownerDomain,
    isActive: current.ownerIsActive,
  });
}

/** Hard delete; stars, uptime samples and memberships cascade. */
export async function deleteEndpoint(db: Db, id: number): Promise<void> {
  await db.delete(endpoints).where(eq(endpoints.id, id));
}
