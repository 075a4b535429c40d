/**
 * `pnpm bench`: builds the services if needed, seeds a fresh PostgreSQL database, starts the built backend,
 * aggregator and MCP service as separate processes (real Redis, rate limits off), and measures each scenario
 * with autocannon in a separate process next to its floor (a bare Hono route doing the same work with the same
 * drivers, measured in the same run). Writes the report to results/<date>.md.
 *
 *   pnpm bench [-- --duration 6 --connections 32 --streams 2000 --hold 5 --requests 2000 --no-build --keep]
 *   pnpm bench -- --sizes 20000          (catalogue sizes: the first gets every scenario, the others the search
 *                                         routes; default 20000,200000)
 *   pnpm bench -- --search-only          (only the search routes, at every size: results/<date>-search.md)
 *   pnpm bench -- --seed-only   (seed a database, capture the SQL, keep both and stop: for profiling by hand)
 *   pnpm bench -- --backend-only health,me,token --sizes 1000
 *                               (only those backend scenarios, printed and not written to results/: health,
 *                                me, token, sign; for comparing one change)
 *   pnpm bench -- --aggregator-only     (the aggregator scenarios alone, no database; figures in the log only)
 *   pnpm bench -- --cpu-prof DIR (the backend and the aggregator run with --cpu-prof; their .cpuprofile files land
 *                                in DIR at exit)
 *
 * Needs PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres: a database is created and
 * dropped) and Redis (BENCH_REDIS_URL, default redis://127.0.0.1:6379/13: a database index of its own, because
 * revocation and rate-limit keys would otherwise mix with whatever else uses the server).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { hash } from '@node-rs/argon2';
import { build } from 'tsup';
import { type AggregatorResults, runAggregatorScenarios, startSatellites } from './aggregator';
import { captureSql } from './capture';
import {
  ARGON2,
  backendNodeOptions,
  createDatabase,
  login,
  loginMany,
  migrateDatabase,
  PASSWORD,
  REDIS_URL,
  SERVER_URL,
  serviceEnv,
  startBackend,
} from './lib/backend';
import { type LoadSpec, type Measurement, measure } from './lib/load';
import { freePort, run, type Service, sleep, startService } from './lib/proc';
import { percentile } from './lib/stats';
import { machine, startLoadSampler } from './machine';
import { obtainMcpToken } from './mcp-token';
import { type MixQuery, queryMix } from './query-mix';
import {
  type BackendRow,
  type Dataset,
  type Report,
  type SearchRouteResult,
  writeReport,
  writeSearchReport,
} from './report';
import { seed, usersFor } from './seed';

const { values: args } = parseArgs({
  // `pnpm bench -- --duration 10` hands the script a literal `--` first.
  args: process.argv.slice(2).filter((arg) => arg !== '--'),
  options: {
    duration: { type: 'string', default: '6' },
    connections: { type: 'string', default: '32' },
    streams: { type: 'string', default: '2000' },
    hold: { type: 'string', default: '5' },
    requests: { type: 'string', default: '2000' },
    'no-build': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    'seed-only': { type: 'boolean', default: false },
    sizes: { type: 'string', default: '20000,200000' },
    'search-only': { type: 'boolean', default: false },
    'backend-only': { type: 'string' },
    'cpu-prof': { type: 'string' },
    'aggregator-only': { type: 'boolean', default: false },
  },
});
const DURATION = Number(args.duration);
const CONNECTIONS = Number(args.connections);
/** Accounts the distinct-caller scenarios spread their requests over (each its own access token). */
const DISTINCT_CALLERS = 64;

const BENCH_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
const ROOT = join(BENCH_DIR, '..');
const BIN = join(BENCH_DIR, 'node_modules', '.bin');
/** Catalogue sizes, smallest first: the first is measured in full, the others on the search routes. */
const SIZES = [...new Set((args.sizes as string).split(',').map((size) => Number(size.trim())))].sort(
  (a, b) => a - b,
);
if (SIZES.length === 0 || SIZES.some((size) => !Number.isInteger(size) || size < 1000)) {
  throw new Error(`--sizes takes endpoint counts of at least 1000, comma-separated: ${args.sizes}`);
}
/** Rows asked of each search route: the listing's page and the search's `top_k`. */
const TOP_K = 20;
const MIN_SCORE = 0.05;

