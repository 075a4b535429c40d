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
});
