/** The Markdown report of a run: every scenario beside its floor, and the targets of the performance issue. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AggregatorResults, AggregatorTargetResult } from './aggregator';
import type { Measurement, VariantResult } from './lib/load';
import type { LoadAverage, Machine } from './machine';
import type { MixQuery } from './query-mix';

export interface Dataset {
  users: number;
  endpoints: number;
  stars: number;
  uptime: number;
  seedSeconds: number;
  /** The search query mix, as checked on this catalogue. */
  mix: MixQuery[];
}

/** One search route at one catalogue size, the query mix rotating: the route and its two floors. */
export interface SearchRouteResult {
  route: string;
  endpoints: number;
  /** Rows the route answered for each query of the mix (what the physical floor reads). */
  rowsPerAnswer: number[];
  ours: SearchMeasurement;
  /** The route's captured statements replayed. */
  sameSql: SearchMeasurement;
  /** The route's final rows read by primary key. */
  physical: SearchMeasurement;
}

/** A measurement of the mix, plus each query's median latency when sent alone, one request at a time (ms). */
export type SearchMeasurement = Measurement & { alone: number[] };

export interface BackendRow {
  label: string;
  /** What the floor did: the same work, or only the raw signature. */
  floorLabel: string;
  connections: number;
  /** A read scenario, held to the ≥ 0.7 × floor and p99 targets. */
  read: boolean;
  /** SyftHub's Python backend on this scenario (req/s, the top of the quoted range), when the issue gives one. */
  upstreamRps?: number;
  ours: Measurement;
  floor: Measurement;
}

export interface Report {
  date: Date;
  machine: Machine;
  /** The commit measured, and the files under apps/ and packages/ that differed from it when the services were built. */
  code: { commit: string; dirty: string[] };
  load: LoadAverage;
  runSeconds: number;
  durationSeconds: number;
  connections: number;
  /** The catalogues measured, smallest (measured in full) first. */
  datasets: Dataset[];
  search: SearchRouteResult[];
  argon2: { memoryCost: number; parallelism: number; maxConcurrent: number; timeCost: number };
  backend: {
    rows: BackendRow[];
    idle: { backend: number; floor: number };
    idleAfter: number;
    login: { before: number; peak: number; after: number };
    wide: Measurement;
  };
  mcp: BackendRow;
  aggregator: AggregatorResults;
  plans: Record<string, string[]>;
}

const n0 = (x: number) => Math.round(x).toLocaleString('en-US');
const n1 = (x: number) => x.toFixed(1);
const n2 = (x: number) => x.toFixed(2);
const ok = (met: boolean) => (met ? '✅ met' : '❌ missed');

function failures(m: Measurement): string {
  return `${m.non2xx + m.errors + m.timeouts}`;
}

function row(r: BackendRow): string {
  const { ours, floor } = r;
  return (
    `| ${r.label} | ${r.floorLabel} | ${r.connections} | ${n0(ours.rps)} | ${n0(floor.rps)} | ` +
    `**${n2(ours.rps / floor.rps)}** | ${ours.p50} / ${floor.p50} | ${ours.p99} / ${floor.p99} | ` +
    `${n0(ours.cpuUsPerRequest)} / ${n0(floor.cpuUsPerRequest)} | ${n1(ours.peakRssMb)} / ${n1(floor.peakRssMb)} | ` +
    `${failures(ours)} / ${failures(floor)} |`
  );
}

const HEADER =
  '| Scenario | Floor | Conns | Ours req/s | Floor req/s | Ours/floor | p50 ms (ours / floor) | p99 ms (ours / floor) | CPU µs/req (ours / floor) | Peak RSS MB (ours / floor) | Failed (ours / floor) |\n' +
  '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|';

