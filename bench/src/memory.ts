/**
 * `pnpm bench:memory`: the backend's peak RSS and throughput under the read scenarios of `pnpm bench`, for several
 * sets of Node options side by side (issue 17: peak RSS < 160 MB with throughput within 10 % of today). Each
 * variant runs as a fresh backend process on the same seeded database, variants alternating over `--rounds`
 * rounds so that the machine's changing load spreads over all of them. Writes results/<date>-memory.md.
 *
 *   pnpm bench:memory [-- --variants ',--max-semi-space-size=4' --rounds 2 --duration 6 --database <url>]
 *
 * `--variants` is a comma-separated list of space-separated Node options (an empty item: none; `start`: the
 * backend's own start command's). `--trace-gc` in a variant writes V8's collections to the backend's log.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { hash } from '@node-rs/argon2';
import {
  ARGON2,
  backendNodeOptions,
  createDatabase,
  login,
  migrateDatabase,
  PASSWORD,
  REDIS_URL,
  SERVER_URL,
  serviceEnv,
  startBackend,
} from './lib/backend';
import { type LoadSpec, measure } from './lib/load';
import { run, sleep } from './lib/proc';
import { startLoadSampler } from './machine';
import { queryMix } from './query-mix';
import { seed } from './seed';

const { values: args } = parseArgs({
  args: process.argv.slice(2).filter((arg) => arg !== '--'),
  options: {
    variants: { type: 'string', default: 'start,' },
    rounds: { type: 'string', default: '2' },
    duration: { type: 'string', default: '6' },
    connections: { type: 'string', default: '32' },
    database: { type: 'string' },
    'no-build': { type: 'boolean', default: false },
  },
});
const DURATION = Number(args.duration);
const CONNECTIONS = Number(args.connections);
const BENCH_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
const ROOT = join(BENCH_DIR, '..');
const BACKEND_DIR = join(ROOT, 'apps', 'backend');
const log = (message: string) => console.log(`[memory ${new Date().toISOString().slice(11, 19)}] ${message}`);

const variants = (args.variants as string).split(',').map((item) => {
  const options = item.trim() === 'start' ? backendNodeOptions(BACKEND_DIR) : item.trim().split(/\s+/);
  return options.filter(Boolean);
});
const nameOf = (options: string[]) => (options.length ? options.join(' ') : '(no options)');

interface Figures {
  idleMb: number[];
  peakMb: number[];
  rps: Record<string, number[]>;
  /** The backend's CPU time per request (µs): the throughput cost that other work on the machine does not blur. */
  cpu: Record<string, number[]>;
  afterMb: number[];
}

