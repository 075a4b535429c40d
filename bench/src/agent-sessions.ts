/**
 * Agent sessions (issue 15): the built aggregator as its own process, a nats-server from the project's config
 * (mode A), and in this process the hub's key route, a tunnel node answering agent sessions (agent-sessions.md §9,
 * events sealed as the Go node does) and WebSocket clients. Measures
 *   1. session start latency: `session.start` sent → `session.created`, and → the node's first event;
 *   2. event latency node → client (paced events, p50) and throughput (a burst of tokens, events/s);
 *   3. N concurrent sessions held open: aggregator memory per session, and every node session cancelled on close.
 * Writes results/<date>-agent-sessions.md with the load average beside every figure. Run under
 * `flock /tmp/syfthub-stack.lock` on a shared machine.
 */
import { headers as natsHeaders } from '@nats-io/nats-core';
import {
  buildAgentEvent,
  decodePublicKey,
  generateKeyPair,
  importPublicKey,
  peerSubject,
} from '@syfthub/tunnel';
import WebSocket from 'ws';
import { sleep } from './lib/proc';
import {
  benchArgs,
  buildPackages,
  describeLoad,
  logDirectory,
  ms,
  startAggregator,
  startKeyHub,
  startNats,
  startTunnelNode,
  summary,
  writeReport,
} from './lib/tunnel-stack';
import { machine, startLoadSampler } from './machine';

const OWNER = 'agent-owner';

const args = benchArgs({
  starts: { type: 'string', default: '200' },
  burst: { type: 'string', default: '5000' },
  paced: { type: 'string', default: '300' },
  concurrent: { type: 'string', default: '200' },
});

const log = (message: string) => process.stdout.write(`[bench:agent-sessions] ${message}\n`);

/** What a node session does, chosen by the prompt. */
type Script = 'start' | `burst:${number}` | `paced:${number}` | 'hold';

interface Frame {
  type: string;
  payload?: Record<string, unknown>;
}

/** One client socket: resolves frames in order. */
function openClient(url: string) {
  const ws = new WebSocket(url);
  const frames: Array<{ frame: Frame; at: number }> = [];
  const waiters: Array<() => void> = [];
  ws.on('message', (data) => {
    frames.push({ frame: JSON.parse(data.toString()) as Frame, at: performance.now() });
    for (const wake of waiters.splice(0)) wake();
  });
  const closed = new Promise<void>((resolve) => ws.on('close', () => resolve()));
  return {
    ws,
    frames,
    closed,
    opened: new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    }),
    async until(type: string): Promise<{ frame: Frame; at: number }> {
      for (let seen = 0; ; ) {
        for (; seen < frames.length; seen += 1) if (frames[seen]?.frame.type === type) return frames[seen]!;
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    },
    start(script: Script) {
      ws.send(
        JSON.stringify({
          type: 'session.start',
          payload: { prompt: script, endpoint: { owner: OWNER, slug: 'agent' }, satellite_token: 'token' },
        }),
      );
    },
  };
}