export function renderReport(r: Report): string {
  const { backend, aggregator: agg, mcp } = r;
  const reads = backend.rows.filter((row) => row.read);
  const signing = backend.rows.filter((row) => row.floorLabel === 'raw signing');
  const wide = backend.wide;
  // A stall: a whole second without a response, or a request left unanswered for 10 s (autocannon's timeout).
  const wideOk = wide.errors + wide.timeouts + wide.non2xx === 0 && wide.minRpsPerSecond > 0;
  const smallest = r.datasets[0]?.endpoints;
  const peakReadRss = Math.max(
    backend.idle.backend,
    backend.idleAfter,
    ...reads.map((row) => row.ours.peakRssMb),
    ...r.search.filter((s) => s.endpoints === smallest).map((s) => s.ours.peakRssMb),
  );
  // Issue 17's figure: the peak while the read scenarios ran (not the RSS after the 256-connection and login runs).
  const peakUnderReads = Math.max(
    ...reads.map((row) => row.ours.peakRssMb),
    ...r.search.filter((s) => s.endpoints === smallest).map((s) => s.ours.peakRssMb),
  );
  const argonMb = (r.argon2.memoryCost / 1024) * r.argon2.maxConcurrent;
  const loginBound = backend.login.before + argonMb + 32;
  const loginOk = backend.login.peak <= loginBound && backend.login.after <= backend.login.before + 32;
  const added = (t: AggregatorTargetResult) => ({
    p50: t.chat.p50 - agg.direct.p50,
    p99: t.chat.p99 - agg.direct.p99,
  });
  const ourAdded = added(agg.ours);
  const floorAdded = added(agg.floor);
  const streams = agg.ours.streams;

  const targets: string[] = [
    '| Target | Measured | Verdict |',
    '|---|---|---|',
    ...reads.map(
      (row) =>
        `| ${row.label}: ≥ 0.7 × floor req/s | ${n2(row.ours.rps / row.floor.rps)} × (${n0(row.ours.rps)} vs ${n0(row.floor.rps)}) | ${ok(row.ours.rps >= 0.7 * row.floor.rps)} |`,
    ),
    ...backend.rows
      .filter((row) => row.upstreamRps !== undefined)
      .map((row) => {
        const needed = 20 * (row.upstreamRps as number);
        return `| ${row.label}: ≥ 20 × SyftHub's Python backend (${row.upstreamRps} req/s) | ${n0(row.ours.rps)} req/s, ${n1(row.ours.rps / (row.upstreamRps as number))} × (floor ${n0(row.floor.rps)}) | ${ok(row.ours.rps >= needed)} |`;
      }),
    ...reads.map(
      (row) =>
        `| ${row.label}: p99 < 50 ms at ${row.connections} connections | ${row.ours.p99} ms | ${ok(row.ours.p99 < 50)} |`,
    ),
    ...searchTargets(r),
    `| 256 connections on /endpoints/public: no error, no stall (no second without a response) | ${wide.non2xx + wide.errors + wide.timeouts} failed, slowest second ${n0(wide.minRpsPerSecond)} req, max ${wide.max} ms | ${ok(wideOk)} |`,
    `| Backend RSS < 120 MB (idle and read scenarios; issue 10) | idle ${n1(backend.idle.backend)} MB, peak ${n1(peakReadRss)} MB | ${ok(peakReadRss < 120)} |`,
    `| Backend peak RSS < 160 MB under the read scenarios (issue 17: the peaks while they ran) | peak ${n1(peakUnderReads)} MB | ${ok(peakUnderReads < 160)} |`,
    `| RSS bounded during an 8-way login burst (≤ before + ${r.argon2.maxConcurrent} × ${r.argon2.memoryCost / 1024} MiB argon2 + 32 MB, back within 32 MB after) | before ${n1(backend.login.before)}, peak ${n1(backend.login.peak)}, 3 s after ${n1(backend.login.after)} MB | ${ok(loginOk)} |`,
    ...signing.map(
      (token) =>
        `| Satellite token issuance ≥ 0.8 × raw signing rate: ${token.label} | ${n2(token.ours.rps / token.floor.rps)} × (${n0(token.ours.rps)} vs ${n0(token.floor.rps)} signatures/s) | ${ok(token.ours.rps >= 0.8 * token.floor.rps)} |`,
    ),
    `| Aggregator added latency p50 < 5 ms | ${n2(ourAdded.p50)} ms (p99 ${n2(ourAdded.p99)} ms) | ${ok(ourAdded.p50 < 5)} |`,
    `| First token out within 2 ms of the satellite sending it (p50) | ${n2(agg.ours.firstTokenGap.p50)} ms (p99 ${n2(agg.ours.firstTokenGap.p99)} ms) | ${ok(agg.ours.firstTokenGap.p50 <= 2)} |`,
    `| ${streams.requested} concurrent streams, < 64 KB per stream (all growth / streams) | ${streams.opened} open, ${n1(streams.kbPerStream)} KB/stream (${n1(streams.marginalKbPerStream)} KB per added stream) | ${ok(streams.opened >= streams.requested && streams.kbPerStream < 64)} |`,
    `| Whole run < 15 minutes | ${n1(r.runSeconds / 60)} min | ${ok(r.runSeconds < 900)} |`,
  ].filter(Boolean);

  const lines = [
    `# Benchmark — ${r.date.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    '',
    'Produced by `pnpm bench` (bench/src/main.ts). Every service runs from its built bundle as its own process',
    'with real PostgreSQL and Redis; the load generator (autocannon) is another process. Each scenario is measured',
    'next to its **floor**: a bare Hono route on @hono/node-server doing the same work with the same drivers',
    '(the SQL captured from the backend replayed through postgres-js, the same jose and argon2 calls), started the',
    'same way and measured in the same run. Other work shares this machine, so absolute numbers are noisy; the',
    'ratio to the floor and the CPU time per request are the figures to compare between runs.',
    '',
    '## Machine and run',
    '',
    `- CPU: ${r.machine.cpu}, ${r.machine.cores} cores; memory ${n1(r.machine.memoryGiB)} GiB; Node ${r.machine.node}; Linux ${r.machine.kernel}`,
    `- Load average (1 min) during the run: ${n2(r.load.atStart)} at start, min ${n2(r.load.min)}, mean ${n2(r.load.mean)}, max ${n2(r.load.max)}`,
    ...r.datasets.map(
      (d, i) =>
        `- Dataset${i === 0 ? ' (every scenario)' : ' (search routes)'}: ${n0(d.users)} users, ${n0(d.endpoints)} endpoints (~1 KB READMEs, tags, health), ${n0(d.stars)} stars, ${n0(d.uptime)} uptime samples; seeded with COPY in ${n1(d.seedSeconds)} s`,
    ),
    `- Code: commit ${r.code.commit}${r.code.dirty.length ? ` plus uncommitted changes to ${r.code.dirty.join(', ')}` : ''}`,
    `- ${r.durationSeconds} s per measurement, ${r.connections} connections unless noted; whole run ${n1(r.runSeconds / 60)} min`,
    '- Services: `NODE_ENV=production`, JSON logs at info (as deployed), metrics on, rate limits off, DB pool 10',
    '',
    '## Targets',
    '',
    ...targets,
    '',
    '## Backend (one process)',
    '',
    HEADER,
    ...backend.rows.map(row),
    '',
    `- Idle RSS: backend ${n1(backend.idle.backend)} MB after start, ${n1(backend.idleAfter)} MB after the load; floor ${n1(backend.idle.floor)} MB.`,
    `- 256 connections on GET /endpoints/public?limit=20: ${n0(wide.rps)} req/s, p50 ${wide.p50} ms, p99 ${wide.p99} ms, max ${wide.max} ms, slowest second ${n0(wide.minRpsPerSecond)} responses, ${failures(wide)} failed, peak RSS ${n1(wide.peakRssMb)} MB.`,
    `- Login burst (8 connections, argon2id m=${r.argon2.memoryCost / 1024} MiB t=${r.argon2.timeCost} p=${r.argon2.parallelism}, at most ${r.argon2.maxConcurrent} at once): RSS ${n1(backend.login.before)} MB before, ${n1(backend.login.peak)} MB peak, ${n1(backend.login.after)} MB 3 s after.`,
    '',
    'Floors (bench/src/floors/backend.ts): `/health` answers the same JSON with what the contract puts on every response',
    '(the correlation id, echoed or fresh, and the API security headers; “bare route” is the JSON alone); the listings and the search replay the',
    'statements captured from the backend’s own data-access functions (same text, same parameters, the search’s',
    '`set_config` in the same transaction); `/auth/me` verifies the HS256 JWT with jose (same key form), checks the',
    'revocation key in Redis and selects the user with the same SQL; `/token` adds the audience lookup and the same',
    '`SignJWT` RS256 call (“raw signing” is that call alone); `/auth/login` selects the user, runs the same argon2',
    'verify, signs the two session tokens, inserts the refresh-token row and stamps `last_login_at`.',
    '',
    ...searchSection(r),
    '## MCP',
    '',
    HEADER,
    row(mcp),
    '',
    'The tool pages through the hub listing (10 pages of 100 and a probe), so most of its time is the backend’s; the floor makes the same hub calls.',
    '',
    '## Aggregator (instant satellites: 1 model + 3 data sources)',
    '',
    '| Measurement | Aggregator | Floor |',
    '|---|--:|--:|',
    `| POST /chat, sequential, p50 / p99 ms (${agg.requests} requests) | ${n2(agg.ours.chat.p50)} / ${n2(agg.ours.chat.p99)} | ${n2(agg.floor.chat.p50)} / ${n2(agg.floor.chat.p99)} |`,
    `| Same satellite calls made directly, p50 / p99 ms | ${n2(agg.direct.p50)} / ${n2(agg.direct.p99)} | (same) |`,
    `| **Added latency** p50 / p99 ms | **${n2(ourAdded.p50)}** / ${n2(ourAdded.p99)} | ${n2(floorAdded.p50)} / ${n2(floorAdded.p99)} |`,
    `| /chat/stream: first token received − sent by the model, p50 / p99 ms | **${n2(agg.ours.firstTokenGap.p50)}** / ${n2(agg.ours.firstTokenGap.p99)} | ${n2(agg.floor.firstTokenGap.p50)} / ${n2(agg.floor.firstTokenGap.p99)} |`,
    `| /chat/stream: time to first token from request start, p50 / p99 ms | ${n2(agg.ours.firstToken.p50)} / ${n2(agg.ours.firstToken.p99)} | ${n2(agg.floor.firstToken.p50)} / ${n2(agg.floor.firstToken.p99)} |`,
    `| POST /chat at ${r.connections} connections: req/s (ours/floor ${n2(agg.ours.throughput.rps / agg.floor.throughput.rps)}) | ${n0(agg.ours.throughput.rps)} | ${n0(agg.floor.throughput.rps)} |`,
    `| … p50 / p99 ms | ${agg.ours.throughput.p50} / ${agg.ours.throughput.p99} | ${agg.floor.throughput.p50} / ${agg.floor.throughput.p99} |`,
    `| … CPU µs/request, peak RSS MB | ${n0(agg.ours.throughput.cpuUsPerRequest)}, ${n1(agg.ours.throughput.peakRssMb)} | ${n0(agg.floor.throughput.cpuUsPerRequest)}, ${n1(agg.floor.throughput.peakRssMb)} |`,
    `| Streams held against a slow model (opened / requested, seconds to open) | ${agg.ours.streams.opened} / ${agg.ours.streams.requested}, ${n1(agg.ours.streams.openSeconds)} s | ${agg.floor.streams.opened} / ${agg.floor.streams.requested}, ${n1(agg.floor.streams.openSeconds)} s |`,
    `| … RSS idle → held (peak) MB | ${n1(agg.ours.streams.idleMb)} → ${n1(agg.ours.streams.heldMb)} (${n1(agg.ours.streams.peakMb)}) | ${n1(agg.floor.streams.idleMb)} → ${n1(agg.floor.streams.heldMb)} (${n1(agg.floor.streams.peakMb)}) |`,
    `| … **KB per stream** (growth / streams) | **${n1(agg.ours.streams.kbPerStream)}** | ${n1(agg.floor.streams.kbPerStream)} |`,
    `| … KB per added stream (from ${agg.ours.streams.requested / 2} to ${agg.ours.streams.requested}) | ${n1(agg.ours.streams.marginalKbPerStream)} | ${n1(agg.floor.streams.marginalKbPerStream)} |`,
    '',
    ...planSection(r.plans),
  ];
  return `${lines.join('\n')}\n`;
}

function planSection(plans: Record<string, string[]>): string[] {
  return [
    '## Query plans (EXPLAIN ANALYZE of the captured statements)',
    '',
    ...Object.entries(plans).flatMap(([label, plan]) => [
      '<details>',
      `<summary>${label}: ${plan.filter((line) => line.startsWith('Execution Time')).join(' + ')}</summary>`,
      '',
      '```',
      ...plan,
      '```',
      '</details>',
      '',
    ]),
  ];
}

