import type { ServerResponse } from 'node:http';
import { type ChatStreamEventName, ChatStreamEvents } from '@syfthub/contracts';
import { assertMatchesContract, ResponseContractError } from '@syfthub/service';
import type { ChatMetadata } from './pipeline';
import type { Billing, RetrievalInfo, SourceEntry, Usage } from './types';

/** The only event names the SDKs accept (aggregator.md §4.2); anything else breaks them. */
export type SseEventName = ChatStreamEventName;

/** The contract problem of an event's data, or null when it matches (aggregator.md §4.2). */
export function eventContractProblem(name: SseEventName, json: string): string | null {
  try {
    assertMatchesContract(ChatStreamEvents[name], JSON.parse(json), `The ${name} event`);
    return null;
  } catch (err) {
    if (err instanceof ResponseContractError) return err.message;
    throw err;
  }
}

/** Longest `token` content, in UTF-16 units: even fully escaped it stays far below the 64 KiB line limit. */
export const MAX_TOKEN_CHARS = 8000;
/** The serialised `done` data stays under this many bytes (§4.7). */
export const MAX_DONE_BYTES = 60_000;

const encoder = new TextEncoder();

/** Cuts at `max` UTF-16 units without splitting a surrogate pair. */
function cutAt(text: string, max: number): number {
  if (text.length <= max) return text.length;
  const code = text.charCodeAt(max - 1);
  return code >= 0xd800 && code <= 0xdbff ? max - 1 : max;
}

/** Splits text into pieces of at most `max` UTF-16 units, never inside a surrogate pair. */
export function splitText(text: string, max = MAX_TOKEN_CHARS): string[] {
  if (text.length <= max) return [text];
  const pieces: string[] = [];
  let rest = text;
  while (rest.length > max) {
    const at = cutAt(rest, max);
    pieces.push(rest.slice(0, at));
    rest = rest.slice(at);
  }
  if (rest !== '') pieces.push(rest);
  return pieces;
}

/** Where event text goes: a Node response (the lean path) or a web ReadableStream (any other runtime). */
interface SseSink {
  write(text: string): void;
  end(): void;
}

/**
 * The event stream of one chat request. Writes are dropped once the stream is closed or the client went away,
 * so producers never need to check.
 */
export class SseWriter {
  private open = true;
  /** Set where event checks are on (development and tests): every event's data is checked before it is sent. */
  checkEvents = false;

  private constructor(private readonly sink: SseSink) {}

  /**
   * Writes straight to a Node response: no web stream per client, which is most of what an idle stream costs.
   * The caller has sent the head already.
   */
  static toNode(res: ServerResponse, onCancel: () => void): SseWriter {
    const writer = new SseWriter({
      write: (text) => {
        res.write(text);
      },
      end: () => {
        res.end();
      },
    });
    res.once('close', () => {
      if (res.writableFinished) return;
      writer.open = false;
      onCancel();
    });
    return writer;
  }

  /** A web ReadableStream to return as a Response body. */
  static toWebStream(onCancel: () => void): { writer: SseWriter; stream: ReadableStream<Uint8Array> } {
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    let writer!: SseWriter;
    const stream = new ReadableStream<Uint8Array>({
      start: (c) => {
        controller = c;
      },
      cancel: () => {
        writer.open = false;
        onCancel();
      },
    });
    writer = new SseWriter({
      write: (text) => controller.enqueue(encoder.encode(text)),
      end: () => controller.close(),
    });
    return { writer, stream };
  }

  /** Sends one event whose data is already serialised JSON. */
  sendJson(name: SseEventName, json: string): void {
    if (!this.open) return;
    const problem = this.checkEvents ? eventContractProblem(name, json) : null;
    if (problem !== null) {
      // A broken event ends the stream with the reason, so the test that produced it fails on the spot.
      this.sink.write(`event: error\ndata: ${JSON.stringify({ message: problem })}\n\n`);
      this.close();
      return;
    }
    try {
      this.sink.write(`event: ${name}\ndata: ${json}\n\n`);
    } catch {
      this.open = false;
    }
  }

  send(name: SseEventName, data: object): void {
    if (this.open) this.sendJson(name, JSON.stringify(data));
  }

  /** `token` events, split so that each carries at most {@link MAX_TOKEN_CHARS}. */
  token(text: string): void {
    for (const piece of splitText(text)) this.send('token', { content: piece });
  }

  close(): void {
    if (!this.open) return;
    this.open = false;
    try {
      this.sink.end();
    } catch {
      // Already errored or cancelled by the client: nothing left to close.
    }
  }
}

export interface DoneParts {
  sources: Record<string, SourceEntry>;
  retrievalInfo: RetrievalInfo[];
  metadata: ChatMetadata;
  usage: Usage | null;
  profitShare: Record<string, number> | null;
  response: string | null;
  billing: Billing | null;
}

function truncateContent(content: string, max: number): string {
  if (content.length <= max) return content;
  return `${content.slice(0, cutAt(content, max))}…`;
}

function serialiseDone(parts: DoneParts, contentMax: number, withResponse: boolean): string {
  const sources: Record<string, SourceEntry> = {};
  for (const title in parts.sources) {
    const entry = parts.sources[title]!;
    sources[title] = { slug: entry.slug, content: truncateContent(entry.content, contentMax) };
  }
  const done: Record<string, unknown> = {
    sources,
    retrieval_info: parts.retrievalInfo,
    metadata: parts.metadata,
  };
  if (parts.usage) done.usage = parts.usage;
  if (parts.profitShare) done.profit_share = parts.profitShare;
  if (withResponse && parts.response !== null) done.response = parts.response;
  if (parts.billing) done.billing = parts.billing;
  return JSON.stringify(done);
}

/** The largest per-source content cap (≤ `start`) whose `done` fits, or null when not even 0 fits. */
function fitContent(parts: DoneParts, start: number, withResponse: boolean): string | null {
  const first = serialiseDone(parts, start, withResponse);
  if (Buffer.byteLength(first) <= MAX_DONE_BYTES) return first;
  const bare = serialiseDone(parts, 0, withResponse);
  const bareBytes = Buffer.byteLength(bare);
  if (bareBytes > MAX_DONE_BYTES) return null;
  const count = Math.max(1, Object.keys(parts.sources).length);
  // Content may need up to 6 bytes per character once escaped; shrink evenly until it fits.
  let cap = Math.min(start, Math.floor((MAX_DONE_BYTES - bareBytes) / count));
  for (;;) {
    const json = serialiseDone(parts, cap, withResponse);
    const bytes = Buffer.byteLength(json);
    if (bytes <= MAX_DONE_BYTES) return json;
    if (cap === 0) return bare;
    cap = Math.floor((cap * MAX_DONE_BYTES) / bytes / 1.05);
  }
}

/**
 * The `done` data (§4.4, §4.7): absent parts omitted, source contents cut to `contentMax` characters, then
 * shortened evenly if the line would still be too long, and `response` dropped as a last resort.
 */
export function buildDoneJson(parts: DoneParts, contentMax: number): string {
  return (
    fitContent(parts, contentMax, true) ??
    fitContent(parts, contentMax, false) ??
    serialiseDone({ ...parts, sources: {} }, 0, false)
  );
}
