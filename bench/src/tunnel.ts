/**
 * NATS tunnelling (issue 18): the built aggregator as its own process, a nats-server from the project's config
 * (mode A, WebSocket + token), and in this process an instant HTTP satellite, the hub's key route and a tunnel node
 * speaking §5 over WebSocket that returns the very same bodies. Measures
 *   1. the latency a tunnelled call adds over a direct HTTP call: retrieval-only chats with one data source, HTTP
 *      and tunnelled interleaved so drift in machine load hits both alike (target: p50 difference < 3 ms);
 *   2. 500 concurrent tunnelled chats (one data source and the model, both tunnelled: 1,000 calls) with no loss.
 * Writes results/<date>-tunnel.md with the load average beside every figure. Run under
 * `flock /tmp/syfthub-stack.lock` on a shared machine.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  buildResponse,
  connectNats,
  generateKeyPair,
  openRequest,
  parseRequestEnvelope,
  peerSubject,
  spaceSubject,
  toBase64Url,
} from '@syfthub/tunnel';
import { startNatsServer } from '@syfthub/tunnel/testing';
import { freePort, run, startService } from './lib/proc';
import { percentile } from './lib/stats';
import { type LoadAverage, machine, startLoadSampler } from './machine';

const BENCH_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
const ROOT = join(BENCH_DIR, '..');
const OWNER = 'tunnel-owner';

const { values: args } = parseArgs({
  options: {
    requests: { type: 'string', default: '1000' },
    concurrent: { type: 'string', default: '500' },
    'no-build': { type: 'boolean', default: false },
  },
});

const DOCS = {
  summary: null,
  references: {
    documents: Array.from({ length: 5 }, (_, i) => ({
      document_id: `d${i}`,
      content: `Passage ${i} about contract termination, notice periods and payment terms. `.repeat(4),
      metadata: { title: `Doc ${i}` },
      similarity_score: 1 - i / 10,
    })),
  },
};
const ANSWER = {
  summary: { message: { role: 'assistant', content: 'Termination needs notice. [cite:1]' } },
  references: null,
};
const DOCS_TEXT = JSON.stringify(DOCS);
const ANSWER_TEXT = JSON.stringify(ANSWER);

const log = (message: string) => process.stdout.write(`[bench:tunnel] ${message}\n`);

function listen(server: http.Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    ),
  );
}

/** The instant HTTP satellite: the same bodies the tunnel node seals. */
function startHttpSatellite(): Promise<string> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const slug = req.url?.split('/')[4] ?? '';
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(slug === 'model' ? ANSWER_TEXT : DOCS_TEXT);
    });
  });
  server.keepAliveTimeout = 60_000;
  return listen(server);
}

function startKeyHub(publicKey: string): Promise<string> {
  const server = http.createServer((req, res) => {
    const known = req.url === `/api/v1/nats/encryption-key/${OWNER}`;
    res
      .writeHead(known ? 200 : 404, { 'content-type': 'application/json' })
      .end(JSON.stringify(known ? { encryption_public_key: publicKey } : { detail: 'not found' }));
  });
  return listen(server);
}

const agent = new http.Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });

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

interface Summary {
  p50: number;
  p95: number;
  p99: number;
}

const summary = (sorted: number[]): Summary => ({
  p50: percentile(sorted, 50),
  p95: percentile(sorted, 95),
  p99: percentile(sorted, 99),
});

const ms = (n: number) => n.toFixed(2);