/** Issue 17's targets of the search routes at each size. */
function searchTargets(r: Pick<Report, 'search' | 'connections'>): string[] {
  return r.search.flatMap((s) => {
    const at = `${s.route} at ${n0(s.endpoints)} endpoints, query mix`;
    const limit = s.endpoints <= 20_000 ? 50 : 100;
    return [
      `| ${at}: p99 < ${limit} ms at ${r.connections} connections | ${s.ours.p99} ms (same-SQL floor ${s.sameSql.p99} ms, physical floor ${s.physical.p99} ms) | ${ok(s.ours.p99 < limit)} |`,
      ...(s.endpoints <= 20_000
        ? [
            `| ${at}: ≥ 1,000 req/s | ${n0(s.ours.rps)} req/s (same-SQL floor ${n0(s.sameSql.rps)}) | ${ok(s.ours.rps >= 1000)} |`,
          ]
        : []),
      `| ${at}: within 3 × its physical floor (req/s ≥ floor / 3) | ${n2(s.physical.rps / s.ours.rps)} × (${n0(s.ours.rps)} vs ${n0(s.physical.rps)} req/s) | ${ok(s.ours.rps * 3 >= s.physical.rps)} |`,
    ];
  });
}

const latency = (v: VariantResult | undefined, alone: number | undefined) =>
  `${v ? `${v.p50} / ${v.p99}` : '–'} (${alone ?? '–'})`;

