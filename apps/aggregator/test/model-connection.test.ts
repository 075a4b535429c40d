import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postStream, type RunningAggregator, ref, startAggregator } from './helpers/aggregator';
import { startSatellite, streamChunks, type TestSatellite } from './helpers/satellite';

let sat: TestSatellite;
let agg: RunningAggregator;
/** The client port of every model request, per slug: one port is one connection. */
const ports = new Map<string, number[]>();
let openAfterDone: Array<() => void> = [];

beforeAll(async () => {
  sat = await startSatellite((req, res) => {
    const slug = req.path.split('/')[4] ?? '';
    const seen = ports.get(slug) ?? [];
    seen.push(res.socket?.remotePort ?? -1);
    ports.set(slug, seen);
    if (slug === 'model') return streamChunks(res, ['Hello ', 'there.']);
    // `[DONE]`, then the response stays open.
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: 'Hi.' } }] })}\n\n`);
    res.write('data: [DONE]\n\n');
    let closed = false;
    res.on('close', () => {
      closed = true;
    });
    openAfterDone.push(() => {
      if (!closed) res.end();
    });
  });
  agg = await startAggregator();
});

afterAll(async () => {
  for (const end of openAfterDone) end();
  openAfterDone = [];
  await agg.stop();
  await sat.close();
});

const chat = (slug: string) => ({ prompt: 'Hi?', model: ref(sat.url, slug, 'bob'), data_sources: [] });

describe('the model connection after a streamed answer', () => {
  it('goes back to the keep-alive pool when the answer ended with [DONE] and the response with it', async () => {
    for (let i = 0; i < 3; i++) {
      const { events } = await postStream(agg.url, chat('model'));
      expect(events.filter((e) => e.event === 'token').map((e) => e.data.content)).toEqual([
        'Hello ',
        'there.',
      ]);
      expect(events.at(-1)?.event).toBe('done');
    }
    const used = ports.get('model') ?? [];
    expect(used).toHaveLength(3);
    expect(new Set(used).size).toBe(1);
  });

  it('is closed, not waited for, when the model keeps its response open after [DONE]', async () => {
    const started = Date.now();
    const { events } = await postStream(agg.url, chat('open-model'));
    expect(events.filter((e) => e.event === 'token').map((e) => e.data.content)).toEqual(['Hi.']);
    expect(events.at(-1)?.event).toBe('done');
    expect(Date.now() - started).toBeLessThan(2000);
    const second = await postStream(agg.url, chat('open-model'));
    expect(second.events.at(-1)?.event).toBe('done');
    const used = ports.get('open-model') ?? [];
    expect(used).toHaveLength(2);
    expect(new Set(used).size).toBe(2);
  });
});
