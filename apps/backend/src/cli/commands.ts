import { generateKeyPairPem } from '@syfthub/auth';
import { type Db, eq, type UserRole, users } from '@syfthub/db';
import type { SessionService } from '../auth/sessions';

/**
 * Sets a user's role (`admin:promote` / `admin:demote`, operations.md §4). Takes effect on the user's next request:
 * every request loads the role from the database, not from the token. Returns false when no such user exists.
 */
export async function setUserRole(db: Db, rawUsername: string, role: UserRole): Promise<boolean> {
  const username = rawUsername.trim().toLowerCase();
  const updated = await db
    .update(users)
    .set({ role, updatedAt: new Date() })
    .where(eq(users.username, username))
    .returning({ id: users.id });
  return updated.length > 0;
}

/** Revokes every session (`sessions:revoke-all`): users sign in again; API tokens keep working. */
export function revokeAllSessions(sessions: Pick<SessionService, 'revokeAllSessions'>): Promise<number> {
  return sessions.revokeAllSessions('admin');
}

/** `keys:generate`: a new satellite-token signing key pair as the RSA_* settings take them (base64 PEM). */
export async function generateSigningKeySettings(kid: string): Promise<string> {
  const { privateKeyPem, publicKeyPem } = await generateKeyPairPem();
  return [
    `RSA_KEY_ID=${kid}`,
    `RSA_PRIVATE_KEY_PEM=${Buffer.from(privateKeyPem).toString('base64')}`,
    `RSA_PUBLIC_KEY_PEM=${Buffer.from(publicKeyPem).toString('base64')}`,
    '',
  ].join('\n');
}
