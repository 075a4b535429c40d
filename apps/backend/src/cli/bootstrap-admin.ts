import { eq, users } from '@syfthub/db';
import type { BackendDeps } from '../deps';
import { emailSchema, passwordSchema, RESERVED_USERNAMES, usernameSchema } from '../validation/rules';

/** A BOOTSTRAP_ADMIN_* setting that cannot be used; start-up stops with this message. */
export class BootstrapAdminError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BootstrapAdminError';
  }
}

function parseSetting<T>(
  name: string,
  schema: { safeParse(value: unknown): { success: true; data: T } | { success: false } },
  value: string,
): T {
  const parsed = schema.safeParse(value);
  // The value is never echoed: for the password it is the secret itself.
  if (!parsed.success) throw new BootstrapAdminError(`${name} is not valid (same rules as registration)`);
  return parsed.data;
}

/**
 * Creates or promotes the admin named by BOOTSTRAP_ADMIN_* (if set), so no one edits the database by hand.
 * An existing user of that name is promoted and otherwise left alone (its password is not reset), which makes
 * the call idempotent and safe to run on every start of every replica.
 */
export async function ensureBootstrapAdmin(
  deps: Pick<BackendDeps, 'config' | 'db' | 'passwords' | 'logger'>,
): Promise<void> {
  const { config, db, logger } = deps;
  const rawUsername = config.BOOTSTRAP_ADMIN_USERNAME?.trim();
  if (!rawUsername) {
    if (config.BOOTSTRAP_ADMIN_EMAIL || config.BOOTSTRAP_ADMIN_PASSWORD) {
      throw new BootstrapAdminError(
        'BOOTSTRAP_ADMIN_EMAIL or _PASSWORD is set without BOOTSTRAP_ADMIN_USERNAME',
      );
    }
    return;
  }
  const username = parseSetting('BOOTSTRAP_ADMIN_USERNAME', usernameSchema, rawUsername);
  // A reserved name would shadow a root path or SPA route (§3.11), whoever owns it.
  if (RESERVED_USERNAMES.has(username)) {
    throw new BootstrapAdminError(`BOOTSTRAP_ADMIN_USERNAME '${username}' is reserved; choose another name`);
  }

  const promote = async () => {
    const [promoted] = await db
      .update(users)
      .set({ role: 'admin', updatedAt: new Date() })
      .where(eq(users.username, username))
      .returning({ id: users.id });
    return promoted;
  };

  const [existing] = await db
    .select({ id: users.id, role: users.role })
    .from(users)
    .where(eq(users.username, username))
    .limit(1);
  if (existing) {
    if (existing.role !== 'admin') {
      await promote();
      logger.info({ event: 'bootstrap_admin.promoted', user_id: existing.id, username });
    }
    return;
  }

  const { BOOTSTRAP_ADMIN_EMAIL: rawEmail, BOOTSTRAP_ADMIN_PASSWORD: rawPassword } = config;
  if (!rawEmail || !rawPassword) {
    throw new BootstrapAdminError(
      `user '${username}' does not exist; creating it needs BOOTSTRAP_ADMIN_EMAIL and BOOTSTRAP_ADMIN_PASSWORD`,
    );
  }
  const email = parseSetting('BOOTSTRAP_ADMIN_EMAIL', emailSchema, rawEmail);
  const password = parseSetting(
    'BOOTSTRAP_ADMIN_PASSWORD',
    passwordSchema(config.PASSWORD_MIN_LENGTH),
    rawPassword,
  );
  const [emailOwner] = await db
    .select({ username: users.username })
    .from(users)
    .where(eq(users.email, email))
    .limit(1);
  if (emailOwner && emailOwner.username !== username) {
    throw new BootstrapAdminError(
      `BOOTSTRAP_ADMIN_EMAIL belongs to user '${emailOwner.username}', not to '${username}'`,
    );
  }

  const passwordHash = await deps.passwords.hash(password);
  const [created] = await db
    .insert(users)
    .values({
      username,
      email,
      fullName: username,
      passwordHash,
      role: 'admin',
      authProvider: 'local',
      isEmailVerified: true,
    })
    // Another replica starting at the same moment may have created it first; then it only needs the role.
    .onConflictDoNothing()
    .returning({ id: users.id });
  if (created) {
    logger.info({ event: 'bootstrap_admin.created', user_id: created.id, username });
    return;
  }
  const promoted = await promote();
  if (!promoted) throw new BootstrapAdminError(`could not create user '${username}': e-mail or name in use`);
}