const log = (message: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);

/** The commit being measured and the service files that differ from it (the build takes the working tree). */
function codeVersion(): { commit: string; dirty: string[] } {
  const git = (...gitArgs: string[]) => execFileSync('git', gitArgs, { cwd: ROOT }).toString().trim();
  const dirty = git('status', '--porcelain', '--', 'apps', 'packages')
    .split('\n')
    .filter((line) => /^.M|^M/.test(line))
    .map((line) => line.slice(3));
  return { commit: git('rev-parse', '--short', 'HEAD'), dirty };
}

async function buildEverything(): Promise<void> {
  if (!args['no-build']) {
    log('building the services (turbo; cached when unchanged)');
    await run(
      join(BIN, 'turbo'),
      [
        'run',
        'build',
        '--filter=@syfthub/backend',
        '--filter=@syfthub/aggregator',
        '--filter=@syfthub/mcp',
        '--output-logs=errors-only',
      ],
      ROOT,
    );
  }
  // The floors run as plain JavaScript like the services' bundles, so neither side pays for a TypeScript loader.
  await build({
    entry: {
      backend: 'src/floors/backend.ts',
      aggregator: 'src/floors/aggregator.ts',
      mcp: 'src/floors/mcp.ts',
    },
    outDir: join(BENCH_DIR, 'dist', 'floors'),
    format: 'esm',
    platform: 'node',
    target: 'node20',
    clean: true,
    silent: true,
  });
}