/** The search routes with the query mix at each size: totals beside both floors, then each query's latency. */
function searchSection(r: Pick<Report, 'search' | 'datasets'>): string[] {
  if (r.search.length === 0) return [];
  const lines = [
    '## Search routes, query mix',
    '',
    'Each route is asked the queries below in turn (one request each, rotating, on every connection). Floors: the',
    '**same-SQL** floor replays the statements captured from the backend for each query; the **physical** floor',
    'reads only the rows the route answered for that query (captured from the running backend) by primary key, with',
    'the columns the route serialises (`WHERE id = ANY(…)`, the owner joined), and returns them as JSON: the time',
    'PostgreSQL and the HTTP stack need to hand out the answer. “× physical” is the physical floor’s req/s over ours.',
    '',
    '| Endpoints | Route | Ours req/s | Same-SQL req/s | Physical req/s | Ours / same-SQL | × physical | p50 / p99 ms ours | same-SQL | physical | CPU µs/req ours / same / phys | Peak RSS MB ours | Failed |',
    '|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
    ...r.search.map(
      (s) =>
        `| ${n0(s.endpoints)} | ${s.route} | ${n0(s.ours.rps)} | ${n0(s.sameSql.rps)} | ${n0(s.physical.rps)} | **${n2(s.ours.rps / s.sameSql.rps)}** | **${n2(s.physical.rps / s.ours.rps)}** | ${s.ours.p50} / ${s.ours.p99} | ${s.sameSql.p50} / ${s.sameSql.p99} | ${s.physical.p50} / ${s.physical.p99} | ${n0(s.ours.cpuUsPerRequest)} / ${n0(s.sameSql.cpuUsPerRequest)} / ${n0(s.physical.cpuUsPerRequest)} | ${n1(s.ours.peakRssMb)} | ${failures(s.ours)} / ${failures(s.sameSql)} / ${failures(s.physical)} |`,
    ),
    '',
    'Each query’s latency within the mix (p50 / p99 ms, from each request’s send to its response on its connection),',
    'and in brackets its median alone (15 requests one at a time, no queueing behind the others):',
    '',
  ];
  for (const d of r.datasets) {
    const routes = r.search.filter((s) => s.endpoints === d.endpoints);
    if (routes.length === 0) continue;
    lines.push(
      `| ${n0(d.endpoints)} endpoints: query | What it is | ${routes.map((s) => `${s.route}: rows · ours · same-SQL · physical`).join(' | ')} |`,
      `|---|---|${routes.map(() => '---').join('|')}|`,
      ...d.mix.map(
        (q, i) =>
          `| ${q.kind}: \`${q.text}\` | ${q.character} | ${routes
            .map(
              (s) =>
                `${s.rowsPerAnswer[i] ?? '–'} · ${latency(s.ours.perVariant?.[i], s.ours.alone[i])} · ${latency(s.sameSql.perVariant?.[i], s.sameSql.alone[i])} · ${latency(s.physical.perVariant?.[i], s.physical.alone[i])}`,
            )
            .join(' | ')} |`,
      ),
      '',
    );
  }
  return lines;
}

