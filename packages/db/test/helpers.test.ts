import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import journal from '../drizzle/meta/_journal.json' with { type: 'json' };
import {
  type Db,
  escapeLike,
  executeRows,
  ilike,
  isUniqueViolation,
  sql,
  truncateAllTables,
  users,
  withAdvisoryXactLock,
} from '../src/index';
import { createTestDatabase, type TestDatabase } from '../src/testing';
import { insertEndpoint, insertUser } from './fixtures';

/** Every checked-in migration, in order. */
const ALL_MIGRATIONS = journal.entries.map((entry) => entry.tag);

const onPostgres = Boolean(process.env.DATABASE_URL);
let database: TestDatabase;
let db: Db;

beforeAll(async () => {
  database = await createTestDatabase();
  db = database.db;
});

afterAll(async () => {
  await database?.close();
});

describe('escapeLike', () => {
  it('escapes backslash, percent and underscore', () => {
    expect(escapeLike('100%_a\\b')).toBe('100\\%\\_a\\\\b');
    expect(escapeLike('plain')).toBe('plain');
  });

  it('makes ILIKE match the text literally', async () => {
    await insertUser(db, { username: 'under_score', email: 'u1@example.com' });
    await insertUser(db, { username: 'underxscore', email: 'u2@example.com' });
    await insertUser(db, { username: 'pct%name', email: 'u3@example.com' });
    const find = async (text: string) =>
      (
        await db
          .select({ username: users.username })
          .from(users)
          .where(ilike(users.username, `%${escapeLike(text)}%`))
      )
        .map((u) => u.username)
        .sort();
    expect(await find('r_s')).toEqual(['under_score']);
    expect(await find('T%N')).toEqual(['pct%name']);
    expect(await find('%')).toEqual(['pct%name']);
  });
});

describe('executeRows', () => {
  it('returns the rows as an array whichever driver answers', async () => {
    const rows = await executeRows<{ n: number; word: string }>(
      db,
      sql`select 1::int as n, ${'hi'}::text as word`,
    );
    expect(rows).toEqual([{ n: 1, word: 'hi' }]);
    const inTx = await db.transaction((tx) => executeRows<{ n: number }>(tx, 'select 2::int as n'));
    expect(inTx).toEqual([{ n: 2 }]);
  });
});

describe('withAdvisoryXactLock', () => {
  it('runs the function in a transaction and returns its result', async () => {
    const outcome = await withAdvisoryXactLock(db, 424242, async (tx) => {
      await insertUser(tx, { username: 'locked_in', email: 'locked@example.com' });
      return 'done';
    });
    expect(outcome).toEqual({ acquired: true, result: 'done' });
  });

  it('rolls back with the function and releases the lock', async () => {
    const err = await withAdvisoryXactLock(db, 424242, async (tx) => {
      await insertUser(tx, { username: 'rolled_back', email: 'rolled@example.com' });
      await insertUser(tx, { username: 'rolled_back', email: 'rolled2@example.com' });
    }).catch((e: unknown) => e);
    expect(isUniqueViolation(err, 'users_username_key')).toBe(true);
    const rows = await executeRows(db, sql`select 1 from users where username = 'rolled_back'`);
    expect(rows).toEqual([]);
    expect((await withAdvisoryXactLock(db, 424242, async () => 1)).acquired).toBe(true);
  });

  it.runIf(onPostgres)('lets exactly one of two concurrent callers run', async () => {
    let releaseFirst: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      releaseFirst = resolve;
    });
    let entered: () => void = () => {};
    const firstEntered = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const runs: string[] = [];
    const first = withAdvisoryXactLock(db, 839201, async () => {
      runs.push('first');
      entered();
      await gate;
      return 'first';
    });
    await firstEntered;
    const second = await withAdvisoryXactLock(db, 839201, async () => {
      runs.push('second');
      return 'second';
    });
    releaseFirst();
    expect(second).toEqual({ acquired: false });
    expect(await first).toEqual({ acquired: true, result: 'first' });
    expect(runs).toEqual(['first']);
    // The lock is transaction-scoped: once the first transaction commits, the key is free again.
    expect(await withAdvisoryXactLock(db, 839201, async () => 'third')).toEqual({
      acquired: true,
      result: 'third',
    });
  });
});

describe('truncateAllTables', () => {
  it('empties every table, restarts identities and keeps the migrations journal', async () => {
    const owner = await insertUser(db);
    await insertEndpoint(db, owner.id);
    await truncateAllTables(db);
    const counts = await executeRows<{ users: number; endpoints: number; journal: number }>(
      db,
      sql`select (select count(*)::int from users) as users,
                 (select count(*)::int from endpoints) as endpoints,
                 (select count(*)::int from drizzle.__drizzle_migrations) as journal`,
    );
    expect(counts).toEqual([{ users: 0, endpoints: 0, journal: ALL_MIGRATIONS.length }]);
    const fresh = await insertUser(db);
    expect(fresh.id).toBe(1);
  });
});