/** Sends `count` requests, `concurrency` at a time, so JIT, pools and caches are warm before a measurement. */
async function warm(
  url: string,
  spec: Omit<LoadSpec, 'url' | 'connections' | 'durationSeconds'>,
  count: number,
) {
  let sent = 0;
  const worker = async () => {
    while (sent < count) {
      const variant = spec.variants?.[sent % spec.variants.length];
      const body = variant ? variant.body : spec.bodies?.[sent % spec.bodies.length];
      sent += 1;
      const res = await fetch(variant?.path ? new URL(variant.path, url) : url, {
        method: spec.method ?? 'GET',
        headers: { ...spec.headers, ...variant?.headers },
        ...(body === undefined ? {} : { body }),
      });
      await res.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

interface Scenario {
  label: string;
  /** Its name for `--backend-only`. */
  key?: string;
  path: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** Headers of each caller, used in turn request by request (distinct callers instead of one). */
  callers?: Array<Record<string, string>>;
  bodies?: string[];
  connections?: number;
  warmup?: number;
  /** Path on the floor when it differs (the raw signing route). */
  floorPath?: string;
  floorLabel?: string;
  read?: boolean;
  /** SyftHub's own Python backend on this scenario (the top of the range the issue quotes), for the ≥ 20 × target. */
  upstreamRps?: number;
  /** Text a correct answer contains (beyond a 2xx status): a benchmark of error answers would measure nothing. */
  expect?: string;
}

/** One request, checked: the scenario must be answered successfully before it is measured. */
async function check(target: Service, spec: LoadSpec, expect: string | undefined): Promise<void> {
  for (const variant of spec.variants ?? [{ body: spec.bodies?.[0] }]) {
    const url = variant.path ? new URL(variant.path, spec.url) : spec.url;
    const res = await fetch(url, {
      method: spec.method ?? 'GET',
      headers: { ...spec.headers, ...('headers' in variant ? variant.headers : {}) },
      ...(variant.body === undefined ? {} : { body: variant.body }),
    });
    const text = await res.text();
    if (!res.ok || (expect !== undefined && !text.includes(expect))) {
      throw new Error(`${target.name} ${url} answered ${res.status}: ${text.slice(0, 300)}`);
    }
  }
}

/** The two search routes, each asked every query of the mix in turn. */
const SEARCH_ROUTES = [
  {
    label: 'GET /endpoints/public?limit=20&search=',
    method: 'GET' as const,
    path: '/api/v1/endpoints/public',
    physicalPath: '/floor/physical/endpoints/public',
    variant: (text: string) => ({ path: `?limit=${TOP_K}&search=${encodeURIComponent(text)}` }),
    ids: (answer: unknown) => (answer as Array<{ id: number }>).map((row) => row.id),
  },
  {
    label: `POST /endpoints/search (top_k ${TOP_K})`,
    method: 'POST' as const,
    path: '/api/v1/endpoints/search',
    physicalPath: '/floor/physical/endpoints/search',
    variant: (text: string) => ({ body: JSON.stringify({ query: text, top_k: TOP_K }) }),
    ids: (answer: unknown) => (answer as { results: Array<{ id: number }> }).results.map((row) => row.id),
  },
];
const JSON_BODY = { 'Content-Type': 'application/json' };

/**
 * The ids each search route answers for each query of the mix, asked of the running backend: the rows the physical
 * floor reads (see floors/backend.ts).
 */
async function answerIds(
  backend: Service,
  mix: MixQuery[],
): Promise<{ publicSearch: Record<string, number[]>; search: Record<string, number[]> }> {
  const result = { publicSearch: {} as Record<string, number[]>, search: {} as Record<string, number[]> };
  for (const [i, route] of SEARCH_ROUTES.entries()) {
    for (const query of mix) {
      const variant = route.variant(query.text);
      const url = `${backend.url}${route.path}${'path' in variant ? variant.path : ''}`;
      const res = await fetch(url, {
        method: route.method,
        headers: JSON_BODY,
        ...('body' in variant ? { body: variant.body } : {}),
      });
      if (!res.ok) throw new Error(`${url} answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
      (i === 0 ? result.publicSearch : result.search)[query.text] = route.ids(await res.json());
    }
  }
  return result;
}

/** Requests of each variant sent one at a time for {@link alone}. */
const ALONE_REQUESTS = 15;

/**
 * Each variant's own latency (median ms): requests one at a time from this process, so no request waits behind
 * the others as under load.
 */
async function alone(spec: LoadSpec): Promise<number[]> {
  const medians: number[] = [];
  for (const variant of spec.variants ?? []) {
    const times: number[] = [];
    for (let i = 0; i < ALONE_REQUESTS; i += 1) {
      const began = performance.now();
      const res = await fetch(variant.path ? new URL(variant.path, spec.url) : spec.url, {
        method: spec.method ?? 'GET',
        headers: spec.headers ?? {},
        ...(variant.body === undefined ? {} : { body: variant.body }),
      });
      await res.arrayBuffer();
      times.push(performance.now() - began);
    }
    medians.push(
      Math.round(
        percentile(
          times.sort((a, b) => a - b),
          50,
        ) * 10,
      ) / 10,
    );
  }
  return medians;
}

/**
 * Both search routes at one catalogue size with the query mix: the backend, the same-SQL floor (the captured
 * statements of each query replayed) and the physical floor (each query's final rows read by primary key).
 */
async function measureSearch(
  backend: Service,
  floor: Service,
  mix: MixQuery[],
  answers: Awaited<ReturnType<typeof answerIds>>,
  endpoints: number,
): Promise<SearchRouteResult[]> {
  const results: SearchRouteResult[] = [];
  for (const [i, route] of SEARCH_ROUTES.entries()) {
    const variants = mix.map((query) => route.variant(query.text));
    const spec = (base: string, path: string): LoadSpec => ({
      url: `${base}${path}`,
      method: route.method,
      headers: JSON_BODY,
      connections: CONNECTIONS,
      durationSeconds: DURATION,
      variants: variants.map((v) => ({
        ...('path' in v ? { path: `${path}${v.path}` } : { path }),
        ...('body' in v ? { body: v.body } : {}),
      })),
    });
    const one = async (target: Service, path: string): Promise<Measurement & { alone: number[] }> => {
      const load = spec(target.url, path);
      await check(target, load, undefined);
      await warm(load.url, load, 300);
      const measured = await measure(target, load);
      await sleep(1000);
      return { ...measured, alone: await alone(load) };
    };
    const began = Date.now();
    const ours = await one(backend, route.path);
    const sameSql = await one(floor, route.path);
    const physical = await one(floor, route.physicalPath);
    log(
      `${endpoints} endpoints, ${route.label} (mix): ${Math.round(ours.rps)} req/s, p99 ${ours.p99} ms; ` +
        `same-SQL floor ${Math.round(sameSql.rps)} req/s; physical floor ${Math.round(physical.rps)} req/s ` +
        `(${((Date.now() - began) / 1000).toFixed(0)} s)`,
    );
    const rows = Object.values(i === 0 ? answers.publicSearch : answers.search);
    results.push({
      route: route.label,
      endpoints,
      rowsPerAnswer: rows.map((ids) => ids.length),
      ours,
      sameSql,
      physical,
    });
  }
  return results;
}

async function compare(ours: Service, floor: Service, scenario: Scenario): Promise<BackendRow> {
  const connections = scenario.connections ?? CONNECTIONS;
  const spec = (base: string, path: string): LoadSpec => ({
    url: `${base}${path}`,
    connections,
    durationSeconds: DURATION,
    ...(scenario.method ? { method: scenario.method } : {}),
    ...(scenario.headers ? { headers: scenario.headers } : {}),
    ...(scenario.bodies ? { bodies: scenario.bodies } : {}),
    ...(scenario.callers ? { variants: scenario.callers.map((headers) => ({ headers })) } : {}),
  });
  const began = Date.now();
  const ourSpec = spec(ours.url, scenario.path);
  const floorSpec = spec(floor.url, scenario.floorPath ?? scenario.path);
  await check(ours, ourSpec, scenario.expect);
  await check(floor, floorSpec, scenario.expect);
  await warm(ourSpec.url, ourSpec, scenario.warmup ?? 300);
  await warm(floorSpec.url, floorSpec, scenario.warmup ?? 300);
  const ourResult = await measure(ours, ourSpec);
  await sleep(1000);
  const floorResult = await measure(floor, floorSpec);
  log(
    `${scenario.label}: ${Math.round(ourResult.rps)} req/s, floor ${Math.round(floorResult.rps)} req/s ` +
      `(${((Date.now() - began) / 1000).toFixed(0)} s)`,
  );
  await sleep(1000);
  return {
    label: scenario.label,
    floorLabel: scenario.floorLabel ?? 'same work',
    connections,
    read: scenario.read ?? false,
    ...(scenario.upstreamRps === undefined ? {} : { upstreamRps: scenario.upstreamRps }),
    ours: ourResult,
    floor: floorResult,
  };
}

interface PreparedSize {
  endpoints: number;
  database: Awaited<ReturnType<typeof createDatabase>>;
  seeded: Awaited<ReturnType<typeof seed>>;
  dataset: Dataset;
  mix: MixQuery[];
  sqlFile: string;
}

/** A fresh database with a catalogue of `endpoints`, its query mix checked and the backend's SQL captured. */
async function prepareSize(endpoints: number, logDir: string, plans: Record<string, string[]>) {
  const database = await createDatabase(SERVER_URL, args.keep || args['seed-only'], log);
  try {
    const t = Date.now();
    await migrateDatabase(database.url);
    const passwordHash = await hash(PASSWORD, { ...ARGON2, algorithm: 2 });
    const seeded = await seed(database.url, passwordHash, { endpoints });
    const seedSeconds = (Date.now() - t) / 1000;
    log(
      `seeded ${usersFor(endpoints)} users, ${endpoints} endpoints, ${seeded.stars} stars in ${seedSeconds.toFixed(1)} s`,
    );
    const mix = await queryMix(database.url);
    const texts = mix.map((query) => query.text);
    const { sql: captured, plans: sizePlans } = await captureSql(database.url, {
      searchTerms: texts,
      searchQueries: texts,
      topK: TOP_K,
      minScore: MIN_SCORE,
    });
    for (const [label, plan] of Object.entries(sizePlans)) plans[`${endpoints} endpoints: ${label}`] = plan;
    const sqlFile = join(logDir, `captured-sql-${endpoints}.json`);
    writeFileSync(sqlFile, JSON.stringify(captured));
    const dataset: Dataset = {
      users: usersFor(endpoints),
      endpoints,
      stars: seeded.stars,
      uptime: seeded.uptimeSamples,
      seedSeconds,
      mix,
    };
    return { endpoints, database, seeded, dataset, mix, sqlFile } satisfies PreparedSize;
  } catch (err) {
    await database.drop();
    throw err;
  }
}

/** The built backend on a prepared database, then its floor (which reads the ids the backend's searches answered). */
/**
 * A floor (bench/src/floors/<floor>.ts, built to dist) on a free port given to it as PORT, ready once `/health`
 * answers; added to `services`, which the run stops at its end.
 */
async function startFloor(
  name: string,
  floor: string,
  env: Record<string, string>,
  logDir: string,
  services: Service[],
): Promise<Service> {
  const port = await freePort();
  const started = await startService({
    name,
    entry: join(BENCH_DIR, 'dist', 'floors', `${floor}.js`),
    cwd: BENCH_DIR,
    port,
    readyPath: '/health',
    logDir,
    env: { ...env, PORT: String(port) },
  });
  services.push(started);
  return started;
}

async function startBackendPair(
  prepared: PreparedSize,
  shared: Record<string, string>,
  logDir: string,
  services: Service[],
) {
  const cwd = join(ROOT, 'apps', 'backend');
  const profile = args['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${args['cpu-prof']}`] : [];
  const backend = await startBackend(shared, cwd, logDir, [...backendNodeOptions(cwd), ...profile]);
  services.push(backend);
  const answers = await answerIds(backend, prepared.mix);
  const idsFile = join(logDir, `answer-ids-${prepared.endpoints}.json`);
  writeFileSync(idsFile, JSON.stringify(answers));
  const backendFloor = await startFloor(
    `backend-floor-${prepared.endpoints}`,
    'backend',
    { ...shared, ISSUER_URL: backend.url, FLOOR_SQL_FILE: prepared.sqlFile, FLOOR_IDS_FILE: idsFile },
    logDir,
    services,
  );
  return { backend, backendFloor, answers };
}

/** The larger catalogues, one after the other: the search routes only, each database dropped once measured. */
async function measureLargerSizes(
  sizes: number[],
  logDir: string,
  plans: Record<string, string[]>,
  services: Service[],
  databases: Array<{ drop(): Promise<void> }>,
  datasets: Dataset[],
  search: SearchRouteResult[],
): Promise<void> {
  for (const size of sizes) {
    const prepared = await prepareSize(size, logDir, plans);
    databases.push(prepared.database);
    datasets.push(prepared.dataset);
    const pair = await startBackendPair(
      prepared,
      serviceEnv(prepared.database.url, REDIS_URL),
      logDir,
      services,
    );
    search.push(...(await measureSearch(pair.backend, pair.backendFloor, prepared.mix, pair.answers, size)));
    for (const service of [pair.backendFloor, pair.backend]) {
      await service.stop();
      services.splice(services.indexOf(service), 1);
    }
    databases.pop();
    await prepared.database.drop();
  }
}

/** The aggregator and its floor against instant satellites served from this process. */
async function measureAggregator(logDir: string, services: Service[]): Promise<AggregatorResults> {
  const satellites = await startSatellites();
  const aggregatorPort = await freePort();
  const aggregator = await startService({
    name: 'aggregator',
    entry: 'dist/main.js',
    cwd: join(ROOT, 'apps', 'aggregator'),
    port: aggregatorPort,
    nodeArgs: args['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${args['cpu-prof']}`] : [],
    readyPath: '/health',
    logDir,
    env: {
      NODE_ENV: 'production',
      ENVIRONMENT: 'production',
      AGGREGATOR_HOST: '127.0.0.1',
      AGGREGATOR_PORT: String(aggregatorPort),
      AGGREGATOR_SSRF_ALLOWED_HOSTS: `127.0.0.1:${satellites.port}`,
      AGGREGATOR_RATE_LIMIT_PER_MINUTE: '0',
      AGGREGATOR_LOG_LEVEL: 'info',
      AGGREGATOR_LOG_FORMAT: 'json',
      AGGREGATOR_SYFTHUB_URL: 'http://127.0.0.1:9',
      INTERNAL_SERVICE_TOKEN: randomBytes(16).toString('hex'),
      REDIS_URL,
    },
  });
  services.push(aggregator);
  const aggregatorFloor = await startFloor('aggregator-floor', 'aggregator', {}, logDir, services);
  log('aggregator: streams, added latency, first token, throughput');
  return runAggregatorScenarios(satellites, aggregator, aggregatorFloor, {
    requests: Number(args.requests),
    streams: Number(args.streams),
    holdSeconds: Number(args.hold),
    durationSeconds: DURATION,
    connections: CONNECTIONS,
  });
}

/** `--aggregator-only`: the aggregator scenarios alone (no database), summed up in the log; no report file. */
async function aggregatorOnly(logDir: string): Promise<void> {
  const loads = startLoadSampler();
  const services: Service[] = [];
  try {
    const agg = await measureAggregator(logDir, services);
    const load = loads.stop();
    const { ours, floor } = agg;
    const line = (name: string, t: typeof ours) =>
      `${name}: ${Math.round(t.throughput.rps)} req/s, ${Math.round(t.throughput.cpuUsPerRequest)} µs CPU/request, ` +
      `added latency p50 ${(t.chat.p50 - agg.direct.p50).toFixed(2)} ms (p99 ${(t.chat.p99 - agg.direct.p99).toFixed(2)} ms), ` +
      `first-token gap p50 ${t.firstTokenGap.p50.toFixed(2)} ms, ${t.streams.opened}/${t.streams.requested} streams at ` +
      `${t.streams.kbPerStream.toFixed(1)} KB each`;
    log(line('aggregator', ours));
    log(line('floor', floor));
    log(
      `ratio to the floor: ${(ours.throughput.rps / floor.throughput.rps).toFixed(2)} × req/s; ` +
        `load average ${load.min.toFixed(1)}–${load.max.toFixed(1)} (mean ${load.mean.toFixed(1)})`,
    );
  } finally {
    for (const service of services) await service.stop();
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  const loads = startLoadSampler();
  const logDir = mkdtempSync(join(tmpdir(), 'syfthub-bench-'));
  log(`logs of every process: ${logDir}`);
  const code = codeVersion();
  await buildEverything();
  if (args['aggregator-only']) {
    await aggregatorOnly(logDir);
    process.exit(0);
  }

  const plans: Record<string, string[]> = {};
  const [firstSize, ...largerSizes] = SIZES as [number, ...number[]];
  const first = await prepareSize(firstSize, logDir, plans);
  const databases = [first.database];
  const services: Service[] = [];
  try {
    if (args['seed-only']) {
      for (const size of largerSizes) databases.push((await prepareSize(size, logDir, plans)).database);
      log(`seed only: ${databases.map((d) => d.url).join(', ')}; captured statements in ${logDir}`);
      return;
    }
    const { seeded } = first;

    const shared = serviceEnv(first.database.url, REDIS_URL);

    // Backend and its floor.
    const { backend, backendFloor, answers } = await startBackendPair(first, shared, logDir, services);
    await sleep(2000);
    const idle = { backend: backend.rssKb() / 1024, floor: backendFloor.rssKb() / 1024 };
    log(`idle RSS: backend ${idle.backend.toFixed(1)} MB, floor ${idle.floor.toFixed(1)} MB`);

    if (args['search-only']) {
      const search = await measureSearch(backend, backendFloor, first.mix, answers, firstSize);
      for (const service of [backendFloor, backend]) {
        await service.stop();
        services.splice(services.indexOf(service), 1);
      }
      const datasets = [first.dataset];
      await measureLargerSizes(largerSizes, logDir, plans, services, databases, datasets, search);
      const file = writeSearchReport(join(BENCH_DIR, 'results'), {
        date: new Date(),
        machine: machine(),
        code,
        load: loads.stop(),
        runSeconds: (Date.now() - started) / 1000,
        durationSeconds: DURATION,
        connections: CONNECTIONS,
        datasets,
        search,
        plans,
      });
      log(`report written to ${file} (${((Date.now() - started) / 1000).toFixed(0)} s in all)`);
      return;
    }

    const token = await login(backend.url, seeded.usernames[0] as string);
    const bearer = { Authorization: `Bearer ${token}` };
    const audience = seeded.usernames[1] as string;
    // Distinct callers: with one user on every connection, requests share the per-turn lookups as much as they
    // can; these spread the load over many accounts, as a hub's traffic is.
    const callers = await loginMany(backend.url, seeded.usernames.slice(2, 2 + DISTINCT_CALLERS));
    const loginBodies = seeded.usernames
      .slice(0, 64)
      .map((username) => new URLSearchParams({ username, password: PASSWORD }).toString());

    const rows: BackendRow[] = [];
    const scenarios: Scenario[] = [
      { label: 'GET /health', key: 'health', path: '/health', read: true, warmup: 2000 },
      {
        label: 'GET /health',
        key: 'health-bare',
        path: '/health',
        floorPath: '/floor/health-bare',
        floorLabel: 'bare route',
        warmup: 2000,
      },
      {
        label: 'GET /endpoints/public?limit=20',
        path: '/api/v1/endpoints/public?limit=20',
        read: true,
        upstreamRps: 90,
      },
      { label: 'GET /endpoints/trending?limit=20', path: '/api/v1/endpoints/trending?limit=20', read: true },
      {
        label: 'GET /auth/me (JWT)',
        key: 'me',
        path: '/api/v1/auth/me',
        headers: bearer,
        read: true,
        warmup: 1000,
        upstreamRps: 110,
      },
      {
        label: 'GET /token?aud= (RS256, repeated audience)',
        key: 'token',
        path: `/api/v1/token?aud=${audience}`,
        headers: bearer,
        warmup: 500,
        upstreamRps: 95,
      },
      {
        label: 'GET /token?aud= (RS256, repeated audience)',
        path: `/api/v1/token?aud=${audience}`,
        floorPath: '/floor/sign',
        floorLabel: 'raw signing',
        key: 'sign',
        headers: bearer,
        warmup: 100,
      },
      {
        label: `GET /auth/me (JWT, ${DISTINCT_CALLERS} distinct callers)`,
        key: 'me-callers',
        path: '/api/v1/auth/me',
        callers,
        read: true,
        warmup: 1000,
      },
      {
        label: `GET /token?aud= (RS256, ${DISTINCT_CALLERS} distinct callers, repeated audience)`,
        path: `/api/v1/token?aud=${audience}`,
        floorPath: '/floor/sign',
        floorLabel: 'raw signing',
        key: 'sign-callers',
        callers,
        warmup: 500,
      },
    ];
    if (args['backend-only'] !== undefined) {
      const keys = new Set(args['backend-only'].split(',').map((key) => key.trim()));
      for (const scenario of scenarios.filter((s) => s.key !== undefined && keys.has(s.key))) {
        const row = await compare(backend, backendFloor, scenario);
        log(
          `  ${scenario.key}: ours ${Math.round(row.ours.rps)} req/s ${Math.round(row.ours.cpuUsPerRequest)} µs/req, ` +
            `floor (${row.floorLabel}) ${Math.round(row.floor.rps)} req/s ${Math.round(row.floor.cpuUsPerRequest)} µs/req, ` +
            `ratio ${(row.ours.rps / row.floor.rps).toFixed(2)}`,
        );
      }
      const load = loads.stop();
      log(`load average: ${JSON.stringify(load)}`);
      return;
    }
    for (const scenario of scenarios) rows.push(await compare(backend, backendFloor, scenario));
    const search = await measureSearch(backend, backendFloor, first.mix, answers, firstSize);

    // The login burst: argon2 at 64 MiB per verification, eight requests in flight.
    const beforeLogin = backend.rssKb() / 1024;
    const loginRow = await compare(backend, backendFloor, {
      label: 'POST /auth/login (argon2)',
      path: '/api/v1/auth/login',
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      bodies: loginBodies,
      connections: 8,
      warmup: 16,
    });
    rows.push(loginRow);
    await sleep(3000);
    const afterLogin = backend.rssKb() / 1024;

    log('256 connections on /endpoints/public');
    const wide = await measure(backend, {
      url: `${backend.url}/api/v1/endpoints/public?limit=20`,
      connections: 256,
      durationSeconds: Math.max(DURATION, 8),
    });
    await sleep(2000);
    const idleAfter = backend.rssKb() / 1024;

    // MCP service and its floor, against the same backend.
    const mcpPort = await freePort();
    const resource = `http://127.0.0.1:${mcpPort}/mcp`;
    const mcp = await startService({
      name: 'mcp',
      entry: 'dist/main.js',
      cwd: join(ROOT, 'apps', 'mcp'),
      port: mcpPort,
      readyPath: '/mcp/health',
      logDir,
      env: {
        NODE_ENV: 'production',
        ENVIRONMENT: 'development',
        DATABASE_URL: first.database.url,
        REDIS_URL,
        DB_POOL_SIZE: '10',
        HOST: '127.0.0.1',
        MCP_PORT: String(mcpPort),
        OAUTH_ISSUER: resource,
        SYFTHUB_URL: backend.url,
        AGGREGATOR_URL: 'http://127.0.0.1:9',
        MCP_RSA_KEYS_DIRECTORY: mkdtempSync(join(logDir, 'mcp-keys-')),
        MCP_TOKEN_ENCRYPTION_KEYS: `bench1:${randomBytes(32).toString('base64')}`,
        MCP_LOGIN_RATE_LIMIT_PER_MINUTE: '100000',
        MCP_REGISTER_RATE_LIMIT_PER_HOUR: '100000',
        MCP_TOKEN_RATE_LIMIT_PER_MINUTE: '100000',
        LOG_LEVEL: 'info',
        LOG_FORMAT: 'json',
      },
    });
    services.push(mcp);
    const mcpToken = await obtainMcpToken(resource, seeded.usernames[0] as string, PASSWORD);
    const mcpFloor = await startFloor(
      'mcp-floor',
      'mcp',
      {
        REDIS_URL,
        MCP_JWKS_URL: `${resource}/.well-known/jwks.json`,
        HUB_URL: backend.url,
        HUB_ACCESS_TOKEN: await login(backend.url, seeded.usernames[0] as string),
      },
      logDir,
      services,
    );
    const toolCall = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'discover_syfthub_endpoints', arguments: {} },
    });
    const mcpRow = await compare(mcp, mcpFloor, {
      label: 'tools/call discover_syfthub_endpoints',
      path: '/mcp',
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Accept: 'application/json, text/event-stream',
        Authorization: `Bearer ${mcpToken}`,
      },
      bodies: [toolCall],
      expect: '"success":true',
      connections: 4,
      warmup: 20,
    });
    for (const service of [mcpFloor, mcp, backendFloor, backend]) await service.stop();

    const datasets = [first.dataset];
    await measureLargerSizes(largerSizes, logDir, plans, services, databases, datasets, search);

    const aggregatorResults = await measureAggregator(logDir, services);

    const report: Report = {
      date: new Date(),
      machine: machine(),
      code,
      load: loads.stop(),
      runSeconds: (Date.now() - started) / 1000,
      durationSeconds: DURATION,
      connections: CONNECTIONS,
      datasets,
      search,
      argon2: ARGON2,
      backend: {
        rows,
        idle,
        idleAfter,
        login: { before: beforeLogin, peak: loginRow.ours.peakRssMb, after: afterLogin },
        wide,
      },
      mcp: mcpRow,
      aggregator: aggregatorResults,
      plans,
    };
    const file = writeReport(join(BENCH_DIR, 'results'), report);
    log(`report written to ${file} (${((Date.now() - started) / 1000).toFixed(0)} s in all)`);
  } finally {
    for (const service of services) await service.stop();
    for (const database of databases) await database.drop();
  }
  process.exit(0);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
