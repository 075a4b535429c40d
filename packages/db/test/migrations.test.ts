import { afterAll, describe, expect, it } from 'vitest';
import journal from '../drizzle/meta/_journal.json' with { type: 'json' };
import { executeRows, migrate } from '../src/index';
import { createTestDatabase, type TestDatabase } from '../src/testing';

/** Every checked-in migration, in order. */
const ALL_MIGRATIONS = journal.entries.map((entry) => entry.tag);

const onPostgres = Boolean(process.env.DATABASE_URL);
const open: TestDatabase[] = [];

async function emptyDatabase(): Promise<TestDatabase> {
  const database = await createTestDatabase({ migrate: false });
  open.push(database);
  return database;
}

afterAll(async () => {
  await Promise.all(open.map((database) => database.close()));
});

describe('migrations', () => {
  it('apply cleanly to an empty database, and re-running them is a no-op', async () => {
    const { db, handle } = await emptyDatabase();
    const before = await executeRows<{ n: number }>(
      db,
      `select count(*)::int as n from pg_tables where schemaname = 'public'`,
    );
    expect(before[0]?.n).toBe(0);

    const first = await migrate(handle);
    expect(first.applied).toEqual(ALL_MIGRATIONS);
    expect(ALL_MIGRATIONS.slice(0, 2)).toEqual(['0000_extensions', '0001_init']);

    const tables = await executeRows<{ tablename: string }>(
      db,
      `select tablename from pg_tables where schemaname = 'public' order by tablename`,
    );
    expect(tables.map((t) => t.tablename)).toEqual([
      'api_tokens',
      'collective_members',
      'collective_shared_endpoint_members',
      'collective_shared_endpoints',
      'collectives',
      'endpoint_stars',
      'endpoint_term_stats',
      'endpoint_uptime_samples',
      'endpoints',
      'error_logs',
      'oauth_clients',
      'oauth_grants',
      'oauth_refresh_tokens',
      'otp_codes',
      'refresh_tokens',
      'user_aggregators',
      'users',
    ]);
    const extensions = await executeRows<{ extname: string }>(
      db,
      `select extname from pg_extension where extname = 'pg_trgm'`,
    );
    expect(extensions).toHaveLength(1);

    const second = await migrate(handle);
    expect(second.applied).toEqual([]);
    const journal = await executeRows<{ n: number }>(
      db,
      'select count(*)::int as n from drizzle.__drizzle_migrations',
    );
    expect(journal[0]?.n).toBe(ALL_MIGRATIONS.length);
  });

  it('stores every timestamp as timestamptz', async () => {
    const database = await createTestDatabase();
    open.push(database);
    const columns = await executeRows<{ table_name: string; column_name: string }>(
      database.db,
      `select table_name, column_name from information_schema.columns
       where table_schema = 'public' and data_type = 'timestamp without time zone'`,
    );
    expect(columns).toEqual([]);
  });

  it.runIf(onPostgres)('lets concurrent runs queue on the migration lock instead of racing', async () => {
    const { handle, db } = await emptyDatabase();
    const results = await Promise.all([migrate(handle), migrate(handle), migrate(handle)]);
    const applied = results.map((r) => r.applied.length).sort();
    expect(applied).toEqual([0, 0, ALL_MIGRATIONS.length]);
    const journal = await executeRows<{ n: number }>(
      db,
      'select count(*)::int as n from drizzle.__drizzle_migrations',
    );
    expect(journal[0]?.n).toBe(ALL_MIGRATIONS.length);
  });
});
