import { AdminUserCsv, AdminUserPage, type AdminUserRow, UserOverviewStats } from '@syfthub/contracts';
import type { Db, User } from '@syfthub/db';
import type { Logger } from '@syfthub/service';
import { z } from 'zod';
import type { BackendContext } from '../http/context';
import { type AdminUserFilters, adminUserFilters, countUsers, pageOfUsers } from '../users/admin-list';
import { userCsvHeader, userCsvRow } from '../users/csv';
import { TREND_DAYS, userOverview } from '../users/overview';
import { iso } from '../users/serialize';

const EXPORT_BATCH = 500;

/** An item of the admin user list (§8): the User shape without profile and session details. */
function adminUserItem(user: User): AdminUserRow {
  return {
    id: user.id,
    username: user.username,
    email: user.email,
    full_name: user.fullName,
    avatar_url: user.avatarUrl,
    role: user.role,
    is_active: user.isActive,
    is_email_verified: user.isEmailVerified,
    auth_provider: user.authProvider,
    created_at: iso(user.createdAt),
    last_login_at: iso(user.lastLoginAt),
  };
}

/** Streams the CSV in batches so a large user table never sits in memory at once. */
function csvStream(db: Db, filters: AdminUserFilters, logger: Logger): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let offset = -1;
  return new ReadableStream({
    async pull(controller) {
      if (offset < 0) {
        controller.enqueue(encoder.encode(userCsvHeader()));
        offset = 0;
        return;
      }
      try {
        const rows = await pageOfUsers(db, filters, offset, EXPORT_BATCH);
        offset += rows.length;
        if (rows.length > 0) controller.enqueue(encoder.encode(rows.map(userCsvRow).join('')));
        if (rows.length < EXPORT_BATCH) controller.close();
      } catch (err) {
        // Headers are gone already; cutting the stream is the only way left to tell the client.
        logger.error({ event: 'admin.users_export.failed', err });
        controller.error(err);
      }
    },
  });
}

function utcStamp(date: Date): string {
  return date.toISOString().slice(0, 10).replace(/-/g, '');
}

/** `/api/v1/admin` (backend-api.md §8): every route admin-only with scope `full`. */
export function registerAdminRoutes({ routes, deps: { db, logger } }: BackendContext): void {
  const tags = ['admin'];

  routes.add(
    {
      method: 'get',
      path: '/api/v1/admin/overview',
      summary: 'User statistics',
      tags,
      auth: 'admin',
      query: z.object({ trend_days: z.enum(TREND_DAYS).default('30') }),
      responses: { 200: { description: 'UserOverviewStats', schema: UserOverviewStats } },
    },
    async (c, { query }) => c.json(await userOverview(db, Number(query.trend_days))),
  );

  routes.add(
    {
      method: 'get',
      path: '/api/v1/admin/users',
      summary: 'Search, filter and page through users',
      tags,
      auth: 'admin',
      query: z.object({
        page: z.coerce.number().int().min(1).max(1_000_000).default(1),
        page_size: z.coerce.number().int().min(1).max(100).default(20),
        ...adminUserFilters,
      }),
      responses: { 200: { description: 'One page of users', schema: AdminUserPage } },
    },
    async (c, { query }) => {
      const { page, page_size: pageSize } = query;
      const [rows, total] = await Promise.all([
        pageOfUsers(db, query, (page - 1) * pageSize, pageSize),
        countUsers(db, query),
      ]);
      return c.json({
        items: rows.map(adminUserItem),
        page,
        page_size: pageSize,
        total,
        total_pages: Math.ceil(total / pageSize),
      } satisfies AdminUserPage);
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/api/v1/admin/users/export',
      summary: 'Export users as CSV',
      tags,
      auth: 'admin',
      query: z.object(adminUserFilters),
      responses: {
        200: { description: 'CSV of every matching user', schema: AdminUserCsv, contentType: 'text/csv' },
      },
    },
    (c, { query }) =>
      c.body(csvStream(db, query, logger), 200, {
        'Content-Type': 'text/csv; charset=utf-8',
        'Content-Disposition': `attachment; filename="syfthub-users-${utcStamp(new Date())}.csv"`,
      }),
  );
}
