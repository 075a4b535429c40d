/**
 * Aggregator overhead benchmark. Runs the aggregator as its own process (dist/main.js when built, else the
 * TypeScript source through tsx) against instant local satellites (one model, three data sources) and reports:
 *   1. added latency of POST /api/v1/chat: p50/p99 through the aggregator minus the same satellite calls made
 *      directly, plus the aggregator's CPU time per request (from /proc, so other load on the machine does not
 *      distort it);
 *   2. time to first token of POST /api/v1/chat/stream with a model that streams at once;
 *   3. resident memory per open stream, with streams held against a model that sends a token every second.
 * Usage: pnpm --filter @syfthub/aggregator bench -- [--requests 3000] [--streams 2000] [--hold 10]
 * Set BENCH_NODE_ARGS to pass flags to the aggregator process (e.g. --cpu-prof).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    requests: { type: 'string', default: '3000' },
    streams: { type: 'string', default: '2000' },
    hold: { type: 'string', default: '10' },
    'log-level': { type: 'string', default: 'info' },
  },
});
const REQUESTS = Number(args.requests);
const STREAMS = Number(args.streams);
const HOLD_SECONDS = Number(args.hold);
const WARMUP = 300;
const QUESTION = 'What notice does termination need?';

const appDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const agent = new http.Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });

const DOCS = JSON.stringify({
  summary: null,
  references: {
    documents: Array.from({ length: 5 }, (_, i) => ({
      document_id: `d${i}`,
      content: `Passage ${i} about contract termination, notice periods and payment terms. `.repeat(4),
      metadata: { title: `Doc ${i}` },
      similarity_score: 1 - i / 10,
    })),
  },
});
const ANSWER = JSON.stringify({
  summary: {
    message: { role: 'assistant', content: 'Termination needs notice. [cite:1] Payment is net 30. [cite:2]' },
  },
  references: null,
});
const WORDS = 'Termination needs thirty days notice in writing. [cite:1]'.split(' ');

const chunk = (content: string) =>
  `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;

/** Data sources answer at once; `model` answers JSON or streams at once; `slow-model` streams a token a second. */
function startSatellite(): Promise<number> {
  const server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const slug = req.url?.split('/')[4] ?? '';
      if (slug.startsWith('docs')) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(DOCS);
      } else if (slug === 'model') {
        const { stream } = JSON.parse(Buffer.concat(parts).toString()) as { stream: boolean };
        if (!stream) {
          res.writeHead(200, { 'content-type': 'application/json' }).end(ANSWER);
          return;
        }
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end(`${WORDS.map((w) => chunk(`${w} `)).join('')}data: [DONE]\n\n`);
      } else if (slug === 'slow-model') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        let i = 0;
        const timer = setInterval(() => res.write(chunk(`w${i++} `)), 1000);
        res.on('close', () => clearInterval(timer));
      } else {
        res.writeHead(404).end();
      }
    });
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}

function freePort(): Promise<number> {
  const s = http.createServer();
  return new Promise((resolve) =>
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    }),
  );
}

