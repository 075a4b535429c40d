import type {
  Billing,
  ChatStreamEvent,
  DonePayload,
  SourceSelection,
  SourceStatus,
} from '@syfthub/contracts';

export interface SseFrame {
  event: string;
  data: string;
}

/**
 * Incremental parser for `text/event-stream` (web.md §6.3): lines split on `\n` with an optional `\r` before it,
 * `event:` and `data:` remembered until a blank line dispatches the frame; multiple `data:` lines are joined with
 * `\n`; comment lines (`:`) are ignored; frames without an `event:` or without data are skipped.
 */
export class SseParser {
  private buffer = '';
  private event: string | null = null;
  private data: string[] = [];

  /** Feeds decoded text and returns the frames it completed. */
  push(text: string): SseFrame[] {
    this.buffer += text;
    const frames: SseFrame[] = [];
    let newline = this.buffer.indexOf('\n');
    while (newline !== -1) {
      let line = this.buffer.slice(0, newline);
      this.buffer = this.buffer.slice(newline + 1);
      if (line.endsWith('\r')) line = line.slice(0, -1);
      const frame = this.line(line);
      if (frame) frames.push(frame);
      newline = this.buffer.indexOf('\n');
    }
    return frames;
  }

  /** Ends the stream: a last line without a newline still counts, and a frame missing its blank line is sent. */
  end(): SseFrame[] {
    const frames: SseFrame[] = [];
    if (this.buffer !== '') {
      const line = this.buffer.endsWith('\r') ? this.buffer.slice(0, -1) : this.buffer;
      this.buffer = '';
      const frame = this.line(line);
      if (frame) frames.push(frame);
    }
    const last = this.dispatch();
    if (last) frames.push(last);
    return frames;
  }

  private line(line: string): SseFrame | null {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return null;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.event = value;
    else if (field === 'data') this.data.push(value);
    return null;
  }

  private dispatch(): SseFrame | null {
    const frame =
      this.event !== null && this.data.length > 0 ? { event: this.event, data: this.data.join('\n') } : null;
    this.event = null;
    this.data = [];
    return frame;
  }
}

/** Parses a byte stream into SSE frames; chunk boundaries may fall anywhere, even inside a UTF-8 sequence. */
export async function* parseSse(stream: ReadableStream<Uint8Array>): AsyncGenerator<SseFrame> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  const parser = new SseParser();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      yield* parser.push(decoder.decode(value, { stream: true }));
    }
    yield* parser.push(decoder.decode());
    yield* parser.end();
  } finally {
    reader.releaseLock();
  }
}

const SOURCE_STATUSES = new Set<SourceStatus>([
  'success',
  'error',
  'timeout',
  'payment_failed',
  'access_denied',
]);

function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

const SELECTION_STATUSES: ReadonlySet<string> = new Set([
  'selected',
  'none_relevant',
  'no_search_terms',
  'search_unavailable',
]);

/** `source_selection` of `retrieval_start` (docs/auto-sources.md §3), when it has the expected shape. */
function sourceSelectionOf(value: unknown): SourceSelection | null {
  if (typeof value !== 'object' || value === null) return null;
  const raw = value as Record<string, unknown>;
  if (typeof raw.status !== 'string' || !SELECTION_STATUSES.has(raw.status)) return null;
  const sources = Array.isArray(raw.sources)
    ? raw.sources.flatMap((item: unknown) => {
        if (typeof item !== 'object' || item === null) return [];
        const source = item as Record<string, unknown>;
        if (typeof source.path !== 'string') return [];
        return [
          {
            path: source.path,
            name: typeof source.name === 'string' ? source.name : source.path,
            relevance_score: num(source.relevance_score),
          },
        ];
      })
    : [];
  return {
    status: raw.status as SourceSelection['status'],
    sources,
    message: typeof raw.message === 'string' ? raw.message : null,
    time_ms: num(raw.time_ms),
  };
}

function malformed(frame: SseFrame): ChatStreamEvent {
  return { type: 'error', message: `The aggregator sent a malformed '${frame.event}' event.` };
}

/**
 * Turns one SSE frame of the aggregator's chat stream (aggregator.md §4.2) into a typed event. Unknown event names
 * give null (forward compatibility); data that is not a JSON object becomes an `error` event.
 */
export function toChatEvent(frame: SseFrame): ChatStreamEvent | null {
  let data: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(frame.data);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return malformed(frame);
    data = parsed as Record<string, unknown>;
  } catch {
    return malformed(frame);
  }
  switch (frame.event) {
    case 'retrieval_start': {
      const selection = sourceSelectionOf(data.source_selection);
      return selection
        ? { type: 'retrieval_start', sources: num(data.sources), source_selection: selection }
        : { type: 'retrieval_start', sources: num(data.sources) };
    }
    case 'source_complete': {
      const status = SOURCE_STATUSES.has(data.status as SourceStatus)
        ? (data.status as SourceStatus)
        : 'error';
      return {
        type: 'source_complete',
        path: String(data.path ?? ''),
        status,
        documents: num(data.documents),
        ...(typeof data.relevance_score === 'number' ? { relevance_score: data.relevance_score } : {}),
      };
    }
    case 'reranking_start':
      return { type: 'reranking_start', documents: num(data.documents) };
    case 'reranking_complete':
      return { type: 'reranking_complete', documents: num(data.documents), time_ms: num(data.time_ms) };
    case 'retrieval_complete':
      return {
        type: 'retrieval_complete',
        total_documents: num(data.total_documents),
        time_ms: num(data.time_ms),
      };
    case 'generation_start':
      return typeof data.model === 'string'
        ? { type: 'generation_start', model: data.model }
        : { type: 'generation_start' };
    case 'generation_heartbeat':
      return { type: 'generation_heartbeat', elapsed_ms: num(data.elapsed_ms) };
    case 'token':
      return { type: 'token', content: typeof data.content === 'string' ? data.content : '' };
    case 'done': {
      const payload = data as unknown as DonePayload;
      return {
        type: 'done',
        payload: {
          ...payload,
          sources: payload.sources && typeof payload.sources === 'object' ? payload.sources : {},
          retrieval_info: Array.isArray(payload.retrieval_info) ? payload.retrieval_info : [],
        },
      };
    }
    case 'error': {
      const message = typeof data.message === 'string' && data.message ? data.message : 'The chat failed.';
      return data.billing && typeof data.billing === 'object'
        ? { type: 'error', message, billing: data.billing as Billing }
        : { type: 'error', message };
    }
    default:
      return null;
  }
}
