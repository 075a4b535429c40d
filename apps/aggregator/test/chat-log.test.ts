import { createLogger, type Logger } from '@syfthub/service';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postChat, postStream, type RunningAggregator, ref, startAggregator } from './helpers/aggregator';
import {
  documentsBody,
  json,
  modelBody,
  startSatellite,
  streamChunks,
  type TestSatellite,
} from './helpers/satellite';

type Line = Record<string, unknown>;

let sat: TestSatellite;

beforeAll(async () => {
  sat = await startSatellite((req, res) => {
    const slug = req.path.split('/')[4];
    if (slug === 'docs-a' || slug === 'docs-b') {
      return json(
        res,
        200,
        documentsBody([
          { content: `Clause 7 of ${slug} covers termination.`, title: `Terms ${slug}`, score: 0.9 },
          { content: `Clause 8 of ${slug} covers payment.`, title: `Payment ${slug}`, score: 0.8 },
        ]),
      );
    }
    if (slug === 'model') {
      const body = req.body as { stream: boolean };
      if (body.stream) return streamChunks(res, ['Clause 7 ', 'covers it. ', '[cite:1]']);
      return json(res, 200, modelBody('Clause 7 covers it. [cite:1]'));
    }
    return json(res, 404, { detail: 'nope' });
  });
});

afterAll(async () => {
  await sat.close();
});

const chatBody = () => ({
  prompt: 'Which clause covers termination?',
  model: ref(sat.url, 'model', 'bob'),
  data_sources: [ref(sat.url, 'docs-a', 'alice'), ref(sat.url, 'docs-b', 'carol')],
});

/** Runs one JSON chat and one streamed chat on an aggregator logging through `logger`; returns its chat events. */
async function chatEvents(logger: Logger, lines: Line[]) {
  const agg: RunningAggregator = await startAggregator({}, { logger });
  try {
    const json = await postChat(agg.url, chatBody());
    expect(json.res.status).toBe(200);
    const stream = await postStream(agg.url, chatBody());
    expect(stream.res.status).toBe(200);
    expect(stream.events.at(-1)?.event).toBe('done');
  } finally {
    await agg.stop();
  }
  return lines.filter((line) => typeof line.event === 'string' && line.event.startsWith('chat.'));
}

/** The chat events of {@link chatEvents}: two sources, rerank, completion; for the JSON chat, then the stream. */
const EVENTS_OF_TWO_CHATS = [
  'chat.source.completed',
  'chat.source.completed',
  'chat.reranked',
  'chat.completed',
  'chat.source.completed',
  'chat.source.completed',
  'chat.reranked',
  'chat.completed',
];

function capture(): { lines: Line[]; destination: { write(line: string): void } } {
  const lines: Line[] = [];
  return { lines, destination: { write: (line: string) => lines.push(JSON.parse(line) as Line) } };
}

describe('chat events (aggregator.md §12)', () => {
  it('writes source, rerank and completion events with their fields, in the service log format', async () => {
    const { lines, destination } = capture();
    const logger = createLogger({ service: 'aggregator', version: 't', environment: 'test', destination });
    const events = await chatEvents(logger, lines);
    expect(events.map((e) => e.event)).toEqual(EVENTS_OF_TWO_CHATS);
    const [source, , reranked, completed] = events as [Line, Line, Line, Line];
    expect(Object.keys(source)).toEqual([
      'level',
      'timestamp',
      'service',
      'version',
      'environment',
      'correlation_id',
      'event',
      'path',
      'status',
      'documents',
      'latency_ms',
      'attempts',
      'message',
    ]);
    expect(source).toMatchObject({
      level: 'info',
      service: 'aggregator',
      status: 'success',
      documents: 2,
      attempts: 1,
      message: 'data source answered',
    });
    expect(['alice/docs-a', 'carol/docs-b']).toContain(source.path);
    expect(typeof source.latency_ms).toBe('number');
    expect(typeof source.correlation_id).toBe('string');
    expect(reranked).toMatchObject({
      event: 'chat.reranked',
      reranker: 'bm25',
      in: 4,
      out: 4,
      message: 'documents reranked',
    });
    expect(typeof reranked.time_ms).toBe('number');
    expect(completed).toMatchObject({
      event: 'chat.completed',
      mode: 'json',
      sources: 2,
      auto_sources: null,
      documents: 4,
      tokens_streamed: 0,
      prompt_chars: 'Which clause covers termination?'.length,
      message: 'chat completed',
    });
    expect(typeof completed.generation_time_ms).toBe('number');
    expect(typeof completed.total_time_ms).toBe('number');
    expect(events[7]).toMatchObject({ event: 'chat.completed', mode: 'stream', tokens_streamed: 3 });
    // Every line of one request carries its correlation id.
    expect(new Set(events.slice(0, 4).map((e) => e.correlation_id)).size).toBe(1);
  });

  it('writes the same events through any other pino logger', async () => {
    const { lines, destination } = capture();
    const logger = pino({ messageKey: 'message' }, destination);
    const events = await chatEvents(logger, lines);
    expect(events.map((e) => e.event)).toEqual(EVENTS_OF_TWO_CHATS);
    expect(events[0]).toMatchObject({ status: 'success', documents: 2, attempts: 1 });
    expect(events[3]).toMatchObject({ mode: 'json', sources: 2, documents: 4, tokens_streamed: 0 });
  });

  it('writes nothing below its level', async () => {
    const { lines, destination } = capture();
    const logger = createLogger({
      service: 'aggregator',
      version: 't',
      environment: 'test',
      level: 'warn',
      destination,
    });
    expect(await chatEvents(logger, lines)).toEqual([]);
  });
});
