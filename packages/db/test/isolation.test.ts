import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createDb,
  executeRows,
  isForeignKeyViolation,
  isUniqueViolation,
  pgErrorInfo,
  users,
} from '../src/index';
import { createTestDatabase, type TestDatabase } from '../src/testing';
import { insertEndpoint, insertUser } from './fixtures';

const serverUrl = process.env.DATABASE_URL;
const open: TestDatabase[] = [];

afterAll(async () => {
  await Promise.all(open.map((database) => database.close()));
});

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the statement to fail');
}

describe('createTestDatabase', () => {
  it('gives each caller its own migrated database', async () => {
    const [a, b] = await Promise.all([createTestDatabase(), createTestDatabase()]);
    if (!a || !b) throw new Error('missing database');
    open.push(a, b);
    await insertUser(a.db, { username: 'only_in_a', email: 'a@example.com' });
    expect(await b.db.select().from(users)).toEqual([]);
    await insertUser(b.db, { username: 'only_in_a', email: 'a@example.com' });
    expect((await a.db.select().from(users)).map((u) => u.username)).toEqual(['only_in_a']);
    if (serverUrl) {
      expect(a.url).toMatch(/^postgres(ql)?:\/\//);
      expect(a.url).not.toBe(b.url);
    } else {
      expect(a.url).toBeUndefined();
      expect(a.handle.kind).toBe('pglite');
    }
  });

  it.runIf(serverUrl)(
    'exposes a url other processes can connect to, and drops the database on close',
    async () => {
      const database = await createTestDatabase();
      const url = database.url ?? '';
      const other = await createDb({ url, poolSize: 1 });
      await insertUser(database.db, { username: 'shared', email: 'shared@example.com' });
      expect(await executeRows(other.db, 'select username from users')).toEqual([{ username: 'shared' }]);
      await other.close();

      const name = new URL(url).pathname.slice(1);
      await database.close();
      const admin = postgres(serverUrl ?? '', { max: 1 });
      try {
        const rows = await admin`select 1 from pg_database where datname = ${name}`;
        expect(rows).toHaveLength(0);
      } finally {
        await admin.end();
      }
    },
  );
});

describe.runIf(serverUrl)('createDb on PostgreSQL', () => {
  it('applies the statement timeout to every pooled connection, pings, and closes idempotently', async () => {
    const handle = await createDb({ url: serverUrl, poolSize: 2, statementTimeoutMs: 100 });
    try {
      await handle.ping();
      const results = await Promise.allSettled([
        executeRows(handle.db, 'select pg_sleep(1)'),
        executeRows(handle.db, 'select pg_sleep(1)'),
      ]);
      for (const result of results) {
        expect(result.status).toBe('rejected');
        if (result.status === 'rejected') expect(pgErrorInfo(result.reason)?.code).toBe('57014');
      }
    } finally {
      await handle.close();
      await handle.close();
    }
    await expect(handle.ping()).rejects.toThrow();
  });

  it('turns JIT compilation off on its connections', async () => {
    const handle = await createDb({ url: serverUrl, poolSize: 1 });
    try {
      const [row] = await executeRows(handle.db, "select current_setting('jit') as jit");
      expect(row?.jit).toBe('off');
    } finally {
      await handle.close();
    }
  });
});

const drivers: { kind: string; embedded: boolean }[] = [
  { kind: 'pglite', embedded: true },
  ...(serverUrl ? [{ kind: 'postgres', embedded: false }] : []),
];

describe.each(drivers)('driver errors on $kind', ({ kind, embedded }) => {
  it('are recognised through drizzle’s wrapping', async () => {
    const database = await createTestDatabase({ embedded });
    open.push(database);
    expect(database.handle.kind).toBe(kind);
    const alice = await insertUser(database.db, { username: 'alice', email: 'alice@example.com' });

    const duplicate = await failure(
      insertUser(database.db, { username: 'alice', email: 'other@example.com' }),
    );
    expect(isUniqueViolation(duplicate)).toBe(true);
    expect(isUniqueViolation(duplicate, 'users_username_key')).toBe(true);
    expect(isUniqueViolation(duplicate, 'users_email_key')).toBe(false);
    expect(isForeignKeyViolation(duplicate)).toBe(false);
    expect(pgErrorInfo(duplicate)).toEqual({ code: '23505', constraint: 'users_username_key' });

    const orphan = await failure(insertEndpoint(database.db, alice.id + 1000));
    expect(isForeignKeyViolation(orphan)).toBe(true);
    expect(isUniqueViolation(orphan)).toBe(false);

    expect(isUniqueViolation(new Error('duplicate key value'))).toBe(false);
    expect(isUniqueViolation(undefined)).toBe(false);
  });
});
