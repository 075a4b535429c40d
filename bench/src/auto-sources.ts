/**
 * `pnpm bench:auto-sources`: the latency automatic source selection (issue 20, docs/auto-sources.md) adds to a chat,
 * on the base dataset of 20,000 endpoints (seed.ts). The built backend and the built aggregator run as their own
 * processes; an instant satellite in this process answers every data source and the model. Every connection of the
 * catalogue points at that satellite, so whatever the search picks can be queried.
 *
 * For each question, two retrieval-only chats are sent one after the other, in alternating order:
 *   - auto: no data sources, `auto_sources: true` (search, filter, guest tokens minted by the aggregator);
 *   - explicit: the same sources the auto request chose, with tokens minted beforehand, as a client that had
 *     picked them would send.
 * The added latency is auto − explicit per pair (target p50 < 10 ms). The search time the aggregator reports
 * (`metadata.source_selection.time_ms`) is listed too. Writes results/<date>-auto-sources.md with the load average
 * beside each figure.
 *
 *   pnpm bench:auto-sources [-- --pairs 400 --no-build --keep]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hash } from '@node-rs/argon2';
import postgres from 'postgres';
import {
  ARGON2,
  createDatabase,
  migrateDatabase,
  PASSWORD,
  REDIS_URL,
  SERVER_URL,
  serviceEnv,
  startBackend,
} from './lib/backend';
import { percentile } from './lib/stats';
import {
  benchArgs,
  buildPackages,
  logDirectory,
  ms,
  postJson,
  ROOT,
  startAggregator,
  startInstantSatellite,
  writeReport,
} from './lib/tunnel-stack';
import { machine, startLoadSampler } from './machine';
import { seed } from './seed';

const args = benchArgs({
  pairs: { type: 'string', default: '400' },
  keep: { type: 'boolean', default: false },
});
const PAIRS = Number(args.pairs);
const P50_TARGET_MS = 10;

const log = (message: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
const loadAverage = () => Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);

/** Words of the seeded catalogue (seed.ts), so questions find sources the way a real hub's would. */
const TOPICS = (
  'legal contract law policy court tax finance market weather climate forecast ocean science physics biology ' +
  'genome medicine health clinic vaccine history music film poetry language translation image satellite map ' +
  'traffic energy solar battery python database search museum library archive patent invoice insurance'
).split(' ');
const FORMS = [
  (a: string, b: string) => `What do the ${a} records say about ${b}?`,
  (a: string, b: string) => `Which sources cover ${a} and ${b} in detail?`,
  (a: string, b: string) => `How does ${a} affect ${b} according to the documents?`,
  (a: string, b: string) => `Summarise what is known about ${a} ${b}.`,
];

function questions(count: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const a = TOPICS[(i * 7) % TOPICS.length] as string;
    const b = TOPICS[(i * 13 + 5) % TOPICS.length] as string;
    out.push((FORMS[i % FORMS.length] as (a: string, b: string) => string)(a, b));
  }
  return out;
}

const DOCS = JSON.stringify({
  summary: null,
  references: {
    documents: [
      {
        document_id: 'd1',
        content: 'Seeded passage.',
        metadata: { title: 'Passage' },
        similarity_score: 0.9,
      },
    ],
  },
  cost: 0,
  currency: 'USD',
});

interface Selected {
  path: string;
  relevance_score: number;
}
interface ChatAnswer {
  retrieval_info: Array<{ path: string; status: string }>;
  metadata: { source_selection?: { status: string; sources: Selected[]; time_ms: number } };
}

