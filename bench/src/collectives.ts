/**
 * `pnpm bench:collectives`: GET /collectives and collective path resolution on the built backend at 1,000
 * collectives × 50 members (issue 16; target p99 < 50 ms at 32 connections), anonymous and signed in. Seeds the
 * base dataset (seed.ts) plus the collectives (seed-collectives.ts) into a fresh database, starts the backend as
 * its own process, and writes results/<date>-collectives.md with the load average beside every figure.
 *
 *   pnpm bench:collectives [-- --duration 6 --connections 32 --no-build --keep]
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { hash } from '@node-rs/argon2';
import {
  ARGON2,
  createDatabase,
  login,
  migrateDatabase,
  PASSWORD,
  REDIS_URL,
  SERVER_URL,
  serviceEnv,
  startBackend,
} from './lib/backend';
import { type Measurement, measure } from './lib/load';
import { run, sleep } from './lib/proc';
import { type LoadAverage, machine, startLoadSampler } from './machine';
import { seed } from './seed';
import { COLLECTIVES, MEMBERS_PER_COLLECTIVE, seedCollectives } from './seed-collectives';

const { values: args } = parseArgs({
  args: process.argv.slice(2).filter((arg) => arg !== '--'),
  options: {
    duration: { type: 'string', default: '6' },
    connections: { type: 'string', default: '32' },
    'no-build': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
  },
});
const DURATION = Number(args.duration);
const CONNECTIONS = Number(args.connections);
const P99_TARGET_MS = 50;
const BENCH_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
const ROOT = join(BENCH_DIR, '..');

const log = (message: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
/** The 1-minute load average now, recorded beside each measurement. */
const loadAverage = () => Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);

interface Row {
  label: string;
  result: Measurement;
  load: number;
}

async function main(): Promise<void> {
  const loads = startLoadSampler();
  const logDir = mkdtempSync(join(tmpdir(), 'syfthub-bench-collectives-'));
  if (!args['no-build']) {
    log('building the backend (turbo; cached when unchanged)');
    await run(
      join(BENCH_DIR, 'node_modules', '.bin', 'turbo'),
      ['run', 'build', '--filter=@syfthub/backend', '--output-logs=errors-only'],
      ROOT,
    );
  }
  const database = await createDatabase(SERVER_URL, args.keep, log);
  try {
    await migrateDatabase(database.url);
    const seeded = await seed(database.url, await hash(PASSWORD, { ...ARGON2, algorithm: 2 }));
    const { slugs, members, privateOwner } = await seedCollectives(database.url);
    log(`seeded ${COLLECTIVES} collectives with ${members} approved members`);
    const backend = await startBackend(
      serviceEnv(database.url, REDIS_URL),
      join(ROOT, 'apps', 'backend'),
      logDir,
    );
    try {
      // Signed in as the owner of the most private members: the counts need the caller's correction.
      const bearer = {
        Authorization: `Bearer ${await login(backend.url, privateOwner || (seeded.usernames[0] as string))}`,
      };
      const middle = slugs[Math.floor(slugs.length / 2)] as string;
      const scenarios: Array<{ label: string; path: string; headers?: Record<string, string> }> = [
        { label: 'GET /collectives?limit=50 (anonymous)', path: '/api/v1/collectives?limit=50' },
        {
          label: 'GET /collectives?limit=50 (signed in, owner of private members)',
          path: '/api/v1/collectives?limit=50',
          headers: bearer,
        },
        {
          label: 'GET /collectives?search=legal&limit=50',
          path: '/api/v1/collectives?search=legal&limit=50',
        },
        { label: 'GET /collectives/by-slug/{slug}', path: `/api/v1/collectives/by-slug/${middle}` },
        {
          label: 'GET …/by-slug/{slug}/endpoint-paths (anonymous)',
          path: `/api/v1/collectives/by-slug/${middle}/endpoint-paths`,
        },
        {
          label: 'GET …/by-slug/{slug}/endpoint-paths (signed in)',
          path: `/api/v1/collectives/by-slug/${middle}/endpoint-paths`,
          headers: bearer,
        },
        {
          label: 'GET …/shared-endpoints/{shared}/endpoint-paths',
          path: `/api/v1/collectives/by-slug/${middle}/shared-endpoints/subset/endpoint-paths`,
        },
      ];
      const rows: Row[] = [];
      for (const scenario of scenarios) {
        const url = `${backend.url}${scenario.path}`;
        const check = await fetch(url, { headers: scenario.headers ?? {} });
        const body = await check.text();
        if (!check.ok) throw new Error(`${scenario.path} answered ${check.status}: ${body.slice(0, 200)}`);
        for (let i = 0; i < 300; i++)
          await (await fetch(url, { headers: scenario.headers ?? {} })).arrayBuffer();
        const load = loadAverage();
        const result = await measure(backend, {
          url,
          connections: CONNECTIONS,
          durationSeconds: DURATION,
          ...(scenario.headers ? { headers: scenario.headers } : {}),
        });
        rows.push({ label: scenario.label, result, load });
        log(`${scenario.label}: ${Math.round(result.rps)} req/s, p99 ${result.p99} ms (load ${load})`);
        await sleep(1000);
      }
      writeReport(rows, loads.stop());
    } finally {
      await backend.stop();
    }
  } finally {
    await database.drop();
  }
}

function writeReport(rows: Row[], load: LoadAverage): void {
  const m = machine();
  const date = new Date().toISOString().slice(0, 10);
  const lines = [
    `# Collectives benchmark, ${date}`,
    '',
    `${COLLECTIVES} collectives × ${MEMBERS_PER_COLLECTIVE} approved members over the base dataset (2,000 users, 20,000 endpoints); ` +
      `${CONNECTIONS} connections, ${DURATION} s each, built backend in production mode, real PostgreSQL and Redis.`,
    '',
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB.toFixed(1)} GiB, Node ${m.node}. Load average (1 min) during the run: ` +
      `start ${load.atStart.toFixed(2)}, min ${load.min.toFixed(2)}, mean ${load.mean.toFixed(2)}, max ${load.max.toFixed(2)} ` +
      '(the machine is shared; other work ran meanwhile).',
    '',
    `| Scenario | req/s | p50 ms | p99 ms | p99 < ${P99_TARGET_MS} ms | CPU µs/req | non-2xx | load avg at start |`,
    '|---|--:|--:|--:|:-:|--:|--:|--:|',
    ...rows.map(
      ({ label, result, load: at }) =>
        `| ${label} | ${Math.round(result.rps)} | ${result.p50} | ${result.p99} | ${result.p99 < P99_TARGET_MS ? 'yes' : 'no'} | ` +
        `${Math.round(result.cpuUsPerRequest)} | ${result.non2xx + result.errors} | ${at.toFixed(2)} |`,
    ),
    '',
  ];
  const dir = join(BENCH_DIR, 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${date}-collectives.md`);
  writeFileSync(file, lines.join('\n'));
  log(`report: ${file}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
