/**
 * The benchmark dataset: 2,000 users and 20,000 endpoints (~1 KB READMEs, tags, stars, health reports and uptime
 * samples), written with COPY into a freshly migrated database; or a larger catalogue of the same kind (one user
 * per ten endpoints beyond 20,000). The generator is deterministic (fixed seed), so every run of a size measures
 * the same catalogue.
 */
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import postgres, { type Sql } from 'postgres';

export const USERS = 2_000;
export const ENDPOINTS = 20_000;

/** Users of a catalogue of `endpoints`: 2,000 up to 20,000 endpoints, one per ten beyond. */
export const usersFor = (endpoints: number) => Math.max(USERS, Math.round(endpoints / 10));

/**
 * A word no other part of the generator produces, written into the description of one endpoint in
 * `RARE_EVERY` (placed by id, so the rest of the dataset is the same as without it): the query mix's rare word.
 */
export const RARE_WORD = 'hydrology';
const RARE_EVERY = 2_000;
/** Uptime buckets per endpoint: the last six hours in the backend's default 30-minute buckets. */
const UPTIME_BUCKETS = 12;
const BUCKET_MS = 30 * 60_000;

const WORDS = (
  'legal contract law policy court ruling tax finance market stock weather climate forecast rain ocean ' +
  'science physics chemistry biology genome protein medicine health clinic patient drug trial vaccine ' +
  'history war empire art music jazz film poetry novel language translation grammar speech voice audio ' +
  'image vision camera satellite map city traffic transport rail flight energy solar wind grid battery ' +
  'code python rust compiler database search index vector embedding model agent chat assistant tutor ' +
  'school math algebra geometry statistics survey census election government budget news sports football ' +
  'recipe cooking food wine travel hotel museum library archive patent invoice receipt payroll insurance'
).split(' ');
const TAGS = WORDS.filter((_, i) => i % 3 === 0);
const SYLLABLES = 'ka lo mi ra ne zu to vi sa de ba po fi gu le mo ni ta ve ro'.split(' ');
// Product names are mostly made-up words; a catalogue whose names all share one small vocabulary would make every
// query a fuzzy match for most rows, which no real hub sees.
const BRANDS = Array.from({ length: 5_000 }, (_, i) => {
  let word = '';
  for (let n = i + 400; n > 0; n = Math.floor(n / SYLLABLES.length)) word += SYLLABLES[n % SYLLABLES.length];
  return word;
});
const TYPES = ['model', 'data_source', 'model_data_source', 'agent'] as const;

let state = 42;
function random(): number {
  // The same LCG, computed exactly: as a float product (up to 2^61) it lost its low bits and cycled after 125
  // endpoints, so the datasets were 125 endpoints repeated. Math.imul keeps the low 32 bits, which is all mod 2^31
  // needs.
  state = (Math.imul(state, 1_103_515_245) + 12_345) & 0x7fff_ffff;
  return state / 2_147_483_648;
}
const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
const words = (n: number) => Array.from({ length: n }, () => pick(WORDS)).join(' ');
/** Prose: mostly the long tail of the vocabulary, with the common domain words sprinkled in. */
const prose = (n: number) =>
  Array.from({ length: n }, () => (random() < 0.15 ? pick(WORDS) : pick(BRANDS))).join(' ');
const capitalised = (text: string) => text.replace(/\b\w/g, (c) => c.toUpperCase());

