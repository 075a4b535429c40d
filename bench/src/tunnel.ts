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
import { buildResponse, generateKeyPair, peerSubject } from '@syfthub/tunnel';
import {
  benchArgs,
  buildPackages,
  DOCUMENTS_BODY,
  describeLoad,
  logDirectory,
  ms,
  postJson,
  startAggregator,
  startInstantSatellite,
  startKeyHub,
  startNats,
  startTunnelNode,
  summary,
  writeReport,
} from './lib/tunnel-stack';
import { machine, startLoadSampler } from './machine';

const OWNER = 'tunnel-owner';

const args = benchArgs({
  requests: { type: 'string', default: '1000' },
  concurrent: { type: 'string', default: '500' },
});

const DOCS = DOCUMENTS_BODY;
const ANSWER = {
  summary: { message: { role: 'assistant', content: 'Termination needs notice. [cite:1]' } },
  references: null,
};
const DOCS_TEXT = JSON.stringify(DOCS);
const ANSWER_TEXT = JSON.stringify(ANSWER);

const log = (message: string) => process.stdout.write(`[bench:tunnel] ${message}\n`);

async function main() {
  if (!args['no-build']) await buildPackages(['@syfthub/aggregator'], log);
  const logDir = logDirectory('tunnel');
  const nats = await startNats();
  const keys = generateKeyPair();
  // The instant HTTP satellite: the same bodies the tunnel node seals.
  const satelliteUrl = await startInstantSatellite((slug) => (slug === 'model' ? ANSWER_TEXT : DOCS_TEXT));
  const hubUrl = await startKeyHub(OWNER, keys);

  // The node: decrypts, answers with the same body as the HTTP satellite, seals the reply (§5, §6).
  let handled = 0;
  const node = await startTunnelNode(nats, OWNER, keys, ({ envelope }, connection) => {
    const payload = envelope.endpoint.type === 'model' ? ANSWER : DOCS;
    handled += 1;
    connection.publish(
      peerSubject(envelope.reply_to),
      buildResponse(envelope, { status: 'success', payload }),
    );
  });

  const aggregator = await startAggregator({
    logDir,
    hubUrl,
    nats,
    env: { AGGREGATOR_SSRF_ALLOWED_HOSTS: new URL(satelliteUrl).host },
  });
  const chatUrl = `${aggregator.url}/api/v1/chat`;

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
    const res = await postJson(chatUrl, body);
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
        const res = await postJson(chatUrl, fullBody);
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
  const report = `# Tunnelling benchmark — ${date}

Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB.toFixed(1)} GiB, Node ${m.node}, Linux ${m.kernel}.
Built aggregator as its own process (NODE_ENV=production, rate limit off), nats-server from nats/nats.conf
(mode A, WebSocket + token) on free ports; the HTTP satellite, the hub's key route and the tunnel node (WebSocket,
@syfthub/tunnel) run in the bench process and return identical bodies.

## 1. Added latency of a tunnelled call (${requests} retrieval-only chats each way, one data source, interleaved)

${describeLoad(latencyLoadAvg)}.

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

${describeLoad(concurrentLoadAvg)}.

- succeeded: **${succeeded} / ${concurrent}** (${concurrent - succeeded} lost) — target: no loss: ${succeeded === concurrent ? 'met' : 'missed'}
- requests the node answered: ${calls} (expected ${concurrent * 2})
- wall time ${ms(wallMs)} ms; per-chat latency p50 ${ms(concurrentLatency.p50)} ms, p95 ${ms(concurrentLatency.p95)} ms, p99 ${ms(concurrentLatency.p99)} ms
${failures.length > 0 ? `- first failures: ${failures.map((f) => `\`${f.detail}\``).join('; ')}\n` : ''}`;
  const file = writeReport('tunnel', date, report);
  process.stdout.write(report);
  log(`written ${file}`);
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
