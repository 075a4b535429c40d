import { describe, expect, it } from 'vitest';
import { buildDoneJson, MAX_DONE_BYTES, SseWriter, splitText } from '../src/sse';

describe('splitText', () => {
  it('splits into pieces of at most 8000 units without breaking surrogate pairs', () => {
    const text = `${'a'.repeat(7999)}😀${'b'.repeat(9000)}`;
    const pieces = splitText(text);
    expect(pieces.join('')).toBe(text);
    expect(pieces.every((p) => p.length <= 8000)).toBe(true);
    expect(pieces[0]).toBe('a'.repeat(7999));
    expect(pieces[1]!.startsWith('😀')).toBe(true);
  });
});

describe('buildDoneJson', () => {
  const base = {
    retrievalInfo: [{ path: 'a/x', documents_retrieved: 1, status: 'success' as const, error_message: null }],
    metadata: { retrieval_time_ms: 1, generation_time_ms: 2, total_time_ms: 3 },
    usage: null,
    profitShare: null,
    billing: null,
  };

  it('omits absent parts and cuts contents at the configured length with an ellipsis', () => {
    const json = buildDoneJson(
      { ...base, sources: { T: { slug: 'a/x', content: 'abcdef' } }, response: null },
      4,
    );
    expect(JSON.parse(json)).toEqual({
      sources: { T: { slug: 'a/x', content: 'abcd…' } },
      retrieval_info: base.retrievalInfo,
      metadata: base.metadata,
    });
  });

  it('shortens contents evenly when the line would exceed 60,000 bytes', () => {
    const sources: Record<string, { slug: string; content: string }> = {};
    for (let i = 0; i < 20; i += 1) sources[`T${i}`] = { slug: 'a/x', content: 'é'.repeat(4000) };
    const json = buildDoneJson({ ...base, sources, response: 'short' }, 4000);
    expect(Buffer.byteLength(json)).toBeLessThanOrEqual(MAX_DONE_BYTES);
    const parsed = JSON.parse(json) as { sources: Record<string, { content: string }>; response: string };
    const lengths = new Set(Object.values(parsed.sources).map((s) => s.content.length));
    expect(lengths.size).toBe(1);
    expect(parsed.response).toBe('short');
  });

  it('drops the response when even empty contents do not make it fit', () => {
    const json = buildDoneJson(
      { ...base, sources: { T: { slug: 'a/x', content: 'x'.repeat(100) } }, response: 'r'.repeat(70_000) },
      4000,
    );
    const parsed = JSON.parse(json) as Record<string, unknown>;
    expect(parsed.response).toBeUndefined();
    expect(parsed.sources).toEqual({ T: { slug: 'a/x', content: 'x'.repeat(100) } });
  });
});

describe('event checks against the contract (development and tests)', () => {
  async function streamed(checkEvents: boolean, send: (writer: SseWriter) => void): Promise<string> {
    const { writer, stream } = SseWriter.toWebStream(() => {});
    writer.checkEvents = checkEvents;
    send(writer);
    writer.close();
    return new Response(stream).text();
  }

  it('sends events whose data matches the contract', async () => {
    const text = await streamed(true, (w) =>
      w.send('source_complete', { path: 'a/x', status: 'success', documents: 2 }),
    );
    expect(text).toBe('event: source_complete\ndata: {"path":"a/x","status":"success","documents":2}\n\n');
  });

  it('ends the stream with the reason instead of a broken event', async () => {
    const text = await streamed(true, (w) => {
      w.send('source_complete', { path: 'a/x', status: 'bogus', documents: 2 });
      w.send('retrieval_complete', { total_documents: 0, time_ms: 1 });
    });
    expect(text.startsWith('event: error\n')).toBe(true);
    expect(text).toContain('The source_complete event does not match its contract');
    expect(text).not.toContain('retrieval_complete');
  });

  it('leaves events alone where checks are off (production)', async () => {
    const text = await streamed(false, (w) =>
      w.send('source_complete', { path: 'a/x', status: 'bogus', documents: 2 }),
    );
    expect(text).toContain('event: source_complete');
  });
});