async function main(): Promise<void> {
  const loads = startLoadSampler();
  const logDir = mkdtempSync(join(tmpdir(), 'syfthub-memory-'));
  log(`logs: ${logDir}`);
  if (!args['no-build'] && !args.database) {
    await run(
      join(BENCH_DIR, 'node_modules', '.bin', 'turbo'),
      ['run', 'build', '--filter=@syfthub/backend', '--output-logs=errors-only'],
      ROOT,
    );
  }
  const database = args.database
    ? { url: args.database, drop: async () => {} }
    : await createDatabase(SERVER_URL, false, log);
  try {
    if (!args.database) {
      await migrateDatabase(database.url);
      await seed(database.url, await hash(PASSWORD, { ...ARGON2, algorithm: 2 }));
    }
    const mix = await queryMix(database.url);
    const shared = serviceEnv(database.url, REDIS_URL);
    const figures: Figures[] = variants.map(() => ({
      idleMb: [],
      peakMb: [],
      rps: {},
      cpu: {},
      afterMb: [],
    }));
    for (let round = 0; round < Number(args.rounds); round += 1) {
      for (const [i, options] of variants.entries()) {
        const backend = await startBackend(shared, BACKEND_DIR, logDir, options, `backend-${i}-${round}`);
        try {
          await sleep(2000);
          const figure = figures[i] as Figures;
          figure.idleMb.push(backend.rssKb() / 1024);
          const token = await login(backend.url, await firstUsername(database.url));
          const scenarios: Array<[string, Omit<LoadSpec, 'connections' | 'durationSeconds'>]> = [
            ['GET /endpoints/public?limit=20', { url: `${backend.url}/api/v1/endpoints/public?limit=20` }],
            [
              'GET /endpoints/trending?limit=20',
              { url: `${backend.url}/api/v1/endpoints/trending?limit=20` },
            ],
            [
              'GET /auth/me',
              { url: `${backend.url}/api/v1/auth/me`, headers: { Authorization: `Bearer ${token}` } },
            ],
            [
              'GET /endpoints/public?search= (mix)',
              {
                url: `${backend.url}/api/v1/endpoints/public`,
                variants: mix.map((q) => ({
                  path: `/api/v1/endpoints/public?limit=20&search=${encodeURIComponent(q.text)}`,
                })),
              },
            ],
            [
              'POST /endpoints/search (mix)',
              {
                url: `${backend.url}/api/v1/endpoints/search`,
                method: 'POST',
                headers: { 'Content-Type': 'application/json' },
                variants: mix.map((q) => ({ body: JSON.stringify({ query: q.text, top_k: 20 }) })),
              },
            ],
          ];
          let peak = 0;
          for (const [label, spec] of scenarios) {
            const result = await measure(backend, {
              ...spec,
              connections: CONNECTIONS,
              durationSeconds: DURATION,
            });
            peak = Math.max(peak, result.peakRssMb);
            figure.rps[label] = [...(figure.rps[label] ?? []), result.rps];
            figure.cpu[label] = [...(figure.cpu[label] ?? []), result.cpuUsPerRequest];
            log(
              `${nameOf(options)} round ${round + 1}: ${label} ${Math.round(result.rps)} req/s, ${Math.round(result.cpuUsPerRequest)} CPU µs/req, peak RSS ${result.peakRssMb.toFixed(1)} MB`,
            );
            await sleep(500);
          }
          figure.peakMb.push(peak);
          await sleep(2000);
          figure.afterMb.push(backend.rssKb() / 1024);
        } finally {
          await backend.stop();
        }
      }
    }
    const load = loads.stop();
    writeReport(figures, load);
  } finally {
    await database.drop();
  }
  process.exit(0);
}

async function firstUsername(url: string): Promise<string> {
  const { default: postgres } = await import('postgres');
  const sql = postgres(url, { max: 1 });
  const [row] = await sql<{ username: string }[]>`select username from users order by id limit 1`;
  await sql.end();
  return row?.username as string;
}

const mean = (list: number[]) => list.reduce((a, b) => a + b, 0) / Math.max(list.length, 1);

function writeReport(figures: Figures[], load: ReturnType<ReturnType<typeof startLoadSampler>['stop']>) {
  const labels = Object.keys(figures[0]?.rps ?? {});
  const base = figures[0] as Figures;
  const lines = [
    `# Backend memory — ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    '',
    `Produced by \`pnpm bench:memory\` (bench/src/memory.ts): ${args.rounds} rounds, ${DURATION} s per scenario, ${CONNECTIONS} connections.`,
    `Load average (1 min) during the run: ${load.atStart.toFixed(2)} at start, mean ${load.mean.toFixed(2)}, max ${load.max.toFixed(2)}.`,
    '',
    `| Node options | Idle RSS MB | Peak RSS MB (read scenarios, max of rounds) | RSS 2 s after MB | ${labels.join(' req/s · CPU µs/req | ')} req/s · CPU µs/req | req/s vs first (mean of ratios) | CPU µs/req vs first (mean of ratios) |`,
    `|---|--:|--:|--:|${labels.map(() => '--:').join('|')}|--:|--:|`,
    ...figures.map((f, i) => {
      const ratios = labels.map((label) => mean(f.rps[label] ?? []) / mean(base.rps[label] ?? []));
      const cpuRatios = labels.map((label) => mean(f.cpu[label] ?? []) / mean(base.cpu[label] ?? []));
      return `| ${nameOf(variants[i] ?? [])} | ${mean(f.idleMb).toFixed(1)} | ${Math.max(...f.peakMb).toFixed(1)} | ${mean(f.afterMb).toFixed(1)} | ${labels.map((label) => `${Math.round(mean(f.rps[label] ?? []))} · ${Math.round(mean(f.cpu[label] ?? []))}`).join(' | ')} | ${mean(ratios).toFixed(2)} | ${mean(cpuRatios).toFixed(2)} |`;
    }),
    '',
  ];
  const dir = join(BENCH_DIR, 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${new Date().toISOString().slice(0, 10)}-memory.md`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  console.log(lines.join('\n'));
  log(`written to ${file}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
