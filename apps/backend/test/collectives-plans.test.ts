import { Collective, type Collective as CollectiveJson } from '@syfthub/contracts';
import { sql } from '@syfthub/db';
import { createTestDatabase } from '@syfthub/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { approvedMember, C, createCollective, dataSource, expectShape } from './collectives-fixtures';
import type { Account } from './endpoints-fixtures';
import { createTestBackend, type TestBackend } from './harness';

// GET /collectives runs prepared statements; PostgreSQL plans one with its values for five runs and then keeps a
// generic plan only when the generic estimate is no costlier. The listing's statements keep every value behind a
// sub-select (planParam in @syfthub/db, packages/db/src/prepared.ts) so the generic plan is kept and requests are not planned again.
// One pool connection, so every request runs on the session whose pg_prepared_statements this test reads.

const onPostgres = Boolean(process.env.DATABASE_URL);
let backend: TestBackend;
let owner: Account;
let member: Account;
let made: CollectiveJson;

beforeAll(async () => {
  backend = await createTestBackend({}, { database: await createTestDatabase({ poolSize: 1 }) });
  [owner, member] = await Promise.all([backend.registerUser(), backend.registerUser()]);
  made = await createCollective(backend, owner.access_token, { tags: ['legal'] });
  const privateSource = await dataSource(backend, member, { visibility: 'private' });
  await approvedMember(backend, made, owner, member, privateSource.id);
  // Enough older collectives, with statistics, for the plan estimates to depend on the values (the bench's 1,000).
  await backend.deps.db.execute(sql`
    insert into collectives (owner_id, name, slug, created_at, updated_at)
    select ${owner.user.id}, 'Older ' || i, 'older-plans-' || i, timestamptz '2020-01-01' + i * interval '1 minute', now()
    from generate_series(1, 1000) as i`);
  await backend.deps.db.execute(sql`analyze`);
});
afterAll(async () => {
  await backend.close();
  await backend.database.close();
});

describe.runIf(onPostgres)('GET /collectives prepared statements', () => {
  it('keep a generic plan after the first runs (anonymous, signed in, search, owner filter)', async () => {
    const reads: Array<[string, string | undefined]> = [
      [`${C}?limit=50`, undefined],
      [`${C}?limit=50`, member.access_token],
      [`${C}?search=legal&limit=50`, undefined],
      [`${C}?owner_id=${made.owner_id}&skip=0&limit=10`, member.access_token],
    ];
    for (let run = 0; run < 8; run++) {
      for (const [path, token] of reads) {
        const listed = expectShape(
          await backend.api('GET', path, token ? { token } : {}),
          200,
          z.array(Collective),
        );
        const row = listed.find((c) => c.id === made.id);
        // The private member counts for its owner only (collectives.md §5.3).
        expect(row?.member_count).toBe(token ? 1 : 0);
      }
    }
    const rows = (await backend.deps.db.execute(sql`
      select statement, generic_plans::int as generic, custom_plans::int as custom
      from pg_prepared_statements where statement like '%string_agg%' and statement like '%"collectives"%'`)) as unknown as Array<{
      statement: string;
      generic: number;
      custom: number;
    }>;
    expect(rows.length).toBe(reads.length);
    for (const row of rows) {
      expect(row.custom, row.statement).toBeLessThanOrEqual(5);
      expect(row.generic, row.statement).toBeGreaterThanOrEqual(3);
    }
  });

  // The stored lowercased text decides a single-line term alone; the per-field test (lowercasing name and
  // description, a function scan over the tags, for every row read) runs only for a term with a line break, which
  // could match across two fields. Run with EXPLAIN ANALYZE on the backend's own prepared statement.
  it('search runs the per-field test only for a term with a line break', async () => {
    await backend.api('GET', `${C}?search=legal&limit=50`);
    const [statement] = (await backend.deps.db.execute(sql`
      select name, parameter_types::text[] as types from pg_prepared_statements
      where statement like '%"search_text" like%' and statement like '%string_agg%'`)) as unknown as Array<{
      name: string;
      types: string[];
    }>;
    expect(statement).toBeDefined();
    const tagScans = async (pattern: string) => {
      const ints = [50, 0];
      const values = (statement?.types ?? []).map((type) =>
        type === 'text' ? `'${pattern.replaceAll("'", "''")}'` : String(ints.shift()),
      );
      const [row] = (await backend.deps.db.execute(
        sql.raw(`explain (analyze, format json) execute "${statement?.name}"(${values.join(', ')})`),
      )) as unknown as Array<{ 'QUERY PLAN': Array<{ Plan: Record<string, unknown> }> }>;
      const loops: number[] = [];
      const walk = (node: Record<string, unknown>) => {
        if (node['Node Type'] === 'Function Scan') loops.push(node['Actual Loops'] as number);
        for (const child of (node.Plans as Record<string, unknown>[] | undefined) ?? []) walk(child);
      };
      const plans = row?.['QUERY PLAN'] ?? [];
      walk(plans[0]?.Plan ?? {});
      return loops;
    };
    // One function scan over the tags in the plan, never run for a single-line term that rows pass the LIKE of.
    expect(await tagScans('%legal%')).toEqual([0]);
    // `made` has no description: its stored text holds "…\n\nlegal", so this passes the LIKE and needs the exact test.
    const multiLine = await tagScans('%\nlegal%');
    expect(multiLine).toHaveLength(1);
    expect(multiLine[0]).toBeGreaterThan(0);
  });
});