/** One field of PostgreSQL's COPY text format. */
function field(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  const text =
    value instanceof Date
      ? value.toISOString()
      : typeof value === 'object'
        ? JSON.stringify(value)
        : String(value);
  return text.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

async function copyRows(
  sql: Sql,
  table: string,
  columns: string[],
  rows: Iterable<unknown[]>,
): Promise<void> {
  const target = await sql.unsafe(`copy ${table} (${columns.join(', ')}) from stdin`).writable();
  await pipeline(
    (function* () {
      // Batches of lines keep the number of writes (and their overhead) small.
      let batch = '';
      for (const row of rows) {
        batch += `${row.map(field).join('\t')}\n`;
        if (batch.length > 256 * 1024) {
          yield batch;
          batch = '';
        }
      }
      if (batch) yield batch;
    })(),
    target as Writable,
  );
}

export interface SeedResult {
  /** Usernames in id order (`usernames[i]` has id i + 1). */
  usernames: string[];
  stars: number;
  uptimeSamples: number;
}

/**
 * Seeds the dataset. Every user gets the same password hash (`passwordHash`, computed once by the caller with the
 * backend's argon2 parameters): hashing 2,000 passwords at 64 MiB would take minutes and measure nothing.
 */
export async function seed(
  url: string,
  passwordHash: string,
  size: { endpoints: number } = { endpoints: ENDPOINTS },
): Promise<SeedResult> {
  const sql = postgres(url, {
    max: 2,
    onnotice: () => {},
    // Replica mode skips the foreign-key triggers: the generator only writes ids that exist.
    connection: { session_replication_role: 'replica', maintenance_work_mem: '256MB' },
  });
  try {
    return await seedWith(sql, passwordHash, size.endpoints);
  } finally {
    await sql.end();
  }
}

async function seedWith(sql: Sql, passwordHash: string, endpointCount: number): Promise<SeedResult> {
  // Building each index once after the load is several times faster than maintaining it row by row.
  const indexes = await sql<{ name: string; definition: string }[]>`
    select indexname as name, indexdef as definition from pg_indexes as i
    where schemaname = 'public' and tablename in ('users', 'endpoints', 'endpoint_stars', 'endpoint_uptime_samples')
      and not exists (select 1 from pg_constraint as c where c.conname = i.indexname)`;
  for (const index of indexes) await sql.unsafe(`drop index "${index.name}"`);
  const result = await load(sql, passwordHash, endpointCount, usersFor(endpointCount));
  await Promise.all(indexes.map((index) => sql.unsafe(index.definition)));
  // Vacuumed as well as analysed: a table just filled by bulk inserts gets an autovacuum pass (insert threshold)
  // that would otherwise run during the first measurement; a hub's tables are in this steady state.
  await sql`vacuum analyze`;
  return result;
}

async function load(
  sql: Sql,
  passwordHash: string,
  endpointTotal: number,
  userTotal: number,
): Promise<SeedResult> {
  state = 42;
  const now = Date.now();
  const usernames = Array.from({ length: userTotal }, (_, i) => `${pick(BRANDS)}-${i}`);
  await copyRows(
    sql,
    'users',
    ['id', 'username', 'email', 'full_name', 'password_hash', 'domain', 'is_email_verified', 'created_at'],
    usernames.map((username, i) => [
      i + 1,
      username,
      `bench${i}@example.com`,
      `Bench User ${i}`,
      passwordHash,
      `https://sat${i}.example.com`,
      true,
      new Date(now - Math.floor(random() * 365 * 86_400_000)),
    ]),
  );
  await sql`select setval('users_id_seq', ${userTotal})`;

  const starCounts: number[] = [];
  function* endpointRows(from: number, to: number) {
    for (let i = from; i < to; i += 1) {
      const userId = 1 + Math.floor(random() * userTotal);
      const roll = random();
      const visibility = roll < 0.8 ? 'public' : roll < 0.9 ? 'internal' : 'private';
      const name = capitalised(`${pick(BRANDS)} ${pick(WORDS)}${random() < 0.5 ? ` ${pick(BRANDS)}` : ''}`);
      const tags = [...new Set(Array.from({ length: 1 + Math.floor(random() * 4) }, () => pick(TAGS)))];
      // Star counts follow a long tail, as real catalogues do; each star is a row of endpoint_stars below.
      const stars = Math.max(0, Math.min(userTotal, Math.floor(1 / (random() + 0.001)) - 1));
      starCounts.push(stars);
      const health = random();
      const updatedAt = new Date(now - Math.floor(random() * 90 * 86_400_000));
      yield [
        i + 1,
        userId,
        name,
        `ep-${i}`,
        `${capitalised(words(2))} ${prose(10 + Math.floor(random() * 12))}${i % RARE_EVERY === RARE_EVERY / 2 ? ` ${RARE_WORD}` : ''}.`,
        pick(TYPES),
        visibility,
        random() > 0.05,
        random() < 0.03,
        health < 0.85 ? 'healthy' : health < 0.95 ? 'unhealthy' : null,
        health < 0.95 ? new Date(now - Math.floor(random() * 600_000)) : null,
        health < 0.95 ? 300 : null,
        `# ${name}\n\n${prose(150)}`,
        stars,
        tags,
        [userId],
        random() < 0.3
          ? [{ type: 'rate_limit', version: '1.0', enabled: true, description: '', config: {} }]
          : [],
        [
          {
            type: 'http',
            enabled: true,
            description: '',
            config: { url: `https://sat${userId - 1}.example.com` },
          },
        ],
        updatedAt,
        updatedAt,
      ];
    }
  }
  const endpointColumns = [
    'id',
    'user_id',
    'name',
    'slug',
    'description',
    'type',
    'visibility',
    'is_active',
    'archived',
    'health_status',
    'health_checked_at',
    'health_ttl_seconds',
    'readme',
    'stars_count',
    'tags',
    'contributors',
    'policies',
    'connect',
    'created_at',
    'updated_at',
  ];
  // Rows are generated up front (the generator's order must not depend on COPY timing), then loaded over two
  // connections: computing the search vector of each README is what the load spends its time on.
  const half = Math.floor(endpointTotal / 2);
  const endpointRows1 = [...endpointRows(0, half)];
  const endpointRows2 = [...endpointRows(half, endpointTotal)];
  await Promise.all([
    copyRows(sql, 'endpoints', endpointColumns, endpointRows1),
    copyRows(sql, 'endpoints', endpointColumns, endpointRows2),
  ]);
  await sql`select setval('endpoints_id_seq', ${endpointTotal})`;

  let stars = 0;
  function* starRows() {
    for (let e = 0; e < endpointTotal; e += 1) {
      const count = starCounts[e] ?? 0;
      const first = Math.floor(random() * userTotal);
      // Consecutive users from a random start are distinct because count <= userTotal.
      for (let k = 0; k < count; k += 1) {
        stars += 1;
        yield [1 + ((first + k) % userTotal), e + 1];
      }
    }
  }
  const starList = [...starRows()];

  const latestBucket = Math.floor(now / BUCKET_MS) * BUCKET_MS;
  function* uptimeRows() {
    for (let e = 1; e <= endpointTotal; e += 1) {
      for (let b = 0; b < UPTIME_BUCKETS; b += 1) {
        const total = 60;
        yield [
          e,
          new Date(latestBucket - b * BUCKET_MS),
          total,
          random() < 0.9 ? total : Math.floor(random() * total),
        ];
      }
    }
  }
  await Promise.all([
    copyRows(sql, 'endpoint_stars', ['user_id', 'endpoint_id'], starList),
    copyRows(
      sql,
      'endpoint_uptime_samples',
      ['endpoint_id', 'bucket_start', 'total_checks', 'healthy_checks'],
      // Read as COPY goes: only this generator draws random numbers by then, so the values are the same.
      uptimeRows(),
    ),
  ]);
  return { usernames, stars, uptimeSamples: endpointTotal * UPTIME_BUCKETS };
}
