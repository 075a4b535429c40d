/**
 * The set-up the tunnelling, agent-session and automatic-source benchmarks share: their options, building the
 * services, loopback HTTP helpers, the hub's key route, a nats-server from nats/nats.conf (mode A) on free ports, a
 * tunnel node in the bench process, and the built aggregator as its own process, ready once `/ready` reports NATS.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import type { NatsConnection } from '@nats-io/nats-core';
import {
  connectNats,
  openRequest,
  parseRequestEnvelope,
  spaceSubject,
  toBase64Url,
  type X25519KeyPair,
} from '@syfthub/tunnel';
import { startNatsServer, type TestNatsServer } from '@syfthub/tunnel/testing';
import type { LoadAverage } from '../machine';
import { freePort, run, type Service, sleep, startService } from './proc';
import { percentile } from './stats';

export const BENCH_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const ROOT = join(BENCH_DIR, '..');

type Options = NonNullable<ParseArgsConfig['options']>;
const NO_BUILD = { 'no-build': { type: 'boolean', default: false } } as const;

/** A bench's own options plus `--no-build`; the `--` that `pnpm bench:x -- …` passes on is skipped. */
export function benchArgs<const O extends Options>(options: O) {
  return parseArgs({
    args: process.argv.slice(2).filter((arg) => arg !== '--'),
    options: { ...options, ...NO_BUILD } as O & typeof NO_BUILD,
  }).values;
}

/** Builds the workspace packages named (turbo; cached when unchanged). */
export async function buildPackages(packages: string[], log: (message: string) => void): Promise<void> {
  log(`building ${packages.join(', ')} (turbo; cached when unchanged)`);
  await run(
    join(BENCH_DIR, 'node_modules', '.bin', 'turbo'),
    ['run', 'build', ...packages.map((name) => `--filter=${name}`), '--output-logs=errors-only'],
    ROOT,
  );
}

/** A fresh directory for the services' logs. */
export function logDirectory(bench: string): string {
  return mkdtempSync(join(tmpdir(), `syfthub-bench-${bench}-`));
}

/** Writes `results/<date>-<name>.md`; returns its path. */
export function writeReport(name: string, date: string, report: string): string {
  mkdirSync(join(BENCH_DIR, 'results'), { recursive: true });
  const file = join(BENCH_DIR, 'results', `${date}-${name}.md`);
  writeFileSync(file, report);
  return file;
}

/** Listens on a free loopback port; resolves to the server's base URL. */
export function listen(server: http.Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    ),
  );
}

/** The five passages every instant data source of the benches answers with (satellite-protocol.md §2.4). */
export const DOCUMENTS_BODY = {
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

/** An instant satellite: every query is answered at once with the JSON text `bodyFor(slug)`. */
export function startInstantSatellite(bodyFor: (slug: string) => string): Promise<string> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const slug = req.url?.split('/')[4] ?? '';
      res.writeHead(200, { 'content-type': 'application/json' }).end(bodyFor(slug));
    });
  });
  server.keepAliveTimeout = 60_000;
  return listen(server);
}

const agent = new http.Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });

/** POSTs a JSON body over a kept-alive connection; resolves to the status and the whole response text. */
export function postJson(url: string, body: string): Promise<{ status: number; text: string }> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: target.hostname,
        port: target.port,
        path: `${target.pathname}${target.search}`,
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

export interface Summary {
  p50: number;
  p95: number;
  p99: number;
}

/** p50, p95 and p99 of an ascending list. */
export const summary = (sorted: readonly number[]): Summary => ({
  p50: percentile(sorted, 50),
  p95: percentile(sorted, 95),
  p99: percentile(sorted, 99),
});

/** Milliseconds as the reports print them. */
export const ms = (n: number) => n.toFixed(2);

/** The load average of one measurement, as the reports print it. */
export const describeLoad = (l: LoadAverage) =>
  `load average (1 min) ${l.atStart.toFixed(1)} at start, mean ${l.mean.toFixed(1)}, max ${l.max.toFixed(1)}`;

