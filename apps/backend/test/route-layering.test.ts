import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

// Issue 14, "one way into the database": route files call domain modules and never build drizzle queries, so
// they import from @syfthub/db only types and these helpers (none of which names a table or builds SQL).
const ALLOWED_VALUES = new Set(['isUniqueViolation', 'truncateAllTables', 'USER_ROLES']);
const ROUTES = join(import.meta.dirname, '..', 'src', 'routes');

function routeFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? routeFiles(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : [],
  );
}

function dbValueImports(source: string): string[] {
  const names: string[] = [];
  for (const match of source.matchAll(/import\s+(type\s+)?\{([^}]*)\}\s+from\s+'@syfthub\/db'/g)) {
    if (match[1]) continue;
    for (const raw of (match[2] ?? '').split(',')) {
      const name = raw.trim();
      if (name !== '' && !name.startsWith('type ')) names.push(name);
    }
  }
  if (/import\s+\*\s+as\s+\w+\s+from\s+'@syfthub\/db'/.test(source)) names.push('*');
  return names;
}

describe('backend route files', () => {
  it('reach the database only through domain modules', () => {
    const files = routeFiles(ROUTES);
    expect(files.length).toBeGreaterThan(20);
    const offenders = files.flatMap((file) =>
      dbValueImports(readFileSync(file, 'utf8'))
        .filter((name) => !ALLOWED_VALUES.has(name))
        .map((name) => `${relative(ROUTES, file)}: ${name}`),
    );
    expect(offenders).toEqual([]);
  });

  it('the check sees a table import', () => {
    expect(dbValueImports("import { eq, type User, users } from '@syfthub/db';")).toEqual(['eq', 'users']);
    expect(dbValueImports("import type { Db } from '@syfthub/db';")).toEqual([]);
  });
});
