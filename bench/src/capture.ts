/**
 * The SQL the backend sends for the measured reads, captured from its own data-access functions (postgres-js reads
 * its `debug` hook per query), so the floor replays exactly the same statements with the same parameters. Also
 * prints the plan of each with real timings (EXPLAIN ANALYZE), for the report.
 */
import { createDb, sql as drizzleSql, endpoints, eq, users } from '@syfthub/db';
// The backend's data-access functions are not part of its package exports; the bench reads them from source.
import { listPublicEndpoints, listTrendingEndpoints } from '../../apps/backend/src/endpoints/listings';
import { searchEndpoints } from '../../apps/backend/src/endpoints/search';
import { endpointViewFields } from '../../apps/backend/src/endpoints/views';

export interface Statement {
  text: string;
  params: unknown[];
}

/** Statements run in one transaction: `setup` first (e.g. `set_config`), then `query`, whose rows are the answer. */
export interface CapturedQuery {
  setup: Statement[];
  query: Statement;
}

export interface CapturedSql {
  publicList: CapturedQuery;
  /** `GET /endpoints/public?limit=20&search=<text>`, by text. */
  publicSearch: Record<string, CapturedQuery>;
  trending: CapturedQuery;
  /** `POST /endpoints/search` with `{query, top_k}`, by query. */
  search: Record<string, CapturedQuery>;
  /**
   * The physical floor's read: the columns every endpoint response is built from (the routes' own selection, with
   * the owner) for a list of ids; the only parameter is the ids, comma-separated.
   */
  byIds: Statement;
  /** The authenticator's user lookup; the first parameter is the user id. */
  userById: Statement;
  /** The token route's audience lookup; the first parameter is the username. */
  audience: Statement;
  /** The login route's lookup; the first parameter is the username. */
  userByUsername: Statement;
}

export interface CaptureOptions {
  /** Texts of the public listing's `search=`. */
  searchTerms: string[];
  /** Queries of `POST /endpoints/search`. */
  searchQueries: string[];
  topK: number;
  minScore: number;
}

const statement = ({ sql, params }: { sql: string; params: unknown[] }): Statement => ({ text: sql, params });

interface PostgresClient {
  options: { debug: unknown };
  unsafe(text: string, params: unknown[]): Promise<Array<Record<string, unknown>>>;
  begin<T>(fn: (tx: Pick<PostgresClient, 'unsafe'>) => Promise<T>): Promise<T>;
}

export async function captureSql(
  url: string,
  options: CaptureOptions,
): Promise<{ sql: CapturedSql; plans: Record<string, string[]> }> {
  const handle = await createDb({ url, poolSize: 1 });
  const client = (handle.db as unknown as { $client: PostgresClient }).$client;
  const plans: Record<string, string[]> = {};
  // postgres-js reads the server's array types on a connection's first query; that one must not be captured.
  await client.unsafe('select 1', []);

  async function capture(label: string, run: () => Promise<unknown>): Promise<CapturedQuery> {
    // Once uncaptured first: per-process lookups (postgres-js's types, the search's term statistics) are not part
    // of a request's work.
    await run();
    const seen: Statement[] = [];
    // A copy: postgres-js later serialises the array in place (a boolean becomes 't'/'f', which a replay would
    // send as a text and PostgreSQL's bool serialiser would turn into false).
    client.options.debug = (_connection: number, text: string, params: unknown[]) =>
      seen.push({ text, params: [...params] });
    await run();
    client.options.debug = false;
    const statements = seen.filter((q) => /^\s*(select|with)/i.test(q.text));
    const query = statements.at(-1);
    if (!query) throw new Error(`no statement captured for ${label}`);
    const captured = { setup: statements.slice(0, -1), query };
    // Every statement is explained (the search ranks, then loads the rows it kept) after the `set_config` calls.
    const plan = await client.begin(async (tx) => {
      const lines: string[] = [];
      for (const each of statements) {
        if (/^\s*select\s+set_config/i.test(each.text)) {
          await tx.unsafe(each.text, each.params);
          continue;
        }
        const rows = await tx.unsafe(`explain (analyze, buffers, costs off) ${each.text}`, each.params);
        if (lines.length > 0) lines.push('');
        lines.push(...rows.map((row) => String(row['QUERY PLAN'])));
      }
      return lines;
    });
    plans[label] = plan;
    return captured;
  }

  try {
    const sql: CapturedSql = {
      publicList: await capture('GET /endpoints/public?limit=20', () =>
        listPublicEndpoints(handle.db, { skip: 0, limit: 20 }),
      ),
      publicSearch: {},
      trending: await capture('GET /endpoints/trending?limit=20', () =>
        listTrendingEndpoints(handle.db, { skip: 0, limit: 20 }),
      ),
      search: {},
      byIds: statement(
        handle.db
          .select(endpointViewFields)
          .from(endpoints)
          .innerJoin(users, eq(users.id, endpoints.userId))
          .where(drizzleSql`${endpoints.id} = any(string_to_array(${'0'}, ',')::int[])`)
          .toSQL(),
      ),
      userById: statement(handle.db.select().from(users).where(eq(users.id, 1)).limit(1).toSQL()),
      audience: statement(
        handle.db
          .select({ isActive: users.isActive })
          .from(users)
          .where(eq(users.username, 'x'))
          .limit(1)
          .toSQL(),
      ),
      userByUsername: statement(
        handle.db.select().from(users).where(eq(users.username, 'x')).limit(1).toSQL(),
      ),
    };
    for (const search of options.searchTerms) {
      sql.publicSearch[search] = await capture(`GET /endpoints/public?limit=20&search=${search}`, () =>
        listPublicEndpoints(handle.db, { skip: 0, limit: 20, search }),
      );
    }
    for (const query of options.searchQueries) {
      sql.search[query] = await capture(`POST /endpoints/search "${query}" (top_k ${options.topK})`, () =>
        searchEndpoints(handle.db, { query, topK: options.topK, minScore: options.minScore }),
      );
    }
    return { sql, plans };
  } finally {
    await handle.close();
  }
}
