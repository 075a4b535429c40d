import { and, apiTokens, type Db, eq, isNotNull, or, type Tx, type User, users } from '@syfthub/db';

// The account reads and writes of the sign-up, sign-in, e-mail verification and password routes (backend-api §2).

/** The account a sign-in names: by e-mail when the identifier holds an `@`, else by username (both lowercase). */
export async function findUserByLogin(db: Db, identifier: string): Promise<User | undefined> {
  const [user] = await db
    .select()
    .from(users)
    .where(identifier.includes('@') ? eq(users.email, identifier) : eq(users.username, identifier))
    .limit(1);
  return user;
}

/** Accounts already holding this e-mail address or this username (at most two rows). */
export async function accountsHolding(
  db: Db,
  email: string,
  username: string,
): Promise<Array<{ username: string; email: string }>> {
  return db
    .select({ username: users.username, email: users.email })
    .from(users)
    .where(or(eq(users.email, email), eq(users.username, username)));
}

export interface NewLocalAccount {
  username: string;
  email: string;
  fullName: string;
  passwordHash: string;
  isEmailVerified: boolean;
}

/** Inserts a password account with the `user` role; unique violations propagate for the caller to name. */
export async function insertLocalAccount(tx: Tx, account: NewLocalAccount): Promise<User> {
  const [user] = await tx
    .insert(users)
    .values({ ...account, role: 'user', authProvider: 'local' })
    .returning();
  if (!user) throw new Error('insert returned no user');
  return user;
}

/** Whether a registration code may be resent to this address: an active, not yet verified account holds it. */
export async function awaitsEmailVerification(db: Db, email: string): Promise<boolean> {
  const [user] = await db
    .select({ isActive: users.isActive, isEmailVerified: users.isEmailVerified })
    .from(users)
    .where(eq(users.email, email))
    .limit(1);
  return user?.isActive === true && !user.isEmailVerified;
}

export async function findUserByEmail(db: Db | Tx, email: string): Promise<User | undefined> {
  const [user] = await db.select().from(users).where(eq(users.email, email)).limit(1);
  return user;
}

/** Records that the account's address was proven (a code sent to it came back). */
export async function markEmailVerified(tx: Tx, userId: number): Promise<User | undefined> {
  const now = new Date();
  const [verified] = await tx
    .update(users)
    .set({ isEmailVerified: true, emailVerifiedAt: now, updatedAt: now })
    .where(eq(users.id, userId))
    .returning();
  return verified;
}

/** Whether a password-reset code may be sent: an active account with a password holds the address. */
export async function canResetPassword(db: Db, email: string): Promise<boolean> {
  const [user] = await db
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.email, email), eq(users.isActive, true), isNotNull(users.passwordHash)))
    .limit(1);
  return user !== undefined;
}

/**
 * Sets the password of the active account holding `email`, marks the address proven (the reset code reached it)
 * and revokes every API token (whoever held the account before may have minted some). The id, or undefined when
 * no active account holds the address.
 */
export async function resetPassword(
  tx: Tx,
  email: string,
  passwordHash: string,
): Promise<{ id: number } | undefined> {
  const now = new Date();
  const [updated] = await tx
    .update(users)
    .set({ passwordHash, isEmailVerified: true, emailVerifiedAt: now, updatedAt: now })
    .where(and(eq(users.email, email), eq(users.isActive, true)))
    .returning({ id: users.id });
  if (!updated) return undefined;
  await tx
    .update(apiTokens)
    .set({ isActive: false, updatedAt: now })
    .where(and(eq(apiTokens.userId, updated.id), eq(apiTokens.isActive, true)));
  return updated;
}

/** Replaces the stored password hash (a password change, or a rehash after sign-in when parameters changed). */
export async function setPasswordHash(db: Db, userId: number, passwordHash: string): Promise<void> {
  await db.update(users).set({ passwordHash, updatedAt: new Date() }).where(eq(users.id, userId));
}

/** Stamps a successful sign-in; the updated row, or undefined if the account vanished meanwhile. */
export async function stampLogin(db: Db, userId: number): Promise<User | undefined> {
  const now = new Date();
  const [stamped] = await db
    .update(users)
    .set({ lastLoginAt: now, updatedAt: now })
    .where(eq(users.id, userId))
    .returning();
  return stamped;
}

/** Stores the caller's tunnel node key (tunnelling.md §3.4); false when the account is gone. */
export async function setEncryptionPublicKey(db: Db, userId: number, key: string): Promise<boolean> {
  const [row] = await db
    .update(users)
    .set({ encryptionPublicKey: key, updatedAt: new Date() })
    .where(eq(users.id, userId))
    .returning({ id: users.id });
  return row !== undefined;
}

/** Sets the role of the account with this (normalised) username (test routes); undefined when none. */
export async function setRoleByUsername(
  db: Db,
  username: string,
  role: User['role'],
): Promise<User | undefined> {
  const [user] = await db
    .update(users)
    .set({ role, updatedAt: new Date() })
    .where(eq(users.username, username))
    .returning();
  return user;
}
