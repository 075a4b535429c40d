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
 * Creates the admin named by BOOTSTRAP_ADMIN_* (if set), so no one edits the database by hand, and is safe to run
 * on every start of every replica. It acts only while the hub has no admin at all, and the account it promotes is
 * bound to the configured e-mail address, proven (`email_verified_at`: set when the bootstrap created the account,
 * or by a code that reached the address), never to the username: a name freed by a rename or a deletion is
 * anyone's to register, and on a hub without an e-mail sender so is an unproven address.
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
  const { BOOTSTRAP_ADMIN_EMAIL: rawEmail, BOOTSTRAP_ADMIN_PASSWORD: rawPassword } = config;
  if (!rawEmail || !rawPassword) {
    throw new BootstrapAdminError(
      'BOOTSTRAP_ADMIN_USERNAME needs BOOTSTRAP_ADMIN_EMAIL and BOOTSTRAP_ADMIN_PASSWORD (to promote an existing ' +
        'account, use the admin:promote command)',
    );
  }
  const email = parseSetting('BOOTSTRAP_ADMIN_EMAIL', emailSchema, rawEmail);
  const password = parseSetting(
    'BOOTSTRAP_ADMIN_PASSWORD',
    passwordSchema(config.PASSWORD_MIN_LENGTH),
    rawPassword,
  );

  const [admin] = await db.select({ id: users.id }).from(users).where(eq(users.role, 'admin')).limit(1);
  if (admin) return;

  // Another replica starting at the same moment may create it between our look-up and our insert.
  for (let attempt = 0; attempt < 2; attempt++) {
    const [bound] = await db
      .select({ id: users.id, username: users.username, emailVerifiedAt: users.emailVerifiedAt })
      .from(users)
      .where(eq(users.email, email))
      .limit(1);
    if (bound) {
      if (!bound.emailVerifiedAt) {
        logger.error(
          { event: 'bootstrap_admin.refused', reason: 'email_not_proven', user_id: bound.id },
          'BOOTSTRAP_ADMIN_EMAIL belongs to an account that never proved it; not promoting it',
        );
        return;
      }
      await db.update(users).set({ role: 'admin', updatedAt: new Date() }).where(eq(users.id, bound.id));
      logger.info({ event: 'bootstrap_admin.promoted', user_id: bound.id, username: bound.username });
      return;
    }
    const [nameOwner] = await db.select({ id: users.id }).from(users).where(eq(users.username, username));
    if (nameOwner) {
      logger.error(
        { event: 'bootstrap_admin.refused', reason: 'username_taken', user_id: nameOwner.id },
        'BOOTSTRAP_ADMIN_USERNAME belongs to an account with another e-mail address; not promoting it',
      );
      return;
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
        // The operator configured the address: it is the account's proof, and what binds it on later starts.
        emailVerifiedAt: new Date(),
      })
      .onConflictDoNothing()
      .returning({ id: users.id });
    if (created) {
      logger.info({ event: 'bootstrap_admin.created', user_id: created.id, username });
      return;
    }
  }
  throw new BootstrapAdminError(`could not create user '${username}': e-mail or name in use`);
}