async function main() {
  if (!args['no-build']) await buildPackages(['@syfthub/aggregator'], log);
  const logDir = logDirectory('agent');
  const nats = await startNats();
  const keys = generateKeyPair();
  const hubUrl = await startKeyHub(OWNER, keys);

  // The node: one response pair per session; events sealed to the start's ephemeral key (§9.4).
  const running = new Map<string, () => void>();
  let cancels = 0;
  const node = await startTunnelNode(nats, OWNER, keys, ({ envelope, payload }, connection) => {
    const plain = payload as { session_id: string; prompt?: string };
    if (envelope.type === 'agent_session_cancel') {
      cancels += 1;
      running.get(plain.session_id)?.();
      return;
    }
    if (envelope.type !== 'agent_session_start') return;
    const sessionId = plain.session_id;
    const subject = peerSubject(envelope.reply_to);
    const startKey = importPublicKey(decodePublicKey(envelope.encryption_info?.ephemeral_public_key ?? ''));
    const responsePair = generateKeyPair();
    let sequence = 0;
    const emit = (eventType: string, data: unknown) => {
      sequence += 1;
      const event = buildAgentEvent({
        sessionId,
        slug: 'agent',
        sequence,
        eventType,
        data,
        startEphemeralPublic: startKey,
        responsePair,
      });
      const h = natsHeaders();
      for (const [k, v] of Object.entries(event.headers)) h.set(k, v);
      connection.publish(subject, event.data, { headers: h });
    };
    const script = (plain.prompt ?? 'start') as Script;
    void (async () => {
      emit('agent.status', { status: 'started', detail: 'bench' });
      if (script.startsWith('burst:')) {
        const n = Number(script.slice(6));
        for (let i = 0; i < n; i += 1) emit('agent.token', { token: 'x ' });
      } else if (script.startsWith('paced:')) {
        const n = Number(script.slice(6));
        for (let i = 0; i < n; i += 1) {
          emit('agent.token', { token: 'x ', t: performance.now() });
          await sleep(5);
        }
      } else if (script === 'hold') {
        await new Promise<void>((resolve) => running.set(sessionId, resolve));
        running.delete(sessionId);
        emit('session.failed', { error: 'session cancelled', reason: 'handler_error' });
        return;
      }
      emit('session.completed', { session_id: sessionId });
    })();
  });

  const concurrent = Number(args.concurrent);
  const aggregator = await startAggregator({
    logDir,
    hubUrl,
    nats,
    env: {
      AGGREGATOR_AGENT_SESSIONS_PER_IP: String(concurrent + 10),
      AGGREGATOR_AGENT_MAX_SESSIONS: String(concurrent + 10),
    },
  });
  const url = `ws://127.0.0.1:${aggregator.port}/api/v1/agent/session`;

  const oneSession = async (script: Script) => {
    const client = openClient(url);
    await client.opened;
    const sent = performance.now();
    client.start(script);
    const created = await client.until('session.created');
    const first = await client.until('agent.status');
    const end = await client.until('session.completed');
    await client.closed;
    return { client, created: created.at - sent, first: first.at - sent, end };
  };

  // 1. Start latency.
  const starts = Number(args.starts);
  log(`start latency: ${starts} sessions one after another`);
  for (let i = 0; i < 20; i += 1) await oneSession('start');
  const startLoad = startLoadSampler();
  const createdMs: number[] = [];
  const firstMs: number[] = [];
  for (let i = 0; i < starts; i += 1) {
    const r = await oneSession('start');
    createdMs.push(r.created);
    firstMs.push(r.first);
  }
  const startLoadAvg = startLoad.stop();
  const created = summary(createdMs.sort((a, b) => a - b));
  const first = summary(firstMs.sort((a, b) => a - b));

  // 2. Event latency (paced) and throughput (burst).
  const paced = Number(args.paced);
  log(`event latency: ${paced} tokens 5 ms apart`);
  const pacedLoad = startLoadSampler();
  const pacedRun = await oneSession(`paced:${paced}`);
  const pacedLoadAvg = pacedLoad.stop();
  const eventMs = pacedRun.client.frames
    .filter((f) => f.frame.type === 'agent.token')
    .map((f) => f.at - Number(f.frame.payload?.t))
    .sort((a, b) => a - b);
  const eventLatency = summary(eventMs);

  const burst = Number(args.burst);
  log(`throughput: a burst of ${burst} tokens`);
  const burstLoad = startLoadSampler();
  const burstRun = await oneSession(`burst:${burst}`);
  const burstLoadAvg = burstLoad.stop();
  const tokens = burstRun.client.frames.filter((f) => f.frame.type === 'agent.token');
  const burstSeconds = ((tokens.at(-1)?.at ?? 0) - (tokens[0]?.at ?? 0)) / 1000;
  const eventsPerSecond = tokens.length / burstSeconds;

  // 3. Concurrent sessions held open.
  log(`${concurrent} concurrent sessions held open`);
  await sleep(500);
  const rssBefore = aggregator.rssKb();
  const holdLoad = startLoadSampler();
  const clients = await Promise.all(
    Array.from({ length: concurrent }, async () => {
      const client = openClient(url);
      await client.opened;
      client.start('hold');
      await client.until('agent.status');
      return client;
    }),
  );
  await sleep(1000);
  const rssHeld = aggregator.rssKb();
  const heldOnNode = running.size;
  const cancelsBefore = cancels;
  for (const client of clients) client.ws.close();
  await Promise.all(clients.map((c) => c.closed));
  for (let i = 0; i < 100 && running.size > 0; i += 1) await sleep(50);
  const holdLoadAvg = holdLoad.stop();
  const metrics = await (await fetch(`${aggregator.url}/metrics`)).text();
  const active = /aggregator_agent_sessions_active(?:\{[^}]*\})? (\d+)/.exec(metrics)?.[1] ?? '?';

  await aggregator.stop();
  await node.close();
  await nats.stop();

  const m = machine();
  const date = new Date().toISOString().slice(0, 10);
  const perSessionKb = (rssHeld - rssBefore) / concurrent;
  const report = `# Agent sessions benchmark — ${date}

Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB.toFixed(1)} GiB, Node ${m.node}, Linux ${m.kernel}.
Built aggregator as its own process (NODE_ENV=production, rate limit off), nats-server from nats/nats.conf (mode A)
on free ports; the hub's key route, a tunnel node (WebSocket, events sealed per agent-sessions.md §9.4) and the
WebSocket clients run in the bench process, so client and node share one clock.

## 1. Session start (${starts} sessions one after another)

${describeLoad(startLoadAvg)}.

| from \`session.start\` sent to | p50 ms | p95 ms | p99 ms |
|---|--:|--:|--:|
| \`session.created\` (start published, "no responders" checked) | ${ms(created.p50)} | ${ms(created.p95)} | ${ms(created.p99)} |
| the node's first event | ${ms(first.p50)} | ${ms(first.p95)} | ${ms(first.p99)} |

## 2. Events

- node → client latency, ${paced} tokens 5 ms apart (${describeLoad(pacedLoadAvg)}): p50 **${ms(eventLatency.p50)} ms**, p95 ${ms(eventLatency.p95)} ms, p99 ${ms(eventLatency.p99)} ms
- throughput, a burst of ${burst} tokens (${describeLoad(burstLoadAvg)}): ${tokens.length} received in ${burstSeconds.toFixed(2)} s, **${Math.round(eventsPerSecond)} events/s** through one session

## 3. ${concurrent} concurrent sessions held open

${describeLoad(holdLoadAvg)}.

- sessions running on the node while held: ${heldOnNode} / ${concurrent}
- aggregator RSS ${(rssBefore / 1024).toFixed(1)} MiB before, ${(rssHeld / 1024).toFixed(1)} MiB with the sessions open: **~${perSessionKb.toFixed(0)} KiB per session** (RSS, so noisy)
- after the clients closed: cancels the node received ${cancels - cancelsBefore}, node sessions left ${running.size}, \`aggregator_agent_sessions_active\` ${active}
`;
  const file = writeReport('agent-sessions', date, report);
  process.stdout.write(report);
  log(`written ${file}`);
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
