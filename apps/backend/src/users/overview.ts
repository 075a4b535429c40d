import type { UserOverviewStats } from '@syfthub/contracts';
import { AUTH_PROVIDERS, type Db, executeRows, sql, USER_ROLES, users } from '@syfthub/db';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** Allowed `trend_days` of `GET /admin/overview`. */
export const TREND_DAYS = ['7', '30', '90'] as const;

const LAST_LOGIN_LABELS = [
  ['24h', 'Last 24 hours'],
  ['7d', '1–7 days'],
  ['30d', '7–30 days'],
  ['90d', '30–90 days'],
  ['never', 'Never / 90+ days'],
] as const;

type CountRow = Record<string, number>;

function utcDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * `UserOverviewStats` (backend-api.md §8): one pass over `users` for every count, one grouped query for the
 * signup trend. `now` is a parameter so every bucket boundary comes from the same instant.
 */
export async function userOverview(db: Db, trendDays: number, now = new Date()): Promise<UserOverviewStats> {
  const at = (offsetMs: number) => sql`${new Date(now.getTime() - offsetMs).toISOString()}::timestamptz`;
  const login = users.lastLoginAt;
  const [counts = {}] = await executeRows<CountRow>(
    db,
    sql`select
      count(*)::int as total,
      (count(*) filter (where ${users.isActive}))::int as active,
      (count(*) filter (where ${users.isEmailVerified}))::int as verified,
      ${sql.join(
        USER_ROLES.map(
          (role) =>
            sql`(count(*) filter (where ${users.role} = ${role}))::int as ${sql.identifier(`role_${role}`)}`,
        ),
        sql`, `,
      )},
      ${sql.join(
        AUTH_PROVIDERS.map(
          (p) =>
            sql`(count(*) filter (where ${users.authProvider} = ${p}))::int as ${sql.identifier(`provider_${p}`)}`,
        ),
        sql`, `,
      )},
      (count(*) filter (where ${login} >= ${at(24 * HOUR_MS)}))::int as login_24h,
      (count(*) filter (where ${login} < ${at(24 * HOUR_MS)} and ${login} >= ${at(7 * DAY_MS)}))::int as login_7d,
      (count(*) filter (where ${login} < ${at(7 * DAY_MS)} and ${login} >= ${at(30 * DAY_MS)}))::int as login_30d,
      (count(*) filter (where ${login} < ${at(30 * DAY_MS)} and ${login} >= ${at(90 * DAY_MS)}))::int as login_90d,
      (count(*) filter (where ${login} is null or ${login} < ${at(90 * DAY_MS)}))::int as login_never,
      (count(*) filter (where ${login} is null or ${login} < ${at(30 * DAY_MS)}))::int as dormant_30d
    from ${users}`,
  );
  const n = (key: string) => Number(counts[key] ?? 0);

  const todayStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const firstDay = todayStart - (trendDays - 1) * DAY_MS;
  const signups = await executeRows<{ day: string; signups: number }>(
    db,
    sql`select to_char(${users.createdAt} at time zone 'UTC', 'YYYY-MM-DD') as day, count(*)::int as signups
        from ${users}
        where ${users.createdAt} >= ${new Date(firstDay).toISOString()}::timestamptz
        group by 1`,
  );
  const byDay = new Map(signups.map((row) => [row.day, Number(row.signups)]));
  const buckets = Array.from({ length: trendDays }, (_, i) => {
    const date = utcDate(firstDay + i * DAY_MS);
    return { date, signups: byDay.get(date) ?? 0 };
  });

  const total = n('total');
  return {
    headline: {
      total_users: total,
      active_users: n('active'),
      inactive_users: total - n('active'),
      email_verified: n('verified'),
      email_unverified: total - n('verified'),
      admins: n('role_admin'),
    },
    by_role: USER_ROLES.map((role) => ({ role, count: n(`role_${role}`) })),
    by_auth_provider: AUTH_PROVIDERS.map((provider) => ({ provider, count: n(`provider_${provider}`) })),
    signup_trend: { days: trendDays, buckets },
    last_login: {
      buckets: LAST_LOGIN_LABELS.map(([bucket, label]) => ({ bucket, label, count: n(`login_${bucket}`) })),
      active_24h: n('login_24h'),
      dormant_30d: n('dormant_30d'),
    },
  };
}
