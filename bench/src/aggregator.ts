/**
 * Aggregator scenarios against instant local satellites (one model and three data sources, served from this
 * process): added latency of POST /chat over the same satellite calls made directly, the gap between the model
 * sending its first token and the client receiving it on /chat/stream, throughput at 32 connections, and memory
 * per open stream against a slow model. Each is measured on the aggregator and on its floor.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Measurement, measure } from './lib/load';
import { type Service, sleep } from './lib/proc';
import { percentile } from './lib/stats';
import { DOCUMENTS_BODY, postJson } from './lib/tunnel-stack';

const agent = new http.Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });

const DOCS = JSON.stringify(DOCUMENTS_BODY);
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

export interface Satellites {
  port: number;
  url: string;
  /** performance.now() of the last write of a first token by the instant streaming model. */
  lastFirstTokenSentAt(): number;
}

/** The instant satellite: data sources answer at once, the model answers JSON, streams at once, or streams slowly. */
export function startSatellites(): Promise<Satellites> {
  let firstTokenSentAt = 0;
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
        firstTokenSentAt = performance.now();
        res.end(`${WORDS.map((w) => chunk(`${w} `)).join('')}data: [DONE]\n\n`);
      } else if (slug === 'slow-model') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        let i = 0;
        res.write(chunk(`w${i++} `));
        const timer = setInterval(() => res.write(chunk(`w${i++} `)), 1000);
        res.on('close', () => clearInterval(timer));
      } else {
        res.writeHead(404).end();
      }
    });
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ port, url: `http://127.0.0.1:${port}`, lastFirstTokenSentAt: () => firstTokenSentAt });
    }),
  );
}

/** POST to a loopback port. */
const request = (port: number, path: string, body: string) =>
  postJson(`http://127.0.0.1:${port}${path}`, body);

async function timed(fn: () => Promise<void>, n: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < n; i += 1) {
    const t = performance.now();
    await fn();
    samples.push(performance.now() - t);
  }
  return samples.sort((a, b) => a - b);
}

export interface Latency {
  p50: number;
  p99: number;
}

export interface StreamHold {
  requested: number;
  opened: number;
  openSeconds: number;
  idleMb: number;
  heldMb: number;
  peakMb: number;
  /** (RSS held − RSS idle) / streams: every stream's share of all the growth. */
  kbPerStream: number;
  /** RSS growth from half to all streams, per added stream. */
  marginalKbPerStream: number;
}

export interface AggregatorTargetResult {
  chat: Latency;
  /** Client receipt of the first token minus the model sending it. */
  firstTokenGap: Latency;
  /** Request start to the first token event. */
  firstToken: Latency;
  throughput: Measurement;
  streams: StreamHold;
}

export interface AggregatorResults {
  direct: Latency;
  ours: AggregatorTargetResult;
  floor: AggregatorTargetResult;
  requests: number;
}

export interface AggregatorOptions {
  requests: number;
  streams: number;
  holdSeconds: number;
  durationSeconds: number;
  connections: number;
}

