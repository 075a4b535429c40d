import { sql } from '@syfthub/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCapturingLogger } from './auth-fixtures';
import { createTestBackend, type TestBackend } from './harness';

// Issue 19 defects 12 and 13: what reaches the log when a statement fails, and at which level the designed 501s are.

let backend: TestBackend;
let lines: Array<Record<string, unknown>>;

beforeAll(async () => {
  const captured = createCapturingLogger();
  lines = captured.lines;
  backend = await createTestBackend({}, { logger: captured.logger });
});

afterAll(async () => {
  await backend?.close();
});

describe('a failed query (defect 12)', () => {
  it('is logged without its statement parameters', async () => {
    await backend.deps.db.execute(sql`
      create or replace function fail_on_leak() returns trigger language plpgsql as $$
      begin
        if new.full_name = 'Leaky Name' then raise exception 'simulated failure'; end if;
        return new;
      end $$`);
    await backend.deps.db.execute(
      sql`create trigger fail_on_leak before insert on users for each row execute function fail_on_leak()`,
    );
    const secretEmail = 'secret-looking-s3cr3t@example.com';
    const password = 'hunter2-Sup3rS3cret';
    try {
      lines.length = 0;
      const res = await backend.api('POST', '/api/v1/auth/register', {
        json: { username: 'leakyuser', email: secretEmail, full_name: 'Leaky Name', password },
      });
      expect(res.status).toBe(500);
      const failed = lines.filter((line) => line.event === 'request.failed');
      expect(failed).toHaveLength(1);
      const text = JSON.stringify(lines);
      // The statement is there to debug with; its values (the address and the argon2 hash) are not.
      expect(text).toContain('Failed query: insert into');
      expect(text).toContain('params: [REDACTED]');
      expect(text).not.toContain(secretEmail);
      expect(text).not.toContain('$argon2');
      expect(text).not.toContain(password);
      expect(text).not.toContain('leakyuser');
    } finally {
      await backend.deps.db.execute(sql`drop trigger fail_on_leak on users`);
    }
  });
});

describe('the designed 501 routes (defect 13)', () => {
  it('log at info as request.completed, with nothing at warn or error', async () => {
    lines.length = 0;
    const res = await backend.api('GET', '/api/v1/wallet/transactions');
    expect(res.status).toBe(501);
    const completed = lines.filter((line) => line.event === 'request.completed');
    expect(completed).toHaveLength(1);
    expect(completed[0]).toMatchObject({
      level: 'info',
      status_code: 501,
      path: '/api/v1/wallet/transactions',
    });
    expect(lines.filter((line) => line.level === 'error' || line.level === 'warn')).toEqual([]);
  });
});