/** The hub's `GET /api/v1/nats/encryption-key/{username}`: `owner`'s key, 404 for anyone else. */
export function startKeyHub(owner: string, keys: X25519KeyPair): Promise<string> {
  const publicKey = toBase64Url(keys.publicKey);
  const server = http.createServer((req, res) => {
    const known = req.url === `/api/v1/nats/encryption-key/${owner}`;
    res
      .writeHead(known ? 200 : 404, { 'content-type': 'application/json' })
      .end(JSON.stringify(known ? { encryption_public_key: publicKey } : { detail: 'not found' }));
  });
  return listen(server);
}

/** nats-server from nats/nats.conf (mode A: WebSocket + token) on free ports. */
export function startNats(): Promise<TestNatsServer> {
  // nats-server reads the token as config: one starting with a digit or `-` may not parse.
  return startNatsServer({ mode: 'token', token: `t${randomBytes(18).toString('base64url')}` });
}

/** A request the tunnel node received, opened with the node's key. */
export interface NodeRequest {
  envelope: NonNullable<ReturnType<typeof parseRequestEnvelope>>;
  payload: unknown;
}

/**
 * A tunnel node of `owner` in this process, over WebSocket as nodes dial: every request on
 * `syfthub.spaces.<owner>` is decrypted and handed to `handle`, which answers on the connection it is given.
 */
export async function startTunnelNode(
  nats: TestNatsServer,
  owner: string,
  keys: X25519KeyPair,
  handle: (request: NodeRequest, node: NatsConnection) => void,
): Promise<NatsConnection> {
  const node = await connectNats({ url: nats.wsUrl, token: nats.token, name: `syfthub-space-${owner}` });
  node.subscribe(spaceSubject(owner), {
    callback: (_err, msg) => {
      const envelope = parseRequestEnvelope(msg.data);
      if (!envelope) return;
      handle({ envelope, payload: openRequest(envelope, keys.privateKey) }, node);
    },
  });
  await node.flush();
  return node;
}

export interface AggregatorOptions {
  logDir: string;
  /** The hub the aggregator asks for keys and tokens (`AGGREGATOR_SYFTHUB_URL`). */
  hubUrl: string;
  /** Tunnelling on: the aggregator dials this server's TCP listener, and counts as started once `/ready` says so. */
  nats?: TestNatsServer;
  /** Further settings, over the defaults. */
  env?: Record<string, string>;
}

/**
 * The built aggregator as its own process (NODE_ENV=production, rate limit off, warnings only). Node options for it,
 * e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`, can be given in BENCH_AGGREGATOR_NODE_OPTIONS.
 */
export async function startAggregator(options: AggregatorOptions): Promise<Service> {
  const port = await freePort();
  const { nats } = options;
  const aggregator = await startService({
    name: 'aggregator',
    entry: 'dist/main.js',
    cwd: join(ROOT, 'apps', 'aggregator'),
    port,
    readyPath: '/health',
    logDir: options.logDir,
    nodeArgs: process.env.BENCH_AGGREGATOR_NODE_OPTIONS?.split(' ').filter(Boolean) ?? [],
    env: {
      NODE_ENV: 'production',
      AGGREGATOR_HOST: '127.0.0.1',
      AGGREGATOR_PORT: String(port),
      AGGREGATOR_RATE_LIMIT_PER_MINUTE: '0',
      AGGREGATOR_LOG_LEVEL: 'warn',
      AGGREGATOR_SYFTHUB_URL: options.hubUrl,
      ...(nats && {
        AGGREGATOR_NATS_URL: nats.tcpUrl,
        AGGREGATOR_NATS_AUTH_TOKEN: nats.token,
        INTERNAL_SERVICE_TOKEN: randomBytes(16).toString('hex'),
      }),
      ...options.env,
    },
  });
  if (nats) await waitForNats(aggregator);
  return aggregator;
}

async function waitForNats(aggregator: Service): Promise<void> {
  for (let i = 0; i < 100; i += 1) {
    const ready = (await (await fetch(`${aggregator.url}/ready`)).json()) as { checks: { nats: string } };
    if (ready.checks.nats === 'ok') return;
    await sleep(100);
  }
  throw new Error(`the aggregator did not connect to NATS within 10 s; see ${aggregator.logFile}`);
}
