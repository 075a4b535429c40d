import { executeRows, type SQL, sql } from '@syfthub/db';
import type { TestBackend } from './harness';

/**
 * A 20,000-endpoint catalogue for relevance tests at scale, written by one `insert … select generate_series` per
 * table. Endpoints are about topics, as on a real hub: each draws its name, tags, description and README from one
 * topic's vocabulary plus made-up brand words, so the words of a question meet hundreds of unrelated endpoints
 * one at a time (a code "library", a shop's "opening hours", a "central" bank) without any of them covering it.
 * 80 % are listed; the rest are internal, private, archived or inactive.
 */
export const CATALOGUE_SIZE = 20_000;
const OWNERS = 500;

const TOPICS = [
  'contract law court ruling statute tort appeal legal precedent clause liability lawsuit',
  'central bank interest rate inflation bond market stock dividend currency budget loan',
  'weather forecast rain storm climate temperature wind humidity snow pressure radar season',
  'python library package compiler rust module function api framework runtime parser code',
  'store opening hours shop customer order delivery price discount checkout inventory returns',
  'clinic patient medicine doctor vaccine hospital nurse symptom treatment diagnosis drug trial',
  'hotel flight booking airport train ticket travel tour museum city map guide',
  'recipe cooking kitchen ingredient wine restaurant menu dish baking vegetarian spice meal',
  'physics chemistry biology genome protein experiment laboratory molecule cell research data model',
  'school student teacher course exam lesson university curriculum homework grade tutor lecture',
  'mountain river valley ocean island desert forest lake coast glacier volcano region',
  'music jazz song album concert guitar piano orchestra lyrics melody rhythm band',
];
const SYLLABLES = [
  'ka',
  'lo',
  'mi',
  'ra',
  'ne',
  'zu',
  'to',
  'vi',
  'sa',
  'de',
  'ba',
  'po',
  'fi',
  'gu',
  'le',
  'mo',
];

/** A made-up word for `n` (SQL): three syllables chosen by its base-16 digits. */
function brand(n: SQL): SQL {
  const syllables = sql.raw(`array[${SYLLABLES.map((s) => `'${s}'`).join(',')}]`);
  return sql`(${syllables})[1 + ${n} % 16] || (${syllables})[1 + (${n} / 16) % 16] || (${syllables})[1 + (${n} / 256) % 16]`;
}

export interface Catalogue {
  /** Username of owner n (1-based), as seeded. */
  ownerName(n: number): string;
}

/**
 * Seeds the catalogue into the backend's database and refreshes the planner's statistics. The endpoints' indexes
 * are dropped for the load and built again after it (several times faster than maintaining five GIN indexes row
 * by row); their definitions are read from the catalog, so they are the migrations' own.
 */
