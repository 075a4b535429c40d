/**
 * Aggregator overhead benchmark. Runs the aggregator as its own process (dist/main.js when built, else the
 * TypeScript source through tsx) against instant local satellites (one model, three data sources) and reports:
 *   1. added latency of POST /api/v1/chat (p50/p99 of aggregator time minus the same satellite calls made directly);
 *   2. time to first token of POST /api/v1/chat/stream with a model that streams at once;
 *   3. resident memory per open stream with N streams held against a slow model.
 * Usage: pnpm --filter @syfthub/aggregator bench [-- --requests 2000 --streams 2000 --hold 15]
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
    requests: { type: 'string', default: '2000' },
    streams: { type: 'string', default: '2000' },
    hold: { type: 'string', default: '15' },
    'log-level': { type: 'string', default: 'info' },
  },
});
const REQUESTS = Number(args.requests);
const STREAMS = Number(args.streams);
const HOLD_SECONDS = Number(args.hold);

const here = dirname(fileURLToPath(import.meta.url));
const appDir = join(here, '..');
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
const WORDS = 'Termination needs thirty days notice in writing. [cite:1] '.split(' ');

function chunk(content: string): string {
  return `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;
}

/** The instant satellite: data sources answer at once, the model answers JSON, streams at once, or streams slowly. */
function startSatellite(): Promise<number> {
  const server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const slug = req.url?.split('/')[4] ?? '';
      if (slug.startsWith('docs')) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(DOCS);
      } else if (slug === 'model') {
        const stream = (JSON.parse(Buffer.concat(parts).toString()) as { stream: boolean }).stream;
        if (!stream) {
          res.writeHead(200, { 'content-type': 'application/json' }).end(ANSWER);
          return;
        }
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end(`${WORDS.map((w) => chunk(`${w} `)).join('')}data: [DONE]\n\n`);
      } else if (slug === 'slow-model') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        let i = 0;
        const timer = setInterval(() => {
          res.write(chunk(`w${i++} `));
        }, 1000);
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

