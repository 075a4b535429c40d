/**
 * Discovery and search benchmark (backend-api.md §9, §16).
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres [REDIS_URL=redis://…] npx tsx bench/discovery.ts
 *     [--duration 10] [--connections 32] [--keep]
 *
 * Creates a fresh database on the DATABASE_URL server, seeds 2,000 users and 20,000 endpoints (~1 KB READMEs, tags,
 * star counts, a realistic mix of visibility and state), prints the query plans of the hot reads, starts the backend
 * as a real HTTP server in its own process, and drives it with autocannon in another process.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createDb, type Db, endpoints, type NewEndpoint, type NewUser, sql, users } from '@syfthub/db';
import { listPublicEndpoints, listTrendingEndpoints } from '../src/endpoints/listings';
import { searchEndpoints } from '../src/endpoints/search';

const USERS = 2_000;
const ENDPOINTS = 20_000;
const BACKEND_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(BACKEND_DIR, 'node_modules', '.bin');

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '32' },
    keep: { type: 'boolean', default: false },
  },
});

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

// mulberry32: a small seeded generator, so every run seeds the same catalogue.
let seed = 42;
function random(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
}
const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
const words = (n: number) => Array.from({ length: n }, () => pick(WORDS)).join(' ');
/** Prose: mostly the long tail of the vocabulary, with the common domain words sprinkled in. */
const prose = (n: number) =>
  Array.from({ length: n }, () => (random() < 0.15 ? pick(WORDS) : pick(BRANDS))).join(' ');
const capitalised = (text: string) => text.replace(/\b\w/g, (c) => c.toUpperCase());

function endpointRow(index: number, userId: number): NewEndpoint {
  const roll = random();
  const visibility = roll < 0.8 ? 'public' : roll < 0.9 ? 'internal' : 'private';
  const name = capitalised(`${pick(BRANDS)} ${pick(WORDS)}${random() < 0.5 ? ` ${pick(BRANDS)}` : ''}`);
  const tags = [...new Set(Array.from({ length: 1 + Math.floor(random() * 4) }, () => pick(TAGS)))];
  // Star counts follow a long tail, as real catalogues do.
  const stars = Math.max(0, Math.floor(1 / (random() + 0.001)) - 1);
  return {
    userId,
    name,
    slug: `ep-${index}`,
    description: `${capitalised(words(2))} ${prose(10 + Math.floor(random() * 12))}.`,
    type: pick(TYPES),
    visibility,
    isActive: random() > 0.05,
    archived: random() < 0.03,
    readme: `# ${name}\n\n${prose(150)}`,
    tags,
    starsCount: stars,
    policies:
      random() < 0.3
        ? [{ type: 'rate_limit', version: '1.0', enabled: true, description: '', config: {} }]
        : [],
    connect: [{ type: 'http', enabled: true, description: '', config: { url: '' } }],
    contributors: [userId],
    updatedAt: new Date(Date.now() - Math.floor(random() * 90 * 86_400_000)),
  };
}

async function seedDatabase(db: Db): Promise<void> {
  const userRows: NewUser[] = Array.from({ length: USERS }, (_, i) => ({
    username: `${pick(BRANDS)}-${i}`,
    email: `bench${i}@example.com`,
    fullName: `Bench User ${i}`,
    domain: `https://sat${i}.example.com`,
  }));
  const ids: number[] = [];
  for (let i = 0; i < userRows.length; i += 500) {
    const rows = await db
      .insert(users)
      .values(userRows.slice(i, i + 500))
      .returning({ id: users.id });
    ids.push(...rows.map((row) => row.id));
  }
  for (let i = 0; i < ENDPOINTS; i += 1000) {
    const batch = Array.from({ length: 1000 }, (_, j) => endpointRow(i + j, pick(ids)));
    await db.insert(endpoints).values(batch);
  }
  await db.execute('analyze');
}

/** The parts of the postgres-js client under drizzle that the plan printer uses. */
interface PostgresClient {
  options: { debug: unknown };
  unsafe(text: string, params: unknown[]): Promise<Array<Record<string, unknown>>>;
  begin<T>(fn: (tx: Pick<PostgresClient, 'unsafe'>) => Promise<T>): Promise<T>;
}

/**
 * Captures the SQL a data-access function sends (postgres-js reads its `debug` hook per query), then prints the
 * plan of exactly that statement with real timings.
 */
async function explain(
  handle: Awaited<ReturnType<typeof createDb>>,
  label: string,
  run: () => Promise<unknown>,
) {
  const client = (handle.db as unknown as { $client: PostgresClient }).$client;
  const captured: Array<{ text: string; params: unknown[] }> = [];
  client.options.debug = (_connection: number, text: string, params: unknown[]) =>
    captured.push({ text, params });
  await run();
  client.options.debug = false;
  // Replays the statements before the measured one (the search sets its trigram thresholds first) in a transaction.
  const statements = captured.filter((q) => /^\s*(select|with)/i.test(q.text));
  const query = statements.at(-1);
  if (!query) return;
  const plan = await client.begin(async (tx) => {
    for (const setup of statements.slice(0, -1)) await tx.unsafe(setup.text, setup.params);
    return tx.unsafe(`explain (analyze, buffers, costs off) ${query.text}`, query.params);
  });
  const lines = plan.map((row) => String(row['QUERY PLAN']));
  console.log(`\n--- plan: ${label}\n${lines.join('\n')}`);
}