export async function seedCatalogue(backend: TestBackend): Promise<Catalogue> {
  const db = backend.deps.db;
  const indexes = await executeRows<{ name: string; definition: string }>(
    db,
    sql`select indexname as name, indexdef as definition from pg_indexes as i
        where schemaname = current_schema() and tablename = 'endpoints'
          and not exists (select 1 from pg_constraint as c where c.conname = i.indexname)`,
  );
  for (const index of indexes) await db.execute(sql.raw(`drop index "${index.name}"`));
  const topics = sql.raw(`array[${TOPICS.map((t) => `'${t}'`).join(',')}]`);
  await db.execute(sql`
    insert into users (username, email, full_name, password_hash, is_email_verified)
    select ${brand(sql`n`)} || '-' || n, 'owner' || n || '@catalogue.example', 'Owner ' || n, 'x', true
    from generate_series(1, ${sql.raw(String(OWNERS))}) as n`);
  await db.execute(sql`
    with owners as (
      select id, row_number() over (order by id) as n from users where email like '%@catalogue.example'
    )
    insert into endpoints (user_id, name, slug, description, type, visibility, is_active, archived, readme,
                           stars_count, tags, updated_at)
    select owners.id,
           initcap(${brand(sql`(i * 7919) % 4096`)} || ' ' || w[1 + (hashint4(i * 16 + 1) & 2147483647) % 12]
                   || case when (hashint4(i) & 3) = 0 then ' ' || w[1 + (hashint4(i * 16 + 2) & 2147483647) % 12] else '' end),
           'catalogue-' || i,
           initcap(w[1 + (hashint4(i * 16 + 3) & 2147483647) % 12]) || ' and ' || w[1 + (hashint4(i * 16 + 4) & 2147483647) % 12] || ' for ' || ${brand(sql`i % 4096`)}
             || ' users: ' || w[1 + (hashint4(i * 16 + 5) & 2147483647) % 12] || ', ' || w[1 + (hashint4(i * 16 + 6) & 2147483647) % 12] || '.',
           (array['model', 'data_source', 'model_data_source', 'agent'])[1 + i % 4],
           case when i % 10 = 8 then 'internal' when i % 10 = 9 then 'private' else 'public' end,
           i % 50 <> 7,
           i % 50 = 13,
           '# ' || ${brand(sql`(i * 7919) % 4096`)} || E'\n\nThis source answers questions about '
             || w[1 + (hashint4(i * 16 + 7) & 2147483647) % 12] || ' and ' || w[1 + (hashint4(i * 16 + 8) & 2147483647) % 12] || '. It covers ' || w[1 + (hashint4(i * 16 + 9) & 2147483647) % 12]
             || ', ' || w[1 + (hashint4(i * 16 + 10) & 2147483647) % 12] || ' and ' || w[1 + (hashint4(i * 16 + 11) & 2147483647) % 12] || ', with examples from '
             || ${brand(sql`(i * 31) % 4096`)} || ' and ' || ${brand(sql`(i * 37) % 4096`)} || '.',
           (i * 37) % 101,
           jsonb_build_array(w[1 + (hashint4(i * 16 + 12) & 2147483647) % 12], w[1 + (hashint4(i * 16 + 13) & 2147483647) % 12]),
           now() - make_interval(mins => i)
    from generate_series(1, ${sql.raw(String(CATALOGUE_SIZE))}) as i
    cross join lateral (select string_to_array((${topics})[1 + (i * 7) % ${sql.raw(String(TOPICS.length))}], ' ') as w) as topic
    join owners on owners.n = 1 + i % ${sql.raw(String(OWNERS))}`);
  for (const index of indexes) await db.execute(sql.raw(index.definition));
  await db.execute(sql`analyze endpoints, users`);
  const owners = await executeRows<{ username: string; email: string }>(
    db,
    sql`select username, email from users where email like '%@catalogue.example'`,
  );
  const byNumber = new Map(owners.map((row) => [Number(/^owner(\d+)@/.exec(row.email)?.[1]), row.username]));
  return {
    ownerName(n) {
      const name = byNumber.get(n);
      if (!name) throw new Error(`no catalogue owner ${n}`);
      return name;
    },
  };
}

/**
 * The demo satellite's library handbook as it publishes itself to the hub (apps/satellite/endpoints.example.json and
 * the README its data source generates: the description, how it answers, and its documents' titles).
 */
export const LIBRARY_HANDBOOK = {
  name: 'Larchmere Public Library Handbook',
  type: 'data_source',
  description:
    'The handbook of a fictional city library: cards, loans, branches, study rooms, the digital collection and the makerspace.',
  tags: ['library', 'handbook', 'demo'],
  readme: [
    '# Larchmere Public Library Handbook',
    '',
    'The handbook of a fictional city library: cards, loans, branches, study rooms, the digital collection and the makerspace.',
    '',
    'This data source is served by the SyftHub reference satellite. It answers questions with keyword retrieval over the passages of its documents.',
    '',
    '## Documents',
    '',
    '- Borrowing, renewing and reserving',
    '- Branches and opening hours',
    '- Children and teenagers',
    '- The digital collection',
    '- Late, lost and damaged items',
    '- Library cards',
    '- The Workbench makerspace',
    '- Study rooms and public computers',
    '- Volunteering and the Friends of the Library',
    '- Welcome to the Larchmere Public Library',
  ].join('\n'),
};

/** The question SyftHub's web app sends as the user types (issue 21). */
export const LIBRARY_QUESTION = 'What are the opening hours of the central library?';