function request(port: number, path: string, body: string): Promise<{ status: number; text: string }> {
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
  const argv = [
    ...nodeArgs,
    ...(existsSync(dist) ? [dist] : ['--import', 'tsx', join(appDir, 'src/main.ts')]),
  ];
  const child = spawn(process.execPath, argv, {
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
  for (let i = 0; i < 200; i += 1) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health`);
      if (res.ok) return { child, port };
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`aggregator did not start (${existsSync(dist) ? 'dist' : 'tsx'})`);
}

function rssKb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
}

/** User + system CPU time of a process in milliseconds (from /proc, so it is immune to other load). */
function cpuMs(pid: number): { user: number; system: number } {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return { user: Number(fields[11]) * 10, system: Number(fields[12]) * 10 };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const fmt = (ms: number) => `${ms.toFixed(2)} ms`;

async function main() {
  const satPort = await startSatellite();
  const { child, port } = await startAggregator(satPort);
  const base = `http://127.0.0.1:${satPort}`;
  const body = (model: string) =>
    JSON.stringify({
      prompt: 'What notice does termination need?',
      model: { url: base, slug: model, owner_username: 'bob' },
      data_sources: ['docs-a', 'docs-b', 'docs-c'].map((slug) => ({
        url: base,
        slug,
        owner_username: 'alice',
      })),
      endpoint_tokens: { alice: 'token-a', bob: 'token-b' },
    });
  const chatBody = body('model');
  const dsBody = JSON.stringify({
    messages: 'What notice does termination need?',
    limit: 5,
    similarity_threshold: 0.5,
  });
  const modelBody = JSON.stringify({ messages: [{ role: 'user', content: 'x' }], stream: false });

  // 1. Added latency: the same satellite calls, through the aggregator and directly, one request at a time.
  const direct = async () => {
    await Promise.all(
      ['docs-a', 'docs-b', 'docs-c'].map((s) => request(satPort, `/api/v1/endpoints/${s}/query`, dsBody)),
    );
    await request(satPort, '/api/v1/endpoints/model/query', modelBody);
  };
  const viaAggregator = async () => {
    const res = await request(port, '/api/v1/chat', chatBody);
    if (res.status !== 200) throw new Error(`chat failed: ${res.status} ${res.text.slice(0, 200)}`);
  };
  const time = async (fn: () => Promise<void>, n: number) => {
    const samples: number[] = [];
    for (let i = 0; i < n; i += 1) {
      const t = performance.now();
      await fn();
      samples.push(performance.now() - t);
    }
    return samples.sort((a, b) => a - b);
  };
  await time(viaAggregator, 300);
  await time(direct, 300);
  const cpuBefore = cpuMs(child.pid!);
  const agg = await time(viaAggregator, REQUESTS);
  const cpuAfter = cpuMs(child.pid!);
  const userPerRequest = (cpuAfter.user - cpuBefore.user) / REQUESTS;
  const systemPerRequest = (cpuAfter.system - cpuBefore.system) / REQUESTS;
  const dir = await time(direct, REQUESTS);
  console.log(`POST /chat, 3 data sources + model, ${REQUESTS} sequential requests`);
  console.log(`  through aggregator  p50 ${fmt(percentile(agg, 50))}  p99 ${fmt(percentile(agg, 99))}`);
  console.log(
    `  aggregator CPU per request: user ${fmt(userPerRequest)}, system ${fmt(systemPerRequest)} (logging included)`,
  );
  console.log(`  satellites directly p50 ${fmt(percentile(dir, 50))}  p99 ${fmt(percentile(dir, 99))}`);
  console.log(
    `  added latency       p50 ${fmt(percentile(agg, 50) - percentile(dir, 50))}  p99 ${fmt(percentile(agg, 99) - percentile(dir, 99))}`,
  );

  // 2. Time to first token on the stream route.
  const streamBody = body('model');
  const ttft = async () =>
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
  const firsts: number[] = [];
  for (let i = 0; i < 200; i += 1) await ttft();
  for (let i = 0; i < Math.min(REQUESTS, 1000); i += 1) firsts.push(await ttft());
  firsts.sort((a, b) => a - b);
  console.log(
    `POST /chat/stream time to first token: p50 ${fmt(percentile(firsts, 50))}  p99 ${fmt(percentile(firsts, 99))}`,
  );

  // 3. Memory per concurrent stream against a slow model.
  if (STREAMS === 0) {
    child.kill('SIGTERM');
    agent.destroy();
    setTimeout(() => process.exit(0), 1000).unref();
    return;
  }
  if (typeof global.gc === 'function') global.gc();
  await new Promise((r) => setTimeout(r, 1000));
  const idle = rssKb(child.pid!);
  const slowBody = body('slow-model');
  const open: http.ClientRequest[] = [];
  let streaming = 0;
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
          let counted = false;
          res.on('data', (text: string) => {
            if (!counted && text.includes('event: token')) {
              counted = true;
              streaming += 1;
              resolve();
            }
          });
          res.on('error', () => {});
        },
      );
      req.on('error', reject);
      req.end(slowBody);
      open.push(req);
    });
  const started = performance.now();
  for (let i = 0; i < STREAMS; i += 100) {
    await Promise.all(Array.from({ length: Math.min(100, STREAMS - i) }, openStream));
  }
  console.log(
    `${streaming} streams open and receiving tokens after ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  let peak = 0;
  for (let s = 0; s < HOLD_SECONDS; s += 1) {
    await new Promise((r) => setTimeout(r, 1000));
    peak = Math.max(peak, rssKb(child.pid!));
  }
  const held = rssKb(child.pid!);
  console.log(
    `RSS idle ${(idle / 1024).toFixed(1)} MiB, with ${STREAMS} streams ${(held / 1024).toFixed(1)} MiB (peak ${(peak / 1024).toFixed(1)} MiB): ` +
      `${((held - idle) / STREAMS).toFixed(1)} KiB per stream (peak ${((peak - idle) / STREAMS).toFixed(1)} KiB)`,
  );
  for (const req of open) req.destroy();
  child.kill('SIGTERM');
  agent.destroy();
  setTimeout(() => process.exit(0), 500).unref();
}

await main();