async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

async function startBackend(databaseUrl: string, port: number): Promise<ChildProcess> {
  const child = spawn(join(BIN, 'tsx'), ['src/main.ts'], {
    cwd: BACKEND_DIR,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: {
      ...process.env,
      ENVIRONMENT: 'development',
      DATABASE_URL: databaseUrl,
      REDIS_URL: process.env.REDIS_URL ?? 'memory://',
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      RATE_LIMIT_ENABLED: 'false',
      HEALTH_CHECK_ENABLED: 'false',
      DOCS_ENABLED: 'false',
      METRICS_ENABLED: 'true',
      DB_POOL_SIZE: '10',
      RSA_KEYS_DIRECTORY: mkdtempSync(join(tmpdir(), 'bench-keys-')),
    },
  });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/ready`);
      if (res.ok) return child;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  child.kill('SIGTERM');
  throw new Error('backend did not become ready within 60 s');
}

interface Scenario {
  label: string;
  path: string;
  method?: 'POST';
  body?: unknown;
}

interface Figures {
  label: string;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

/** Runs autocannon in its own process so the load generator does not share an event loop with anything. */
async function load(base: string, scenario: Scenario): Promise<Figures> {
  const cli = ['-c', args.connections, '-d', args.duration, '-j'];
  if (scenario.method) {
    cli.push(
      '-m',
      scenario.method,
      '-H',
      'Content-Type=application/json',
      '-b',
      JSON.stringify(scenario.body),
    );
  }
  const child = spawn(join(BIN, 'autocannon'), [...cli, `${base}${scenario.path}`], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  await once(child, 'exit');
  const result = JSON.parse(out) as {
    requests: { average: number };
    latency: { p50: number; p99: number };
    non2xx: number;
    errors: number;
  };
  return {
    label: scenario.label,
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

async function main(): Promise<void> {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) throw new Error('DATABASE_URL (a PostgreSQL server) is required');
  const name = `syfthub_bench_${Date.now()}`;
  const admin = await createDb({ url: serverUrl, poolSize: 1 });
  await admin.db.execute(sql.raw(`create database "${name}"`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const benchUrl = url.toString();
  let backend: ChildProcess | undefined;
  try {
    const handle = await createDb({ url: benchUrl, migrate: true, poolSize: 4 });
    const started = Date.now();
    await seedDatabase(handle.db);
    console.log(
      `seeded ${USERS} users and ${ENDPOINTS} endpoints in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    await explain(handle, 'public list', () => listPublicEndpoints(handle.db, { skip: 0, limit: 20 }));
    await explain(handle, 'public list ?search=', () =>
      listPublicEndpoints(handle.db, { skip: 0, limit: 20, search: 'contract' }),
    );
    await explain(handle, 'trending', () => listTrendingEndpoints(handle.db, { skip: 0, limit: 20 }));
    await explain(handle, 'search', () =>
      searchEndpoints(handle.db, { query: 'legal contract assistant', topK: 10, minScore: 0.05 }),
    );
    await handle.close();

    const port = await freePort();
    backend = await startBackend(benchUrl, port);
    const base = `http://127.0.0.1:${port}`;
    const scenarios: Scenario[] = [
      { label: 'GET /endpoints/public?limit=20', path: '/api/v1/endpoints/public?limit=20' },
      {
        label: 'GET /endpoints/public?search=contract',
        path: '/api/v1/endpoints/public?limit=20&search=contract',
      },
      {
        label: 'POST /endpoints/search',
        path: '/api/v1/endpoints/search',
        method: 'POST',
        body: { query: 'legal contract assistant', top_k: 10 },
      },
      { label: 'GET /endpoints/trending?limit=20', path: '/api/v1/endpoints/trending?limit=20' },
    ];
    const figures: Figures[] = [];
    for (const scenario of scenarios) {
      figures.push(await load(base, scenario));
      // Lets requests still in flight from the previous run finish before the next one is measured.
      await new Promise((resolve) => setTimeout(resolve, 3_000));
    }
    console.log(
      `\n${args.connections} connections, ${args.duration} s each\n\n| route | req/s | p50 ms | p99 ms | non-2xx | errors |\n|---|---|---|---|---|---|`,
    );
    for (const f of figures)
      console.log(`| ${f.label} | ${f.rps} | ${f.p50} | ${f.p99} | ${f.non2xx} | ${f.errors} |`);
  } finally {
    if (backend) {
      backend.kill('SIGTERM');
      await once(backend, 'exit');
    }
    if (!args.keep) await admin.db.execute(sql.raw(`drop database if exists "${name}" with (force)`));
    else console.log(`kept database ${name}`);
    await admin.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
