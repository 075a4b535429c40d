import type { Principal } from '@syfthub/auth';
import { and, eq, isUniqueViolation, type NewUser, ne, type User, users } from '@syfthub/db';
import { z } from 'zod';
import type { PendingOtpDelivery } from '../auth/otp';
import type { BackendContext } from '../http/context';
import {
  assertOwnTunnel,
  domainSchema,
  emailSchema,
  httpUrlSchema,
  RESERVED_USERNAMES,
  usernameSchema,
} from '../validation/rules';
import { authorizeEmailChange, notifyPreviousAddress } from './email-change';
import { userConflict, userNotFound } from './errors';

// Browsers drop control characters and spaces anywhere in a scheme (`java\tscript:`), so the check does too.
const SCHEME = /^([a-z][a-z0-9+.-]*):/i;

function hasOnlyWebScheme(value: string): boolean {
  const visible = Array.from(value)
    .filter((ch) => ch > ' ' && ch !== '\u007f')
    .join('');
  const scheme = SCHEME.exec(visible)?.[1]?.toLowerCase();
  return scheme === undefined || scheme === 'http' || scheme === 'https';
}

/**
 * `UserUpdate` (backend-api.md §6.1). Every field is optional; `null` means "leave unchanged" except for `domain`
 * and `bio`, where it clears. Empty strings clear `avatar_url`, `aggregator_url` and `domain`.
 */
export const userUpdateSchema = z.object({
  username: usernameSchema.nullish(),
  email: emailSchema.nullish(),
  full_name: z.string().trim().min(1).max(100).nullish(),
  avatar_url: z
    .string()
    .trim()
    .max(500)
    .refine(hasOnlyWebScheme, 'Avatar URL must use http or https')
    .nullish(),
  is_active: z.boolean().nullish(),
  wallet_address: z.unknown().optional(),
  domain: z
    .string()
    .trim()
    .pipe(z.union([domainSchema, z.literal('')]))
    .nullish(),
  aggregator_url: z
    .string()
    .trim()
    .pipe(z.union([httpUrlSchema, z.literal('')]))
    .nullish(),
  bio: z.string().trim().max(2000).nullish(),
  is_email_public: z.boolean().nullish(),
  /** Needed (and only read) when `email` changes: the caller's own password. */
  current_password: z.string().max(256).nullish(),
});

export type UserUpdate = z.output<typeof userUpdateSchema>;

/** The column changes an update asks for, relative to the current row. */
function changesOf(target: User, input: UserUpdate): Partial<NewUser> {
  const patch: Partial<NewUser> = {};
  if (input.username != null && input.username !== target.username) patch.username = input.username;
  if (input.email != null && input.email !== target.email) patch.email = input.email;
  if (input.full_name != null) patch.fullName = input.full_name;
  if (input.avatar_url != null) patch.avatarUrl = input.avatar_url === '' ? null : input.avatar_url;
  if (input.is_active != null) patch.isActive = input.is_active;
  if (input.domain !== undefined) patch.domain = input.domain === '' ? null : input.domain;
  if (input.aggregator_url != null) {
    patch.aggregatorUrl = input.aggregator_url === '' ? null : input.aggregator_url;
  }
  if (input.bio !== undefined) patch.bio = input.bio;
  if (input.is_email_public != null) patch.isEmailPublic = input.is_email_public;
  return patch;
}

async function assertUnique(ctx: BackendContext, target: User, patch: Partial<NewUser>): Promise<void> {
  const { db } = ctx.deps;
  if (patch.username !== undefined) {
    if (RESERVED_USERNAMES.has(patch.username)) throw userConflict('username');
    const [taken] = await db
      .select({ id: users.id })
      .from(users)
      .where(and(eq(users.username, patch.username), ne(users.id, target.id)))
      .limit(1);
    if (taken) throw userConflict('username');
  }
  if (patch.email !== undefined) {
    const [taken] = await db
      .select({ id: users.id })
      .from(users)
      .where(and(eq(users.email, patch.email), ne(users.id, target.id)))
      .limit(1);
    if (taken) throw userConflict('email');
  }
}

/**
 * Applies a `UserUpdate` by `caller` to `target` and returns the new row. Deactivation revokes every session of
 * the user (§2.3). An e-mail change must be authorised (see email-change.ts), leaves the new address unproven
 * (unverified until its code is entered, when e-mail is configured) and is announced to the previous address.
 * Uniqueness is checked first for a clear 409 and enforced again by the unique indexes, which catch a concurrent
 * update that took the same name.
 */
export async function applyUserUpdate(
  ctx: BackendContext,
  request: { caller: Principal<User>; ip: string },
  target: User,
  input: UserUpdate,
): Promise<User> {
  const patch = changesOf(target, input);
  if (Object.keys(patch).length === 0) return target;
  if (patch.domain) assertOwnTunnel(patch.domain, patch.username ?? target.username, ['domain']);
  const newEmail = patch.email;
  if (newEmail !== undefined) {
    await authorizeEmailChange(ctx, request.caller, input.current_password);
    patch.emailVerifiedAt = null;
    if (ctx.otp) patch.isEmailVerified = false;
  }
  await assertUnique(ctx, target, patch);
  let result: { row: User | undefined; code: PendingOtpDelivery | null };
  try {
    result = await ctx.deps.db.transaction(async (tx) => {
      const [row] = await tx
        .update(users)
        .set({ ...patch, updatedAt: new Date() })
        .where(eq(users.id, target.id))
        .returning();
      const code =
        row && newEmail !== undefined && ctx.otp
          ? await ctx.otp.issue(tx, newEmail, 'registration', request.ip)
          : null;
      return { row, code };
    });
  } catch (err) {
    if (isUniqueViolation(err, 'users_username_key')) throw userConflict('username');
    if (isUniqueViolation(err, 'users_email_key')) throw userConflict('email');
    throw err;
  }
  const updated = result.row;
  // The row vanished between authentication and the update: the account was deleted meanwhile.
  if (!updated) throw userNotFound();
  result.code?.deliver();
  if (newEmail !== undefined) notifyPreviousAddress(ctx, updated, target.email, newEmail);
  if (patch.isActive === false) {
    await ctx.sessions.revokeUserSessions(target.id, 'user_deactivated');
  }
  return updated;
}

/** Sets `is_active`; deactivation also revokes every session of the user. Undefined when the user is missing. */
export async function setUserActive(
  ctx: BackendContext,
  userId: number,
  isActive: boolean,
): Promise<User | undefined> {
  const [updated] = await ctx.deps.db
    .update(users)
    .set({ isActive, updatedAt: new Date() })
    .where(eq(users.id, userId))
    .returning();
  if (updated && !isActive) await ctx.sessions.revokeUserSessions(userId, 'user_deactivated');
  return updated;
}
