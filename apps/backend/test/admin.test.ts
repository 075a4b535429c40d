import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestBackend, type TestBackend } from './harness';
import { type Account, createAccount, createAdmin, createPat } from './users-fixtures';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

interface Overview {
  headline: Record<string, number>;
  by_role: Array<{ role: string; count: number }>;
  by_auth_provider: Array<{ provider: string; count: number }>;
  signup_trend: { days: number; buckets: Array<{ date: string; signups: number }> };
  last_login: {
    buckets: Array<{ bucket: string; label: string; count: number }>;
    active_24h: number;
    dormant_30d: number;
  };
}
interface AdminItem {
  id: number;
  username: string;
  email: string;
  role: string;
  is_active: boolean;
  created_at: string;
  last_login_at: string | null;
}
interface AdminPage {
  items: AdminItem[];
  page: number;
  page_size: number;
  total: number;
  total_pages: number;
}

const ago = (ms: number) => new Date(Date.now() - ms);
const utcDay = (date: Date) => date.toISOString().slice(0, 10);

/** A hub with a known population: every count below is exact because the database holds only these users. */
let backend: TestBackend;
let admin: Account;
beforeAll(async () => {
  backend = await createTestBackend();
  admin = await createAdmin(backend, {
    username: 'zed-admin',
    email: 'zed@admin.example',
    lastLoginAt: ago(1 * HOUR),
    createdAt: ago(2 * HOUR),
  });
  await createAccount(backend, {
    username: 'alpha',
    email: 'alpha@example.com',
    fullName: '=HYPERLINK("http://evil.example","click")',
    createdAt: ago(2 * DAY),
    lastLoginAt: ago(3 * DAY),
  });
  await createAccount(backend, {
    username: 'bravo',
    email: 'bravo@example.com',
    fullName: '+1 Bravo, Jr.',
    isActive: false,
    isEmailVerified: false,
    createdAt: ago(10 * DAY),
    lastLoginAt: ago(10 * DAY),
  });
  await createAccount(backend, {
    username: 'charlie',
    email: 'char%lie@example.com',
    fullName: '@charlie',
    role: 'guest',
    authProvider: 'google',
    createdAt: ago(40 * DAY),
    lastLoginAt: ago(45 * DAY),
  });
  await createAccount(backend, {
    username: 'delta_x',
    email: 'delta@example.com',
    fullName: '-delta',
    createdAt: ago(1 * HOUR),
  });
  await createAccount(backend, {
    username: 'deltaxx',
    email: 'charxlie@example.com',
    fullName: '\tTabby',
    isEmailVerified: false,
    createdAt: ago(200 * DAY),
    lastLoginAt: ago(100 * DAY),
  });
});
afterAll(async () => {
  await backend.close();
});