export async function runAggregatorScenarios(
  satellites: Satellites,
  ours: Service,
  floor: Service,
  options: AggregatorOptions,
): Promise<AggregatorResults> {
  const body = (model: string) =>
    JSON.stringify({
      prompt: 'What notice does termination need?',
      model: { url: satellites.url, slug: model, owner_username: 'bob' },
      data_sources: ['docs-a', 'docs-b', 'docs-c'].map((slug) => ({
        url: satellites.url,
        slug,
        owner_username: 'alice',
      })),
      endpoint_tokens: { alice: 'token-a', bob: 'token-b' },
    });
  const chatBody = body('model');
  const dsBody = JSON.stringify({ messages: 'What notice does termination need?', limit: 5 });
  const modelBody = JSON.stringify({ messages: [{ role: 'user', content: 'x' }], stream: false });

  const direct = async () => {
    await Promise.all(
      ['docs-a', 'docs-b', 'docs-c'].map((s) =>
        request(satellites.port, `/api/v1/endpoints/${s}/query`, dsBody),
      ),
    );
    await request(satellites.port, '/api/v1/endpoints/model/query', modelBody);
  };
  const chatOn = (target: Service) => async () => {
    const res = await request(target.port, '/api/v1/chat', chatBody);
    if (res.status !== 200) throw new Error(`${target.name} /chat: ${res.status} ${res.text.slice(0, 200)}`);
  };

  const firstTokens = async (target: Service, n: number) => {
    const gaps: number[] = [];
    const totals: number[] = [];
    const once = () =>
      new Promise<void>((resolve, reject) => {
        const started = performance.now();
        let seen = false;
        const req = http.request(
          {
            host: '127.0.0.1',
            port: target.port,
            path: '/api/v1/chat/stream',
            method: 'POST',
            agent,
            headers: { 'content-type': 'application/json' },
          },
          (res) => {
            res.setEncoding('utf8');
            res.on('data', (text: string) => {
              if (!seen && text.includes('event: token')) {
                seen = true;
                const now = performance.now();
                gaps.push(now - satellites.lastFirstTokenSentAt());
                totals.push(now - started);
              }
            });
            res.on('end', () =>
              seen ? resolve() : reject(new Error(`${target.name} /chat/stream sent no token`)),
            );
          },
        );
        req.on('error', reject);
        req.end(chatBody);
      });
    for (let i = 0; i < n; i += 1) await once();
    gaps.sort((a, b) => a - b);
    totals.sort((a, b) => a - b);
    return {
      gap: { p50: percentile(gaps, 50), p99: percentile(gaps, 99) },
      total: { p50: percentile(totals, 50), p99: percentile(totals, 99) },
    };
  };

  const holdStreams = async (target: Service): Promise<StreamHold> => {
    await sleep(1000);
    const idle = target.rssKb();
    target.resetPeak();
    const slowBody = body('slow-model');
    const open: http.ClientRequest[] = [];
    let opened = 0;
    const openStream = () =>
      new Promise<void>((resolve) => {
        const req = http.request(
          {
            host: '127.0.0.1',
            port: target.port,
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
                opened += 1;
                resolve();
              }
            });
            res.on('error', () => {});
            res.on('end', () => resolve());
          },
        );
        // A refused or reset stream is counted as not opened; the run goes on.
        req.on('error', () => resolve());
        req.end(slowBody);
        open.push(req);
      });
    const openUpTo = async (count: number) => {
      for (let i = open.length; i < count; i += 100) {
        await Promise.all(Array.from({ length: Math.min(100, count - i) }, openStream));
      }
    };
    // Half first, then all: the RSS step between the two is what one more stream costs, free of one-time growth
    // (the young generation, JIT code) that the average over all streams includes.
    const half = Math.floor(options.streams / 2);
    const started = performance.now();
    await openUpTo(half);
    await sleep((options.holdSeconds * 1000) / 2);
    const halfHeld = target.rssKb();
    await openUpTo(options.streams);
    const openSeconds = (performance.now() - started) / 1000;
    await sleep(options.holdSeconds * 1000);
    const held = target.rssKb();
    const peak = target.peakRssKb();
    for (const req of open) req.destroy();
    // Lets the target notice the disconnects and release the upstream streams before the next measurement.
    await sleep(2000);
    return {
      requested: options.streams,
      opened,
      openSeconds,
      idleMb: idle / 1024,
      heldMb: held / 1024,
      peakMb: peak / 1024,
      kbPerStream: (held - idle) / options.streams,
      marginalKbPerStream: (held - halfHeld) / (options.streams - half),
    };
  };

  const measureTarget = async (target: Service): Promise<Omit<AggregatorTargetResult, 'streams'>> => {
    await timed(chatOn(target), 300);
    const chat = await timed(chatOn(target), options.requests);
    await firstTokens(target, 100);
    const first = await firstTokens(target, Math.min(options.requests, 1000));
    const throughput = await measure(target, {
      url: `${target.url}/api/v1/chat`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      bodies: [chatBody],
      connections: options.connections,
      durationSeconds: options.durationSeconds,
    });
    return {
      chat: { p50: percentile(chat, 50), p99: percentile(chat, 99) },
      firstTokenGap: first.gap,
      firstToken: first.total,
      throughput,
    };
  };

  // Streams first, on processes that have only been warmed up: a heap already grown by earlier load would hide
  // part of what each stream costs.
  const warm = async (target: Service) => {
    await timed(chatOn(target), 50);
    await firstTokens(target, 50);
  };
  await warm(ours);
  const ourStreams = await holdStreams(ours);
  await warm(floor);
  const floorStreams = await holdStreams(floor);

  await timed(direct, 300);
  const directSamples = await timed(direct, options.requests);
  const ourFigures = await measureTarget(ours);
  const floorFigures = await measureTarget(floor);
  return {
    direct: { p50: percentile(directSamples, 50), p99: percentile(directSamples, 99) },
    ours: { ...ourFigures, streams: ourStreams },
    floor: { ...floorFigures, streams: floorStreams },
    requests: options.requests,
  };
}
