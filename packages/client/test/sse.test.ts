import { describe, expect, it } from 'vitest';
import { parseSse, type SseFrame, SseParser, toChatEvent } from '../src/sse';

const encoder = new TextEncoder();

function streamOf(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
}

async function collect(chunks: Uint8Array[]): Promise<SseFrame[]> {
  const frames: SseFrame[] = [];
  for await (const frame of parseSse(streamOf(chunks))) frames.push(frame);
  return frames;
}

// A stream as the aggregator sends it (aggregator.md §4.3), with non-ASCII text to exercise UTF-8 splits.
const recorded = [
  'event: retrieval_start\ndata: {"sources":2}\n\n',
  'event: source_complete\ndata: {"path":"alice/docs","status":"success","documents":3}\n\n',
  'event: source_complete\ndata: {"path":"bob/wiki","status":"timeout","documents":0}\n\n',
  'event: retrieval_complete\ndata: {"total_documents":3,"time_ms":412}\n\n',
  'event: generation_start\ndata: {"model":"alice/assistant"}\n\n',
  'event: generation_heartbeat\ndata: {"elapsed_ms":3000}\n\n',
  'event: token\ndata: {"content":"Größe 😀 "}\n\n',
  'event: token\ndata: {"content":"naïve [cite:1]"}\n\n',
  'event: done\ndata: {"sources":{},"retrieval_info":[],"metadata":{"retrieval_time_ms":1,"generation_time_ms":2,"total_time_ms":3},"response":"Größe 😀 naïve [cite:1-0:14]"}\n\n',
].join('');

describe('parseSse', () => {
  it('parses a recorded stream in one chunk', async () => {
    const frames = await collect([encoder.encode(recorded)]);
    expect(frames.map((f) => f.event)).toEqual([
      'retrieval_start',
      'source_complete',
      'source_complete',
      'retrieval_complete',
      'generation_start',
      'generation_heartbeat',
      'token',
      'token',
      'done',
    ]);
    expect(JSON.parse(frames[6]?.data ?? '')).toEqual({ content: 'Größe 😀 ' });
  });

  it('gives the same frames whichever byte boundary splits the stream', async () => {
    const bytes = encoder.encode(recorded);
    const expected = await collect([bytes]);
    for (let cut = 1; cut < bytes.length; cut++) {
      const frames = await collect([bytes.slice(0, cut), bytes.slice(cut)]);
      expect(frames, `split at byte ${cut}`).toEqual(expected);
    }
  });

  it('survives one byte per chunk', async () => {
    const bytes = encoder.encode(recorded);
    const chunks = Array.from(bytes, (byte) => Uint8Array.of(byte));
    expect(await collect(chunks)).toEqual(await collect([bytes]));
  });

  it('accepts CRLF line endings at every split', async () => {
    const crlf = recorded.replace(/\n/g, '\r\n');
    const bytes = encoder.encode(crlf);
    const expected = await collect([encoder.encode(recorded)]);
    for (let cut = 1; cut < bytes.length; cut += 7) {
      expect(await collect([bytes.slice(0, cut), bytes.slice(cut)])).toEqual(expected);
    }
  });

  it('joins multi-line data, ignores comments and skips frames without an event', async () => {
    const text =
      ': keep-alive\n\ndata: {"orphan":true}\n\nevent: token\ndata: {"content":\ndata: "x"}\n\nevent: lonely\n\n';
    expect(await collect([encoder.encode(text)])).toEqual([{ event: 'token', data: '{"content":\n"x"}' }]);
  });

  it('dispatches a last frame that lost its blank line', async () => {
    const frames = await collect([encoder.encode('event: token\ndata: {"content":"a"}')]);
    expect(frames).toEqual([{ event: 'token', data: '{"content":"a"}' }]);
  });

  it('handles a value with no space after the colon and a field without value', () => {
    const parser = new SseParser();
    expect(parser.push('event:token\ndata:{"content":"b"}\nid\n\n')).toEqual([
      { event: 'token', data: '{"content":"b"}' },
    ]);
  });
});

describe('toChatEvent', () => {
  it('maps every event of the catalogue', () => {
    expect(toChatEvent({ event: 'retrieval_start', data: '{"sources":2}' })).toEqual({
      type: 'retrieval_start',
      sources: 2,
    });
    expect(
      toChatEvent({
        event: 'source_complete',
        data: '{"path":"a/b","status":"access_denied","documents":0}',
      }),
    ).toEqual({ type: 'source_complete', path: 'a/b', status: 'access_denied', documents: 0 });
    expect(toChatEvent({ event: 'reranking_complete', data: '{"documents":5,"time_ms":20}' })).toEqual({
      type: 'reranking_complete',
      documents: 5,
      time_ms: 20,
    });
    expect(toChatEvent({ event: 'error', data: '{"message":"boom"}' })).toEqual({
      type: 'error',
      message: 'boom',
    });
  });

  it('turns invalid JSON into an error event and ignores unknown events', () => {
    expect(toChatEvent({ event: 'token', data: '{"content":' })?.type).toBe('error');
    expect(toChatEvent({ event: 'future_event', data: '{}' })).toBeNull();
  });

  it('fills the lists of a sparse done payload', () => {
    const event = toChatEvent({ event: 'done', data: '{"metadata":{}}' });
    expect(event).toMatchObject({ type: 'done', payload: { sources: {}, retrieval_info: [] } });
  });
});
