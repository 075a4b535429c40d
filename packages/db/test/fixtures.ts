import { type Db, endpoints, type NewEndpoint, type NewUser, users } from '../src/index';

let counter = 0;

/** Inserts a user with unique lowercase username and e-mail; fields may be overridden. */
export async function insertUser(db: Db, overrides: Partial<NewUser> = {}) {
  counter += 1;
  const [user] = await db
    .insert(users)
    .values({
      username: `user${counter}`,
      email: `user${counter}@example.com`,
      fullName: `User ${counter}`,
      ...overrides,
    })
    .returning();
  if (!user) throw new Error('insert returned no row');
  return user;
}

/** Inserts an endpoint owned by `userId`; fields may be overridden. */
export async function insertEndpoint(db: Db, userId: number, overrides: Partial<NewEndpoint> = {}) {
  counter += 1;
  const [endpoint] = await db
    .insert(endpoints)
    .values({
      userId,
      name: `Endpoint ${counter}`,
      slug: `endpoint-${counter}`,
      type: 'data_source',
      ...overrides,
    })
    .returning();
  if (!endpoint) throw new Error('insert returned no row');
  return endpoint;
}
