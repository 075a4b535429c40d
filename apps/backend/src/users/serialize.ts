import type { PublicUserProfile, User as UserJson } from '@syfthub/contracts';
import type { User } from '@syfthub/db';

/** RFC 3339 UTC with milliseconds, or null (README §2.2). */
export function iso(value: Date): string;
export function iso(value: Date | null | undefined): string | null;
export function iso(value: Date | null | undefined): string | null {
  return value ? value.toISOString() : null;
}

/** The `User` wire shape (backend-api.md §3.1); never includes the password hash. */
export function userJson(user: User): UserJson {
  return {
    id: user.id,
    username: user.username,
    email: user.email,
    full_name: user.fullName,
    avatar_url: user.avatarUrl,
    role: user.role,
    is_active: user.isActive,
    is_email_verified: user.isEmailVerified,
    email_verified_at: iso(user.emailVerifiedAt),
    auth_provider: user.authProvider,
    created_at: iso(user.createdAt),
    updated_at: iso(user.updatedAt),
    wallet_address: null,
    domain: user.domain,
    aggregator_url: user.aggregatorUrl,
    last_login_at: iso(user.lastLoginAt),
    encryption_public_key: user.encryptionPublicKey,
    bio: user.bio,
    is_email_public: user.isEmailPublic,
  };
}

/** The `PublicUserProfile` wire shape (§3.2): e-mail only when the user made it public. */
export function publicProfileJson(user: User): PublicUserProfile {
  return {
    username: user.username,
    full_name: user.fullName,
    avatar_url: user.avatarUrl,
    role: user.role,
    bio: user.bio,
    domain: user.domain,
    email: user.isEmailPublic ? user.email : null,
    is_email_public: user.isEmailPublic,
    created_at: iso(user.createdAt),
  };
}