/** The report of `pnpm bench -- --search-only`: the machine, the catalogues and the search routes. */
export type SearchReport = Pick<
  Report,
  | 'date'
  | 'machine'
  | 'code'
  | 'load'
  | 'runSeconds'
  | 'durationSeconds'
  | 'connections'
  | 'datasets'
  | 'search'
  | 'plans'
>;

export function renderSearchReport(r: SearchReport): string {
  const lines = [
    `# Search benchmark — ${r.date.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    '',
    'Produced by `pnpm bench -- --search-only` (bench/src/main.ts): the search routes of the built backend with the',
    'query mix at each catalogue size, beside their floors. Other work shares this machine: compare ratios to the floors.',
    '',
    '## Machine and run',
    '',
    `- CPU: ${r.machine.cpu}, ${r.machine.cores} cores; Node ${r.machine.node}`,
    `- Load average (1 min) during the run: ${n2(r.load.atStart)} at start, min ${n2(r.load.min)}, mean ${n2(r.load.mean)}, max ${n2(r.load.max)}`,
    ...r.datasets.map(
      (d) =>
        `- Dataset: ${n0(d.users)} users, ${n0(d.endpoints)} endpoints, ${n0(d.stars)} stars; seeded with COPY in ${n1(d.seedSeconds)} s`,
    ),
    `- Code: commit ${r.code.commit}${r.code.dirty.length ? ` plus uncommitted changes to ${r.code.dirty.join(', ')}` : ''}`,
    `- ${r.durationSeconds} s per measurement, ${r.connections} connections; whole run ${n1(r.runSeconds / 60)} min`,
    '',
    '## Targets',
    '',
    '| Target | Measured | Verdict |',
    '|---|---|---|',
    ...searchTargets(r),
    '',
    ...searchSection(r),
    ...planSection(r.plans),
  ];
  return `${lines.join('\n')}\n`;
}

/** Writes results/<YYYY-MM-DD>-search.md (a search-only run) and returns its path. */
export function writeSearchReport(dir: string, report: SearchReport): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${report.date.toISOString().slice(0, 10)}-search.md`);
  writeFileSync(file, renderSearchReport(report));
  return file;
}

/** Writes results/<YYYY-MM-DD>.md (a second run the same day replaces the first) and returns its path. */
export function writeReport(dir: string, report: Report): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${report.date.toISOString().slice(0, 10)}.md`);
  writeFileSync(file, renderReport(report));
  return file;
}
