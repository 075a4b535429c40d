import { z } from 'zod';
import { Timestamp } from './common';
import { AuthProvider, Role } from './users';

// backend-api.md §8: the admin console's statistics and user list.

const count = z.number().int();

export const LAST_LOGIN_BUCKETS = ['24h', '7d', '30d', '90d', 'never'] as const;

/** `UserOverviewStats` (§8): every role and provider listed, zero-filled; one signup bucket per UTC day. */
export const UserOverviewStats = z
  .object({
    headline: z.object({
      total_users: count,
      active_users: count,
      inactive_users: count,
      email_verified: count,
      email_unverified: count,
      admins: count,
    }),
    by_role: z.array(z.object({ role: Role, count })),
    by_auth_provider: z.array(z.object({ provider: AuthProvider, count })),
    signup_trend: z.object({
      days: count,
      buckets: z.array(z.object({ date: z.iso.date(), signups: count })),
    }),
    last_login: z.object({
      buckets: z.array(z.object({ bucket: z.enum(LAST_LOGIN_BUCKETS), label: z.string(), count })),
      active_24h: count,
      dormant_30d: count,
    }),
  })
  .meta({
    examples: [
      {
        headline: {
          total_users: 3,
          active_users: 3,
          inactive_users: 0,
          email_verified: 2,
          email_unverified: 1,
          admins: 1,
        },
        by_role: [
          { role: 'admin', count: 1 },
          { role: 'user', count: 2 },
          { role: 'guest', count: 0 },
        ],
        by_auth_provider: [
          { provider: 'local', count: 3 },
          { provider: 'google', count: 0 },
        ],
        signup_trend: { days: 7, buckets: [{ date: '2026-06-09', signups: 3 }] },
        last_login: {
          buckets: [
            { bucket: '24h', label: 'Last 24 hours', count: 2 },
            { bucket: '7d', label: '1–7 days', count: 0 },
            { bucket: '30d', label: '7–30 days', count: 0 },
            { bucket: '90d', label: '30–90 days', count: 0 },
            { bucket: 'never', label: 'Never / 90+ days', count: 1 },
          ],
          active_24h: 2,
          dormant_30d: 1,
        },
      },
    ],
  });

/** An item of `GET /admin/users`: the `User` shape without profile and session details. */
export const AdminUserRow = z.object({
  id: z.number().int(),
  username: z.string(),
  email: z.string(),
  full_name: z.string(),
  avatar_url: z.string().nullable(),
  role: Role,
  is_active: z.boolean(),
  is_email_verified: z.boolean(),
  auth_provider: AuthProvider,
  created_at: Timestamp,
  last_login_at: Timestamp.nullable(),
});

/** `GET /admin/users` (§8). */
export const AdminUserPage = z.object({
  items: z.array(AdminUserRow),
  page: count,
  page_size: count,
  total: count,
  total_pages: count,
});

/** `GET /admin/users/export`: `text/csv; charset=utf-8`, one header row, then a row per user. */
export const AdminUserCsv = z.string();

export type UserOverviewStats = z.infer<typeof UserOverviewStats>;
export type AdminUserRow = z.infer<typeof AdminUserRow>;
export type AdminUserPage = z.infer<typeof AdminUserPage>;
