import { and, type Db, endpoints, eq, type SQL, users } from '@syfthub/db';
import { type EndpointView, endpointViewFields } from './views';

/** `select <endpoint view> from endpoints join users` filtered by `where`: one round trip, owner included. */
export function selectViews(db: Db, where: SQL | undefined) {
  return db
    .select(endpointViewFields)
    .from(endpoints)
    .innerJoin(users, eq(users.id, endpoints.userId))
    .where(where)
    .$dynamic();
}

async function first(db: Db, where: SQL | undefined): Promise<EndpointView | null> {
  const [row] = await selectViews(db, where).limit(1);
  return row ?? null;
}

export function findEndpointById(db: Db, id: number): Promise<EndpointView | null> {
  return first(db, eq(endpoints.id, id));
}

/** By `owner/slug`, both already lowercased (usernames and slugs are stored lowercase). */
export function findEndpointByPath(db: Db, owner: string, slug: string): Promise<EndpointView | null> {
  return first(db, and(eq(users.username, owner), eq(endpoints.slug, slug)));
}

/** One of the caller's own endpoints, in any state. */
export function findOwnEndpoint(db: Db, userId: number, slug: string): Promise<EndpointView | null> {
  return first(db, and(eq(endpoints.userId, userId), eq(endpoints.slug, slug)));
}