function post(port: number, path: string, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json' },
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(parts).toString() }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function startAggregator(satellitePort: number): Promise<{ child: ChildProcess; port: number }> {
  const port = await freePort();
  const dist = join(appDir, 'dist/main.js');
  const nodeArgs = process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const entry = existsSync(dist) ? [dist] : ['--import', 'tsx', join(appDir, 'src/main.ts')];
  const child = spawn(process.execPath, [...nodeArgs, ...entry], {
    cwd: appDir,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      AGGREGATOR_PORT: String(port),
      AGGREGATOR_HOST: '127.0.0.1',
      AGGREGATOR_SSRF_ALLOWED_HOSTS: `127.0.0.1:${satellitePort}`,
      AGGREGATOR_RATE_LIMIT_PER_MINUTE: '0',
      AGGREGATOR_LOG_LEVEL: args['log-level'],
      AGGREGATOR_SYFTHUB_URL: 'http://127.0.0.1:9',
    },
  });
  // Whatever happens to this process, the aggregator must not outlive it.
  process.on('exit', () => child.kill('SIGKILL'));
  for (let i = 0; i < 200; i += 1) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health`)).ok) return { child, port };
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`aggregator did not start (${existsSync(dist) ? 'dist' : 'tsx'})`);
}

const rssKb = (pid: number) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);

/** User and system CPU time of a process in ms (clock ticks of 10 ms). */
function cpuMs(pid: number): { user: number; system: number } {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return { user: Number(fields[11]) * 10, system: Number(fields[12]) * 10 };
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const fmt = (ms: number) => `${ms.toFixed(2)} ms`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function timeEach(fn: () => Promise<unknown>, n: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < n; i += 1) {
    const t = performance.now();
    await fn();
    samples.push(performance.now() - t);
  }
  return samples.sort((a, b) => a - b);
}

interface Setup {
  child: ChildProcess;
  port: number;
  satPort: number;
  chatBody(model: string): string;
}

async function measureLatency({ child, port, satPort, chatBody }: Setup) {
  const body = chatBody('model');
  const dsBody = JSON.stringify({
    messages: QUESTION,
    limit: 5,
    similarity_threshold: 0.5,
    include_metadata: true,
  });
  const modelBody = JSON.stringify({ messages: [{ role: 'user', content: QUESTION }], stream: false });
  const direct = async () => {
    await Promise.all(
      ['docs-a', 'docs-b', 'docs-c'].map((s) => post(satPort, `/api/v1/endpoints/${s}/query`, dsBody)),
    );
    await post(satPort, '/api/v1/endpoints/model/query', modelBody);
  };
  const through = async () => {
    const res = await post(port, '/api/v1/chat', body);
    if (res.status !== 200) throw new Error(`chat failed: ${res.status} ${res.text.slice(0, 200)}`);
  };
  await timeEach(through, WARMUP);
  await timeEach(direct, WARMUP);
  const before = cpuMs(child.pid!);
  const agg = await timeEach(through, REQUESTS);
  const after = cpuMs(child.pid!);
  const dir = await timeEach(direct, REQUESTS);
  console.log(`POST /chat, 3 data sources + model, ${REQUESTS} sequential requests`);
  console.log(`  through aggregator  p50 ${fmt(percentile(agg, 50))}  p99 ${fmt(percentile(agg, 99))}`);
  console.log(`  satellites directly p50 ${fmt(percentile(dir, 50))}  p99 ${fmt(percentile(dir, 99))}`);
  console.log(
    `  added latency       p50 ${fmt(percentile(agg, 50) - percentile(dir, 50))}  p99 ${fmt(percentile(agg, 99) - percentile(dir, 99))}`,
  );
  console.log(
    `  aggregator CPU per request: user ${fmt((after.user - before.user) / REQUESTS)}, system ${fmt((after.system - before.system) / REQUESTS)} (logging included)`,
  );

  const streamBody = chatBody('model');
  const firstToken = () =>
    new Promise<number>((resolve, reject) => {
      const t = performance.now();
      let first = -1;
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          path: '/api/v1/chat/stream',
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json' },
        },
        (res) => {
          res.setEncoding('utf8');
          res.on('data', (text: string) => {
            if (first < 0 && text.includes('event: token')) first = performance.now() - t;
          });
          res.on('end', () => resolve(first));
        },
      );
      req.on('error', reject);
      req.end(streamBody);
    });
  for (let i = 0; i < WARMUP; i += 1) await firstToken();
  const firsts: number[] = [];
  for (let i = 0; i < Math.min(REQUESTS, 1000); i += 1) firsts.push(await firstToken());
  firsts.sort((a, b) => a - b);
  console.log(
    `POST /chat/stream time to first token: p50 ${fmt(percentile(firsts, 50))}  p99 ${fmt(percentile(firsts, 99))}`,
  );
}

async function measureStreams({ child, port, chatBody }: Setup) {
  const body = chatBody('slow-model');
  const open: http.ClientRequest[] = [];
  const openStream = () =>
    new Promise<void>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          path: '/api/v1/chat/stream',
          method: 'POST',
          agent: false,
          headers: { 'content-type': 'application/json' },
        },
        (res) => {
          res.setEncoding('utf8');
          let seen = false;
          res.on('data', (text: string) => {
            if (!seen && text.includes('event: token')) {
              seen = true;
              resolve();
            }
          });
          res.on('error', () => {});
        },
      );
      req.on('error', reject);
      req.end(body);
      open.push(req);
    });
  const openMany = async (n: number) => {
    for (let i = 0; i < n; i += 100)
      await Promise.all(Array.from({ length: Math.min(100, n - i) }, openStream));
  };
  /** Median RSS over the hold period, so one GC cycle does not decide the figure. */
  const holdRss = async () => {
    const samples: number[] = [];
    for (let s = 0; s < HOLD_SECONDS; s += 1) {
      await sleep(1000);
      samples.push(rssKb(child.pid!));
    }
    return samples.sort((a, b) => a - b)[Math.floor(samples.length / 2)]!;
  };
  await sleep(1000);
  const idle = rssKb(child.pid!);
  const half = Math.floor(STREAMS / 2);
  const started = performance.now();
  await openMany(half);
  const rssHalf = await holdRss();
  await openMany(STREAMS - half);
  const opened = (performance.now() - started) / 1000 - HOLD_SECONDS;
  const rssFull = await holdRss();
  const mib = (kb: number) => `${(kb / 1024).toFixed(1)} MiB`;
  console.log(
    `${open.length} concurrent streams, each receiving a token per second (opened in ${opened.toFixed(1)} s)`,
  );
  console.log(
    `  RSS idle ${mib(idle)}, with ${half} streams ${mib(rssHalf)}, with ${STREAMS} streams ${mib(rssFull)}`,
  );
  console.log(
    `  per stream: ${((rssFull - idle) / STREAMS).toFixed(1)} KiB on average since idle, ` +
      `${((rssFull - rssHalf) / (STREAMS - half)).toFixed(1)} KiB marginal (${half} -> ${STREAMS})`,
  );
  for (const req of open) req.destroy();
}

const satPort = await startSatellite();
const { child, port } = await startAggregator(satPort);
const base = `http://127.0.0.1:${satPort}`;
const setup: Setup = {
  child,
  port,
  satPort,
  chatBody: (model) =>
    JSON.stringify({
      prompt: QUESTION,
      model: { url: base, slug: model, owner_username: 'bob' },
      data_sources: ['docs-a', 'docs-b', 'docs-c'].map((slug) => ({
        url: base,
        slug,
        owner_username: 'alice',
      })),
      endpoint_tokens: { alice: 'token-a', bob: 'token-b' },
    }),
};
if (REQUESTS > 0) await measureLatency(setup);
if (STREAMS > 0) await measureStreams(setup);
agent.destroy();
// A graceful stop lets --cpu-prof and similar flags write their output.
const exited = new Promise((resolve) => child.once('exit', resolve));
child.kill('SIGTERM');
await Promise.race([exited, sleep(5000)]);
process.exit(0);