async function main(): Promise<void> {
  const loads = startLoadSampler();
  const logDir = logDirectory('auto-sources');
  if (!args['no-build']) await buildPackages(['@syfthub/backend', '@syfthub/aggregator'], log);
  // Answers every data-source query at once.
  const satelliteUrl = await startInstantSatellite(() => DOCS);
  const database = await createDatabase(SERVER_URL, args.keep, log);
  try {
    await migrateDatabase(database.url);
    await seed(database.url, await hash(PASSWORD, { ...ARGON2, algorithm: 2 }));
    const sql = postgres(database.url, { max: 1, onnotice: () => {} });
    const connect = JSON.stringify([
      { type: 'http', enabled: true, description: '', config: { url: satelliteUrl } },
    ]);
    await sql`update users set domain = ${satelliteUrl}`;
    await sql`update endpoints set connect = ${connect}::jsonb`;
    // The update rewrote every row: without a vacuum, index scans step over 20,000 dead tuples.
    await sql`vacuum (analyze) endpoints`;
    await sql`vacuum (analyze) users`;
    await sql.end();
    log(`seeded; every connection points at ${satelliteUrl}`);

    const backend = await startBackend(
      serviceEnv(database.url, REDIS_URL),
      join(ROOT, 'apps', 'backend'),
      logDir,
    );
    const aggregator = await startAggregator({
      logDir,
      hubUrl: backend.url,
      env: { AGGREGATOR_SSRF_ALLOWED_HOSTS: new URL(satelliteUrl).host },
    });
    try {
      const chatUrl = `${aggregator.url}/api/v1/chat`;
      const model = { url: satelliteUrl, slug: 'model', name: '', tenant_name: null, owner_username: null };
      const autoBody = (prompt: string) =>
        JSON.stringify({ prompt, model, auto_sources: true, retrieval_only: true });

      // Each question's choice, and the tokens a client would have minted for those owners.
      const list = questions(40);
      const explicit = new Map<string, string>();
      const chosenCounts: number[] = [];
      for (const prompt of list) {
        const res = await postJson(chatUrl, autoBody(prompt));
        if (res.status !== 200)
          throw new Error(`auto chat answered ${res.status}: ${res.text.slice(0, 300)}`);
        const answer = JSON.parse(res.text) as ChatAnswer;
        const chosen = answer.metadata.source_selection?.sources ?? [];
        chosenCounts.push(chosen.length);
        const owners = [...new Set(chosen.map((s) => s.path.split('/')[0] as string))];
        const tokens: Record<string, string> = {};
        for (const owner of owners) {
          const minted = await fetch(`${backend.url}/api/v1/token/guest?aud=${encodeURIComponent(owner)}`);
          tokens[owner] = ((await minted.json()) as { target_token: string }).target_token;
        }
        explicit.set(
          prompt,
          JSON.stringify({
            prompt,
            model,
            retrieval_only: true,
            data_sources: chosen.map((s) => ({
              url: satelliteUrl,
              slug: s.path.split('/')[1],
              name: '',
              tenant_name: null,
              owner_username: s.path.split('/')[0],
            })),
            endpoint_tokens: tokens,
          }),
        );
      }
      log(
        `${list.length} questions; sources chosen per question: ${[...new Set(chosenCounts)].sort().join(', ')}`,
      );

      // Warm-up, then the measured pairs in alternating order.
      for (let i = 0; i < 100; i += 1) {
        const prompt = list[i % list.length] as string;
        await postJson(chatUrl, autoBody(prompt));
        await postJson(chatUrl, explicit.get(prompt) as string);
      }
      const loadBefore = loadAverage();
      const autoMs: number[] = [];
      const explicitMs: number[] = [];
      const added: number[] = [];
      const searchMs: number[] = [];
      for (let i = 0; i < PAIRS; i += 1) {
        const prompt = list[i % list.length] as string;
        const timeOne = async (body: string) => {
          const started = performance.now();
          const res = await postJson(chatUrl, body);
          const elapsed = performance.now() - started;
          if (res.status !== 200) throw new Error(`chat answered ${res.status}: ${res.text.slice(0, 300)}`);
          return { elapsed, answer: JSON.parse(res.text) as ChatAnswer };
        };
        const autoFirst = i % 2 === 0;
        const a = autoFirst ? await timeOne(autoBody(prompt)) : null;
        const e = await timeOne(explicit.get(prompt) as string);
        const b = a ?? (await timeOne(autoBody(prompt)));
        autoMs.push(b.elapsed);
        explicitMs.push(e.elapsed);
        added.push(b.elapsed - e.elapsed);
        searchMs.push(b.answer.metadata.source_selection?.time_ms ?? Number.NaN);
      }
      const loadAfter = loadAverage();
      const sorted = (xs: number[]) => [...xs].sort((x, y) => x - y);
      const [autoS, explicitS, addedS, searchS] = [autoMs, explicitMs, added, searchMs].map(sorted) as [
        number[],
        number[],
        number[],
        number[],
      ];
      const addedP50 = percentile(addedS, 50);
      const load = loads.stop();
      const host = machine();
      const date = new Date().toISOString().slice(0, 10);
      const met = addedP50 < P50_TARGET_MS;
      const report = `# Automatic source selection — ${date}

Built backend and aggregator as their own processes (NODE_ENV=production, rate limits off), PostgreSQL with the
base dataset of \`seed.ts\` (20,000 endpoints, 2,000 users; every connection pointed at an instant satellite in the
bench process), Redis ${REDIS_URL}. ${PAIRS} pairs of retrieval-only chats over ${list.length} questions, sent one at a
time, auto and explicit in alternating order; sources chosen per question: ${[...new Set(chosenCounts)].sort().join(', ')}.

Machine: ${host.cores} × ${host.cpu}, ${host.memoryGiB.toFixed(1)} GiB, Node ${host.node}, kernel ${host.kernel}.
**Load average** (1 min): ${loadBefore.toFixed(2)} before the measured pairs, ${loadAfter.toFixed(2)} after; over the
whole run min ${load.min.toFixed(2)}, mean ${load.mean.toFixed(2)}, max ${load.max.toFixed(2)}${load.mean > host.cores ? ' — the machine was busy: figures are not representative' : ''}.

| Figure (ms) | p50 | p95 | p99 |
|---|--:|--:|--:|
| chat with \`auto_sources\` (search + guest tokens + fan-out) | ${ms(percentile(autoS, 50))} | ${ms(percentile(autoS, 95))} | ${ms(percentile(autoS, 99))} |
| the same chat with those sources named | ${ms(percentile(explicitS, 50))} | ${ms(percentile(explicitS, 95))} | ${ms(percentile(explicitS, 99))} |
| **added latency** (auto − explicit, per pair) | **${ms(addedP50)}** | ${ms(percentile(addedS, 95))} | ${ms(percentile(addedS, 99))} |
| hub search as the aggregator timed it (\`source_selection.time_ms\`) | ${ms(percentile(searchS, 50))} | ${ms(percentile(searchS, 95))} | ${ms(percentile(searchS, 99))} |

Target: added latency p50 < ${P50_TARGET_MS} ms — **${met ? 'met' : 'missed'}** (load average ${loadBefore.toFixed(2)}–${loadAfter.toFixed(2)} during the pairs).
`;
      const file = writeReport('auto-sources', date, report);
      log(`wrote ${file}`);
      console.log(report);
    } finally {
      await aggregator.stop();
      await backend.stop();
    }
  } finally {
    await database.drop();
  }
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
