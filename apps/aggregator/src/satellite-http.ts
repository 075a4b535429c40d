/** Helpers shared by the retrieval and generation calls to satellites. */

import type { IncomingMessage } from 'node:http';
import { parseJsonBounded } from '@syfthub/service';

/** Thrown while reading a body that grew past `AGGREGATOR_MAX_RESPONSE_BYTES`. */
export class ResponseTooLargeError extends Error {
  constructor() {
    super('Response too large');
    this.name = 'ResponseTooLargeError';
  }
}

/** Satellite texts quoted in messages are cut here so a hostile body cannot blow up events or logs. */
const MAX_DETAIL_CHARS = 1000;
const RAW_DETAIL_CHARS = 200;

const prematureClose = () =>
  Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });

/**
 * Reads the whole body as text, refusing to buffer more than `maxBytes`: a Content-Length above the cap is refused
 * before reading, a body growing past it is destroyed. Stream events rather than async iteration, which costs
 * an iterator and promises per body on the path every satellite answer takes.
 */
export function readCapped(res: IncomingMessage, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = res.headers['content-length'];
    if (Number(typeof declared === 'string' ? declared : Number.NaN) > maxBytes) {
      res.destroy();
      reject(new ResponseTooLargeError());
      return;
    }
    // Already gone (its events are past): settle now rather than wait for events that will not come.
    if (res.errored) {
      reject(res.errored);
      return;
    }
    if (res.destroyed) {
      reject(prematureClose());
      return;
    }
    const chunks: Buffer[] = [];
    let total = 0;
    const settle = () => {
      res.removeListener('data', onData);
      res.removeListener('end', onEnd);
      res.removeListener('error', onError);
      res.removeListener('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      total += chunk.byteLength;
      if (total > maxBytes) {
        settle();
        res.destroy();
        reject(new ResponseTooLargeError());
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      settle();
      resolve(Buffer.concat(chunks, total).toString('utf8'));
    };
    const onError = (err: Error) => {
      settle();
      reject(err);
    };
    // Closed without an end or an error: what async iteration reports as a premature close.
    const onClose = () => {
      settle();
      reject(prematureClose());
    };
    res.on('data', onData);
    res.on('end', onEnd);
    res.on('error', onError);
    res.on('close', onClose);
  });
}

export function isHtml(contentType: string | undefined, body: string): boolean {
  if (contentType?.toLowerCase().includes('text/html')) return true;
  const head = body.trimStart().slice(0, 15).toLowerCase();
  return head.startsWith('<!doctype html') || head.startsWith('<html');
}

export function isEventStream(contentType: string | undefined): boolean {
  return contentType?.toLowerCase().startsWith('text/event-stream') === true;
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** A satellite's JSON, or undefined when it is not JSON or nests too deep to pass on safely. */
export function tryParseJson(text: string): unknown {
  try {
    return parseJsonBounded(text);
  } catch {
    return undefined;
  }
}

export function asRecord(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}

/** `<detail>` of aggregator.md §5.3: the JSON `detail` (or `message`) of an error body, else its first 200 chars. */
export function extractDetail(body: string, parsed: unknown): string {
  const record = asRecord(parsed);
  if (record) {
    const detail = record.detail ?? record.message;
    if (typeof detail === 'string') return clip(detail, MAX_DETAIL_CHARS);
    const nested = asRecord(detail);
    if (nested && typeof nested.message === 'string') return clip(nested.message, MAX_DETAIL_CHARS);
    if (detail !== undefined && detail !== null) return clip(JSON.stringify(detail), MAX_DETAIL_CHARS);
  }
  return clip(body, RAW_DETAIL_CHARS);
}

/** The `policy_metadata` object of a satellite body, if it has one. */
export function policyMetadataOf(parsed: unknown): Record<string, unknown> | null {
  return asRecord(asRecord(parsed)?.policy_metadata);
}

/** A short reason for a failed connection, e.g. `connect ECONNREFUSED 10.0.0.5:8003`. */
export function connectionReason(err: unknown): string {
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  if (cause instanceof AggregateError && cause.errors[0] instanceof Error) return cause.errors[0].message;
  if (cause instanceof Error && cause.message !== '') return cause.message;
  return 'connection failed';
}

export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([500, 502, 503, 504]);

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
