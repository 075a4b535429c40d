import {
  and,
  containsPattern,
  count,
  type Db,
  eq,
  ilike,
  or,
  type SQL,
  sql,
  USER_ROLES,
  type User,
  users,
} from '@syfthub/db';
import { z } from 'zod';
import { queryBool } from '../validation/rules';

const SORT_COLUMNS = {
  username: users.username,
  email: users.email,
  role: users.role,
  created_at: users.createdAt,
  last_login_at: users.lastLoginAt,
} as const;

/** Filters and sort shared by `GET /admin/users` and its CSV export (backend-api.md §8). */
export const adminUserFilters = {
  sort_by: z.enum(Object.keys(SORT_COLUMNS) as [keyof typeof SORT_COLUMNS]).default('created_at'),
  sort_dir: z.enum(['asc', 'desc']).default('desc'),
  search: z.string().trim().max(255).optional(),
  role: z.enum(USER_ROLES).optional(),
  is_active: queryBool.optional(),
  is_email_verified: queryBool.optional(),
};

const filtersSchema = z.object(adminUserFilters);
export type AdminUserFilters = z.output<typeof filtersSchema>;

export function adminUserWhere(f: AdminUserFilters): SQL | undefined {
  const conditions: SQL[] = [];
  if (f.search) {
    const pattern = containsPattern(f.search);
    conditions.push(or(ilike(users.username, pattern), ilike(users.email, pattern)) as SQL);
  }
  if (f.role) conditions.push(eq(users.role, f.role));
  if (f.is_active !== undefined) conditions.push(eq(users.isActive, f.is_active));
  if (f.is_email_verified !== undefined) conditions.push(eq(users.isEmailVerified, f.is_email_verified));
  return conditions.length > 0 ? and(...conditions) : undefined;
}

/** The requested order, never-logged-in users last either way, with `id` as the tie-breaker (README §2.5). */
export function adminUserOrder(f: AdminUserFilters): SQL[] {
  const dir = f.sort_dir === 'asc' ? sql.raw('asc') : sql.raw('desc');
  return [sql`${SORT_COLUMNS[f.sort_by]} ${dir} nulls last`, sql`${users.id} ${dir}`];
}

export function pageOfUsers(db: Db, f: AdminUserFilters, offset: number, limit: number): Promise<User[]> {
  return db
    .select()
    .from(users)
    .where(adminUserWhere(f))
    .orderBy(...adminUserOrder(f))
    .offset(offset)
    .limit(limit);
}

/** How many accounts the filters match. */
export async function countUsers(db: Db, filters: AdminUserFilters): Promise<number> {
  const [row] = await db.select({ total: count() }).from(users).where(adminUserWhere(filters));
  return Number(row?.total ?? 0);
}