describe('GET /admin/overview', () => {
  it('counts a known population exactly', async () => {
    const res = await backend.api<Overview>('GET', '/api/v1/admin/overview?trend_days=7', {
      token: admin.token,
    });
    expect(res.status).toBe(200);
    expect(res.body.headline).toEqual({
      total_users: 6,
      active_users: 5,
      inactive_users: 1,
      email_verified: 4,
      email_unverified: 2,
      admins: 1,
    });
    expect(res.body.by_role).toEqual([
      { role: 'admin', count: 1 },
      { role: 'user', count: 4 },
      { role: 'guest', count: 1 },
    ]);
    expect(res.body.by_auth_provider).toEqual([
      { provider: 'local', count: 5 },
      { provider: 'google', count: 1 },
    ]);
    expect(res.body.last_login).toEqual({
      buckets: [
        { bucket: '24h', label: 'Last 24 hours', count: 1 },
        { bucket: '7d', label: '1–7 days', count: 1 },
        { bucket: '30d', label: '7–30 days', count: 1 },
        { bucket: '90d', label: '30–90 days', count: 1 },
        { bucket: 'never', label: 'Never / 90+ days', count: 2 },
      ],
      active_24h: 1,
      dormant_30d: 3,
    });
  });

  it('fills exactly trend_days UTC days, oldest first', async () => {
    const res = await backend.api<Overview>('GET', '/api/v1/admin/overview?trend_days=7', {
      token: admin.token,
    });
    const { signup_trend: trend } = res.body;
    expect(trend.days).toBe(7);
    const expectedDates = Array.from({ length: 7 }, (_, i) => utcDay(ago((6 - i) * DAY)));
    expect(trend.buckets.map((b) => b.date)).toEqual(expectedDates);
    const counts = new Map<string, number>();
    for (const created of [ago(2 * HOUR), ago(2 * DAY), ago(1 * HOUR)]) {
      counts.set(utcDay(created), (counts.get(utcDay(created)) ?? 0) + 1);
    }
    expect(trend.buckets).toEqual(expectedDates.map((date) => ({ date, signups: counts.get(date) ?? 0 })));
  });

  it('defaults to 30 days, accepts 90, rejects anything else with 422', async () => {
    const byDefault = await backend.api<Overview>('GET', '/api/v1/admin/overview', { token: admin.token });
    expect(byDefault.body.signup_trend.days).toBe(30);
    expect(byDefault.body.signup_trend.buckets).toHaveLength(30);
    expect(byDefault.body.signup_trend.buckets.reduce((sum, b) => sum + b.signups, 0)).toBe(4);
    const ninety = await backend.api<Overview>('GET', '/api/v1/admin/overview?trend_days=90', {
      token: admin.token,
    });
    expect(ninety.body.signup_trend.buckets).toHaveLength(90);
    expect(ninety.body.signup_trend.buckets.at(-1)?.date).toBe(utcDay(new Date()));
    const bad = await backend.api<{ detail: Array<{ loc: unknown[] }> }>(
      'GET',
      '/api/v1/admin/overview?trend_days=14',
      {
        token: admin.token,
      },
    );
    expect(bad.status).toBe(422);
    expect(bad.body.detail[0]?.loc).toEqual(['query', 'trend_days']);
  });
});

describe('GET /admin/users', () => {
  const page = (query: string) =>
    backend.api<AdminPage>('GET', `/api/v1/admin/users${query}`, { token: admin.token });

  it('defaults to newest first, 20 per page, with totals', async () => {
    const res = await page('');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ page: 1, page_size: 20, total: 6, total_pages: 1 });
    expect(res.body.items.map((u) => u.username)).toEqual([
      'delta_x',
      'zed-admin',
      'alpha',
      'bravo',
      'charlie',
      'deltaxx',
    ]);
    expect(Object.keys(res.body.items[0] ?? {}).sort()).toEqual(
      [
        'id',
        'username',
        'email',
        'full_name',
        'avatar_url',
        'role',
        'is_active',
        'is_email_verified',
        'auth_provider',
        'created_at',
        'last_login_at',
      ].sort(),
    );
  });

  it('sorts by any allowed column both ways and pages', async () => {
    const asc = await page('?sort_by=username&sort_dir=asc&page_size=4');
    expect(asc.body.items.map((u) => u.username)).toEqual(['alpha', 'bravo', 'charlie', 'delta_x']);
    expect(asc.body).toMatchObject({ total: 6, total_pages: 2, page_size: 4 });
    const second = await page('?sort_by=username&sort_dir=asc&page_size=4&page=2');
    expect(second.body.items.map((u) => u.username)).toEqual(['deltaxx', 'zed-admin']);
    const beyond = await page('?page=9');
    expect(beyond.body).toMatchObject({ items: [], total: 6, page: 9 });
    const byLogin = await page('?sort_by=last_login_at&sort_dir=desc');
    expect(byLogin.body.items.map((u) => u.username)).toEqual([
      'zed-admin',
      'alpha',
      'bravo',
      'charlie',
      'deltaxx',
      'delta_x',
    ]);
    const byEmail = await page('?sort_by=email&sort_dir=desc');
    expect(byEmail.body.items.map((u) => u.email)[0]).toBe('zed@admin.example');
  });

  it('filters by role, is_active and is_email_verified', async () => {
    expect((await page('?role=guest')).body.items.map((u) => u.username)).toEqual(['charlie']);
    expect((await page('?is_active=false')).body.items.map((u) => u.username)).toEqual(['bravo']);
    const unverifiedActive = await page('?is_email_verified=false&is_active=true');
    expect(unverifiedActive.body.items.map((u) => u.username)).toEqual(['deltaxx']);
    expect(unverifiedActive.body.total).toBe(1);
  });

  it('searches username and e-mail case-insensitively, with % and _ taken literally', async () => {
    expect((await page('?search=ALPHA')).body.items.map((u) => u.username)).toEqual(['alpha']);
    expect((await page('?search=admin.EXAMPLE')).body.items.map((u) => u.username)).toEqual(['zed-admin']);
    // Unescaped, "a_x" would also match "deltaxx" and "r%l" would also match "charxlie@".
    expect((await page(`?search=${encodeURIComponent('a_x')}`)).body.items.map((u) => u.username)).toEqual([
      'delta_x',
    ]);
    expect((await page(`?search=${encodeURIComponent('r%l')}`)).body.items.map((u) => u.username)).toEqual([
      'charlie',
    ]);
    expect((await page(`?search=${encodeURIComponent('\\')}`)).body.total).toBe(0);
  });

  it('validates its query', async () => {
    for (const query of [
      '?page=0',
      '?page_size=101',
      '?sort_by=password_hash',
      '?sort_dir=up',
      '?role=root',
      '?is_active=maybe',
    ]) {
      expect((await page(query)).status, query).toBe(422);
    }
  });
});

