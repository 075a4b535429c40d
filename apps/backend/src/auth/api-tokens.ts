import { generateApiToken } from '@syfthub/auth';
import type { ApiToken as ApiTokenJson } from '@syfthub/contracts';
import {
  type ApiToken,
  and,
  apiTokens,
  count,
  type Db,
  desc,
  eq,
  gt,
  isNull,
  or,
  type SQL,
  users,
} from '@syfthub/db';
import { ApiError } from '@syfthub/service';
import { iso } from '../users/serialize';

// API tokens (backend-api.md §5.11): the queries behind the routes, each scoped to the owning user.

export const MAX_ACTIVE_TOKENS = 50;
const INT4_MAX = 2_147_483_647;

/** The `APIToken` wire shape (§3.9). */
export function apiTokenJson(token: ApiToken): ApiTokenJson {
  return {
    id: token.id,
    name: token.name,
    token_prefix: token.tokenPrefix,
    scopes: token.scopes,
    expires_at: iso(token.expiresAt),
    last_used_at: iso(token.lastUsedAt),
    last_used_ip: token.lastUsedIp,
    is_active: token.isActive,
    created_at: iso(token.createdAt),
    updated_at: iso(token.updatedAt),
  };
}

export function tokenNotFound(): ApiError {
  return new ApiError(404, 'API token not found');
}

// Ids beyond PostgreSQL's integer range cannot exist: they are "not found" rather than a database error.
function ownToken(userId: number, tokenId: number): SQL | undefined {
  if (tokenId > INT4_MAX) throw tokenNotFound();
  return and(eq(apiTokens.id, tokenId), eq(apiTokens.userId, userId));
}

/** Creates a token for `userId` unless it already has MAX_ACTIVE_TOKENS active ones (400); the secret once. */
export async function createApiToken(
  db: Db,
  userId: number,
  input: { name: string; scopes: ApiToken['scopes']; expiresAt: Date | null },
): Promise<{ row: ApiToken; secret: string }> {
  const generated = generateApiToken();
  const row = await db.transaction(async (tx) => {
    // Locking the owner serialises concurrent creations, so the cap cannot be overshot.
    await tx.select({ id: users.id }).from(users).where(eq(users.id, userId)).for('update');
    const now = new Date();
    const [active] = await tx
      .select({ n: count() })
      .from(apiTokens)
      .where(
        and(
          eq(apiTokens.userId, userId),
          eq(apiTokens.isActive, true),
          or(isNull(apiTokens.expiresAt), gt(apiTokens.expiresAt, now)),
        ),
      );
    if ((active?.n ?? 0) >= MAX_ACTIVE_TOKENS) {
      throw new ApiError(400, `Maximum number of active API tokens (${MAX_ACTIVE_TOKENS}) reached`);
    }
    const [inserted] = await tx
      .insert(apiTokens)
      .values({
        userId,
        name: input.name,
        tokenPrefix: generated.prefix,
        tokenHash: generated.hash,
        scopes: input.scopes,
        expiresAt: input.expiresAt,
      })
      .returning();
    if (!inserted) throw new Error('insert returned no token');
    return inserted;
  });
  return { row, secret: generated.token };
}

/** A page of the user's tokens, newest first, and how many there are. */
export async function listApiTokens(
  db: Db,
  userId: number,
  page: { includeInactive: boolean; skip: number; limit: number },
): Promise<{ tokens: ApiToken[]; total: number }> {
  const where = page.includeInactive
    ? eq(apiTokens.userId, userId)
    : and(eq(apiTokens.userId, userId), eq(apiTokens.isActive, true));
  const [tokens, [total]] = await Promise.all([
    db
      .select()
      .from(apiTokens)
      .where(where)
      .orderBy(desc(apiTokens.createdAt), desc(apiTokens.id))
      .offset(page.skip)
      .limit(page.limit),
    db.select({ n: count() }).from(apiTokens).where(where),
  ]);
  return { tokens, total: total?.n ?? 0 };
}

/** One of the user's tokens (revoked ones too); 404 otherwise. */
export async function getApiToken(db: Db, userId: number, tokenId: number): Promise<ApiToken> {
  const [token] = await db.select().from(apiTokens).where(ownToken(userId, tokenId)).limit(1);
  if (!token) throw tokenNotFound();
  return token;
}

export async function renameApiToken(
  db: Db,
  userId: number,
  tokenId: number,
  name: string,
): Promise<ApiToken> {
  const [token] = await db
    .update(apiTokens)
    .set({ name, updatedAt: new Date() })
    .where(ownToken(userId, tokenId))
    .returning();
  if (!token) throw tokenNotFound();
  return token;
}

/** Revokes one of the user's tokens (idempotent); 404 when it is not theirs. */
export async function revokeApiToken(db: Db, userId: number, tokenId: number): Promise<void> {
  const [token] = await db
    .update(apiTokens)
    .set({ isActive: false, updatedAt: new Date() })
    .where(ownToken(userId, tokenId))
    .returning({ id: apiTokens.id });
  if (!token) throw tokenNotFound();
}