async function main() {
  if (!args['no-build']) {
    log('building the aggregator');
    await run('pnpm', ['exec', 'turbo', 'run', 'build', '--filter=@syfthub/aggregator'], ROOT);
  }
  const logDir = mkdtempSync(join(tmpdir(), 'syfthub-bench-tunnel-'));
  const nats = await startNatsServer({ mode: 'token', token: `t${randomBytes(18).toString('base64url')}` });
  const keys = generateKeyPair();
  const satelliteUrl = await startHttpSatellite();
  const hubUrl = await startKeyHub(toBase64Url(keys.publicKey));

  // The node: decrypts, answers with the same body as the HTTP satellite, seals the reply (§5, §6).
  let handled = 0;
  const node = await connectNats({ url: nats.wsUrl, token: nats.token, name: `syfthub-space-${OWNER}` });
  node.subscribe(spaceSubject(OWNER), {
    callback: (_err, msg) => {
      const envelope = parseRequestEnvelope(msg.data);
      if (!envelope) return;
      openRequest(envelope, keys.privateKey);
      const payload = envelope.endpoint.type === 'model' ? ANSWER : DOCS;
      handled += 1;
      node.publish(peerSubject(envelope.reply_to), buildResponse(envelope, { status: 'success', payload }));
    },
  });
  await node.flush();

  const port = await freePort();
  const aggregator = await startService({
    name: 'aggregator',
    entry: 'dist/main.js',
    cwd: join(ROOT, 'apps', 'aggregator'),
    port,
    readyPath: '/health',
    logDir,
    env: {
      NODE_ENV: 'production',
      AGGREGATOR_HOST: '127.0.0.1',
      AGGREGATOR_PORT: String(port),
      AGGREGATOR_SSRF_ALLOWED_HOSTS: new URL(satelliteUrl).host,
      AGGREGATOR_RATE_LIMIT_PER_MINUTE: '0',
      AGGREGATOR_LOG_LEVEL: 'warn',
      AGGREGATOR_SYFTHUB_URL: hubUrl,
      AGGREGATOR_NATS_URL: nats.tcpUrl,
      AGGREGATOR_NATS_AUTH_TOKEN: nats.token,
      INTERNAL_SERVICE_TOKEN: randomBytes(16).toString('hex'),
    },
  });
  for (let i = 0; i < 100; i += 1) {
    const ready = (await (await fetch(`${aggregator.url}/ready`)).json()) as { checks: { nats: string } };
    if (ready.checks.nats === 'ok') break;
    await new Promise((r) => setTimeout(r, 100));
  }

  const source = (url: string) => ({ url, slug: 'docs', name: '', tenant_name: null, owner_username: OWNER });
  const retrieval = (url: string) =>
    JSON.stringify({
      prompt: 'What notice does termination need?',
      model: source(url),
      data_sources: [source(url)],
      endpoint_tokens: { [OWNER]: 'token' },
      retrieval_only: true,
    });
  const httpBody = retrieval(satelliteUrl);
  const tunnelBody = retrieval(`tunneling:${OWNER}`);
  const once = async (body: string) => {
    const started = performance.now();
    const res = await post(port, '/api/v1/chat', body);
    const elapsed = performance.now() - started;
    if (res.status !== 200 || !res.text.includes('"status":"success"'))
      throw new Error(`chat failed: ${res.status} ${res.text.slice(0, 300)}`);
    return elapsed;
  };

  // 1. Added latency, HTTP and tunnel interleaved.
  const requests = Number(args.requests);
  log(`added latency: ${requests} retrieval-only chats each way, interleaved`);
  for (let i = 0; i < 50; i += 1) {
    await once(httpBody);
    await once(tunnelBody);
  }
  const latencyLoad = startLoadSampler();
  const httpSamples: number[] = [];
  const tunnelSamples: number[] = [];
  const differences: number[] = [];
  // The aggregator's own CPU time per request (from /proc, 10 ms ticks summed over every request): what the
  // tunnel costs the aggregator whatever else the machine is doing.
  let httpCpuMs = 0;
  let tunnelCpuMs = 0;
  for (let i = 0; i < requests; i += 1) {
    let cpu = aggregator.cpuMs();
    const h = await once(httpBody);
    let after = aggregator.cpuMs();
    httpCpuMs += after - cpu;
    cpu = after;
    const t = await once(tunnelBody);
    after = aggregator.cpuMs();
    tunnelCpuMs += after - cpu;
    httpSamples.push(h);
    tunnelSamples.push(t);
    differences.push(t - h);
  }
  const latencyLoadAvg = latencyLoad.stop();
  const httpLatency = summary(httpSamples.sort((a, b) => a - b));
  const tunnelLatency = summary(tunnelSamples.sort((a, b) => a - b));
  const pairDiff = summary(differences.sort((a, b) => a - b));

  // 2. Concurrent tunnelled chats, source and model both tunnelled.
  const concurrent = Number(args.concurrent);
  log(`${concurrent} concurrent tunnelled chats`);
  const fullBody = JSON.stringify({
    prompt: 'What notice does termination need?',
    model: { ...source(`tunneling:${OWNER}`), slug: 'model' },
    data_sources: [source(`tunneling:${OWNER}`)],
    endpoint_tokens: { [OWNER]: 'token' },
  });
  const handledBefore = handled;
  const concurrentLoad = startLoadSampler();
  const started = performance.now();
  const outcomes = await Promise.all(
    Array.from({ length: concurrent }, async () => {
      const t = performance.now();
      try {
        const res = await post(port, '/api/v1/chat', fullBody);
        const body = JSON.parse(res.text) as {
          response?: string;
          retrieval_info?: Array<{ status: string }>;
        };
        const ok =
          res.status === 200 &&
          body.retrieval_info?.[0]?.status === 'success' &&
          (body.response ?? '').includes('Termination needs notice');
        return { ok, ms: performance.now() - t, detail: ok ? '' : res.text.slice(0, 200) };
      } catch (err) {
        return { ok: false, ms: performance.now() - t, detail: (err as Error).message };
      }
    }),
  );
  const wallMs = performance.now() - started;
  const concurrentLoadAvg = concurrentLoad.stop();
  const succeeded = outcomes.filter((o) => o.ok).length;
  const failures = outcomes.filter((o) => !o.ok).slice(0, 3);
  const concurrentLatency = summary(outcomes.map((o) => o.ms).sort((a, b) => a - b));
  const calls = handled - handledBefore;

  await aggregator.stop();
  await node.close();
  await nats.stop();

  const m = machine();
  const addedP50 = tunnelLatency.p50 - httpLatency.p50;
  const date = new Date().toISOString().slice(0, 10);
  const load = (l: LoadAverage) =>
    `load average (1 min) ${l.atStart.toFixed(1)} at start, mean ${l.mean.toFixed(1)}, max ${l.max.toFixed(1)}`;
  const report = `# Tunnelling benchmark — ${date}

Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB.toFixed(1)} GiB, Node ${m.node}, Linux ${m.kernel}.
Built aggregator as its own process (NODE_ENV=production, rate limit off), nats-server from nats/nats.conf
(mode A, WebSocket + token) on free ports; the HTTP satellite, the hub's key route and the tunnel node (WebSocket,
@syfthub/tunnel) run in the bench process and return identical bodies.

## 1. Added latency of a tunnelled call (${requests} retrieval-only chats each way, one data source, interleaved)

${load(latencyLoadAvg)}.

| | p50 ms | p95 ms | p99 ms |
|---|--:|--:|--:|
| direct HTTP | ${ms(httpLatency.p50)} | ${ms(httpLatency.p95)} | ${ms(httpLatency.p99)} |
| NATS tunnel | ${ms(tunnelLatency.p50)} | ${ms(tunnelLatency.p95)} | ${ms(tunnelLatency.p99)} |
| per-pair difference (tunnel − HTTP) | ${ms(pairDiff.p50)} | ${ms(pairDiff.p95)} | ${ms(pairDiff.p99)} |

Added p50 (tunnel p50 − HTTP p50): **${ms(addedP50)} ms** — target < 3 ms: ${addedP50 < 3 ? 'met' : 'missed'}.

Aggregator CPU time per chat (independent of the machine's load): HTTP ${ms(httpCpuMs / requests)} ms, tunnel
${ms(tunnelCpuMs / requests)} ms (+${ms((tunnelCpuMs - httpCpuMs) / requests)} ms for the sealing, the reply's
decryption and the NATS subscriptions).

## 2. ${concurrent} concurrent tunnelled chats (data source and model tunnelled: ${concurrent * 2} calls)

${load(concurrentLoadAvg)}.

- succeeded: **${succeeded} / ${concurrent}** (${concurrent - succeeded} lost) — target: no loss: ${succeeded === concurrent ? 'met' : 'missed'}
- requests the node answered: ${calls} (expected ${concurrent * 2})
- wall time ${ms(wallMs)} ms; per-chat latency p50 ${ms(concurrentLatency.p50)} ms, p95 ${ms(concurrentLatency.p95)} ms, p99 ${ms(concurrentLatency.p99)} ms
${failures.length > 0 ? `- first failures: ${failures.map((f) => `\`${f.detail}\``).join('; ')}\n` : ''}`;
  mkdirSync(join(BENCH_DIR, 'results'), { recursive: true });
  const file = join(BENCH_DIR, 'results', `${date}-tunnel.md`);
  writeFileSync(file, report);
  process.stdout.write(report);
  log(`written ${file}`);
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