describe('GET /admin/users/export', () => {
  it('streams a CSV with a dated filename and defused formula cells', async () => {
    const res = await backend.api<string>('GET', '/api/v1/admin/users/export?sort_by=username&sort_dir=asc', {
      token: admin.token,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const stamp = new Date().toISOString().slice(0, 10).replace(/-/g, '');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="syfthub-users-${stamp}.csv"`);
    const lines = res.text.split('\r\n');
    expect(lines[0]).toBe(
      'id,username,email,full_name,role,is_active,is_email_verified,auth_provider,created_at,last_login_at',
    );
    expect(lines).toHaveLength(8);
    expect(lines.at(-1)).toBe('');
    const byName = new Map(lines.slice(1, -1).map((line) => [line.split(',')[1], line]));
    expect(byName.get('alpha')).toContain(
      `,"'=HYPERLINK(""http://evil.example"",""click"")",user,true,true,local,`,
    );
    expect(byName.get('bravo')).toContain(`,"'+1 Bravo, Jr.",user,false,false,local,`);
    expect(byName.get('charlie')).toContain(",'@charlie,guest,true,true,google,");
    expect(byName.get('delta_x')).toMatch(/,'-delta,user,true,true,local,\d{4}-\d\d-\d\dT[\d:.]+Z,$/);
    expect(byName.get('deltaxx')).toContain(",'\tTabby,");
  });

  it('applies the list filters and sort', async () => {
    const res = await backend.api(
      'GET',
      '/api/v1/admin/users/export?search=delta&sort_by=username&sort_dir=desc',
      {
        token: admin.token,
      },
    );
    const names = res.text
      .split('\r\n')
      .slice(1, -1)
      .map((line) => line.split(',')[1]);
    expect(names).toEqual(['deltaxx', 'delta_x']);
  });
});

describe('admin access', () => {
  const routes = ['/api/v1/admin/overview', '/api/v1/admin/users', '/api/v1/admin/users/export'];

  it('gives non-admins the standard 403 PERMISSION_DENIED and anonymous callers 401', async () => {
    const user = await createAccount(backend);
    for (const path of routes) {
      const res = await backend.api('GET', path, { token: user.token });
      expect(res.status, path).toBe(403);
      expect(res.body).toEqual({
        detail: { code: 'PERMISSION_DENIED', message: 'Operation not permitted' },
        message: 'Operation not permitted',
      });
      expect((await backend.api('GET', path)).status).toBe(401);
    }
  });

  it('needs scope full from API tokens', async () => {
    const read = await createPat(backend, admin.user.id, ['read']);
    const full = await createPat(backend, admin.user.id, ['full']);
    for (const path of routes) {
      const res = await backend.api('GET', path, { token: read });
      expect(res.status, path).toBe(403);
      expect(res.body).toEqual({
        detail: {
          code: 'INSUFFICIENT_SCOPE',
          message: "This API token lacks the 'full' scope.",
          required_scope: 'full',
        },
        message: "This API token lacks the 'full' scope.",
      });
      expect((await backend.api('GET', path, { token: full })).status).toBe(200);
    }
  });
});
