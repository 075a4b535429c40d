import { randomUUID } from 'node:crypto';
import { generateApiToken } from '@syfthub/auth';
import { type ApiTokenScope, apiTokens, type NewUser, type User, users } from '@syfthub/db';
import { createSessionService } from '../src/auth/sessions';
import type { TestBackend } from './harness';

/** A user row created straight in the database, signed in with a fresh session. */
export interface Account {
  user: User;
  token: string;
  sessionId: string;
}

let counter = 0;

/**
 * Inserts a user (any column overridable, e.g. `createdAt`, `lastLoginAt`, `role`) and starts a session for it
 * exactly as login does, so tests control the data set the admin statistics count.
 */
export async function createAccount(
  backend: TestBackend,
  overrides: Partial<NewUser> = {},
): Promise<Account> {
  counter += 1;
  const suffix = `${counter}${randomUUID().slice(0, 6)}`;
  const [user] = await backend.deps.db
    .insert(users)
    .values({
      username: `acct${suffix}`,
      email: `acct${suffix}@example.com`,
      fullName: `Account ${suffix}`,
      ...overrides,
    })
    .returning();
  if (!user) throw new Error('user insert returned nothing');
  return { user, ...(await startSession(backend, user)) };
}

/** Signs a user in exactly as login does: a new session with its access token. */
export async function startSession(backend: TestBackend, user: User): Promise<Omit<Account, 'user'>> {
  const session = await createSessionService(backend.deps).start(user, {
    ip: '127.0.0.1',
    userAgent: 'vitest',
  });
  return { token: session.access_token, sessionId: session.sessionId };
}

export function createAdmin(backend: TestBackend, overrides: Partial<NewUser> = {}): Promise<Account> {
  return createAccount(backend, { role: 'admin', ...overrides });
}

/** Inserts an API token with the given scopes and returns its plaintext. */
export async function createPat(
  backend: TestBackend,
  userId: number,
  scopes: ApiTokenScope[],
): Promise<string> {
  const generated = generateApiToken();
  await backend.deps.db.insert(apiTokens).values({
    userId,
    name: `pat-${scopes.join('-')}`,
    tokenPrefix: generated.prefix,
    tokenHash: generated.hash,
    scopes,
  });
  return generated.token;
}
