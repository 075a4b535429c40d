import { and, asc, type Db, eq, type User, users } from '@syfthub/db';

export async function findUserById(db: Db, id: number): Promise<User | undefined> {
  const [user] = await db.select().from(users).where(eq(users.id, id)).limit(1);
  return user;
}

/** Usernames are stored lowercase, so every lookup lowercases (README §2.7). */
export async function findUserByUsername(db: Db, username: string): Promise<User | undefined> {
  const [user] = await db
    .select()
    .from(users)
    .where(eq(users.username, username.trim().toLowerCase()))
    .limit(1);
  return user;
}

/** Whether an account holds this (already normalised) username. */
export async function isUsernameTaken(db: Db, username: string): Promise<boolean> {
  const [taken] = await db.select({ id: users.id }).from(users).where(eq(users.username, username)).limit(1);
  return taken !== undefined;
}

/** Whether an account holds this (already normalised) e-mail address. */
export async function isEmailTaken(db: Db, email: string): Promise<boolean> {
  const [taken] = await db.select({ id: users.id }).from(users).where(eq(users.email, email)).limit(1);
  return taken !== undefined;
}

/** A page of every account, ordered by id (the admin listing of §6). */
export async function listUsersById(db: Db, skip: number, limit: number): Promise<User[]> {
  return db.select().from(users).orderBy(asc(users.id)).offset(skip).limit(limit);
}

/** Deletes the account (the database cascades to every owned row); false when there was none. */
export async function deleteUser(db: Db, id: number): Promise<boolean> {
  const deleted = await db.delete(users).where(eq(users.id, id)).returning({ id: users.id });
  return deleted.length > 0;
}

/** The id of the active account with this (normalised) username. */
export async function findActiveUserId(db: Db, username: string): Promise<number | undefined> {
  const [row] = await db
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.username, username), eq(users.isActive, true)))
    .limit(1);
  return row?.id;
}

/** Usernames of active accounts, sorted, at most `limit` (the satellite token audiences). */
export async function activeUsernames(db: Db, limit: number): Promise<string[]> {
  const rows = await db
    .select({ username: users.username })
    .from(users)
    .where(eq(users.isActive, true))
    .orderBy(asc(users.username))
    .limit(limit);
  return rows.map((row) => row.username);
}
