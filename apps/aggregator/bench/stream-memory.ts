/**
 * Live memory per open stream, measured in one process with forced garbage collection (so V8's heap headroom,
 * which dominates RSS in the suite-wide `pnpm bench` (bench/src/aggregator.ts), does not blur the figure). The same client and satellite run once
 * talking to each other directly and once through the aggregator; the difference is the aggregator's share.
 * Usage: node --expose-gc --import tsx bench/stream-memory.ts [streams]
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSilentLogger, startServer } from '@syfthub/service';
import { createApp } from '../src/app';
import { loadConfig } from '../src/env';

const STREAMS = Number(process.argv[2] ?? 1000);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');

const DOCS = JSON.stringify({
  summary: null,
  references: {
    documents: Array.from({ length: 5 }, (_, i) => ({
      content: `Passage ${i} about contract termination, notice periods and payment terms. `.repeat(4),
      metadata: { title: `Doc ${i}` },
      similarity_score: 1 - i / 10,
    })),
  },
});

const satellite = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    if (req.url?.includes('/docs')) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(DOCS);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    let i = 0;
    const chunk = () => `data: ${JSON.stringify({ choices: [{ delta: { content: `w${i++} ` } }] })}\n\n`;
    const timer = setInterval(() => res.write(chunk()), 500);
    res.on('close', () => clearInterval(timer));
  });
});
await new Promise<void>((resolve) => satellite.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${(satellite.address() as AddressInfo).port}`;

const logger = createSilentLogger();
const app = createApp({
  config: loadConfig({
    AGGREGATOR_SSRF_ALLOW_PRIVATE_NETWORKS: 'true',
    AGGREGATOR_RATE_LIMIT_PER_MINUTE: '0',
  }),
  logger,
  reportFailure: null,
});
const server = await startServer(app, { port: 0, host: '127.0.0.1', logger, handleSignals: false });
const body = JSON.stringify({
  prompt: 'What notice does termination need?',
  model: { url: base, slug: 'slow', owner_username: 'bob' },
  data_sources: ['docs-a', 'docs-b', 'docs-c'].map((slug) => ({ url: base, slug, owner_username: 'alice' })),
});

function open(n: number, url: string, keep: http.ClientRequest[]): Promise<unknown> {
  return Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<void>((resolve) => {
          const req = http.request(
            url,
            { method: 'POST', agent: false, headers: { 'content-type': 'application/json' } },
            (res) => {
              res.setEncoding('utf8');
              res.once('data', () => resolve());
            },
          );
          req.on('error', () => {});
          req.end(body);
          keep.push(req);
        }),
    ),
  );
}

async function heapPerStream(url: string): Promise<number> {
  // Warm the code paths first so compiled code is not counted as per-stream memory.
  const warm: http.ClientRequest[] = [];
  await open(200, url, warm);
  for (const req of warm) req.destroy();
  await new Promise((r) => setTimeout(r, 1500));
  gc!();
  gc!();
  const before = process.memoryUsage().heapUsed;
  const held: http.ClientRequest[] = [];
  await open(STREAMS, url, held);
  await new Promise((r) => setTimeout(r, 2000));
  gc!();
  gc!();
  const after = process.memoryUsage().heapUsed;
  for (const req of held) req.destroy();
  await new Promise((r) => setTimeout(r, 1000));
  return (after - before) / STREAMS / 1024;
}

const direct = await heapPerStream(`${base}/api/v1/endpoints/slow/query`);
const through = await heapPerStream(`http://127.0.0.1:${server.port}/api/v1/chat/stream`);
console.log(`${STREAMS} streams, live JS heap per stream after GC:`);
console.log(`  client <-> satellite directly: ${direct.toFixed(1)} KiB`);
console.log(`  client <-> aggregator <-> satellite: ${through.toFixed(1)} KiB`);
console.log(`  aggregator's share: ${(through - direct).toFixed(1)} KiB`);
await server.stop();
process.exit(0);
