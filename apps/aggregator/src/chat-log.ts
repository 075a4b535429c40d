/**
 * The chat events every successful chat writes (aggregator.md §12): `chat.source.completed` once per data source,
 * `chat.reranked` and `chat.completed`. They are written as prebuilt JSON text when the logger allows it (see
 * `writePrebuiltLine`): the same line `log.info(fields, message)` would write, every string value masked as the
 * logger masks strings and no field name a secret key, without pino's per-call work.
 */
import { redactString, writePrebuiltLine } from '@syfthub/service';
import type { Logger } from 'pino';
import type { SourceResult } from './types';

/** A string field's JSON value, masked as the logger masks every string it writes. */
function text(value: string): string {
  return JSON.stringify(redactString(value));
}

/** A number field's JSON value, as JSON.stringify writes it (null for NaN and infinities). */
function num(value: number): string {
  return Number.isFinite(value) ? String(value) : 'null';
}

function nullableText(value: string | null): string {
  return value === null ? 'null' : text(value);
}

export function logSourceCompleted(log: Logger, result: SourceResult): void {
  if (!log.isLevelEnabled('info')) return;
  const fields = `,"event":"chat.source.completed","path":${text(result.path)},"status":${text(result.status)},"documents":${num(result.documents.length)},"latency_ms":${num(result.latencyMs)},"attempts":${num(result.attempts)}`;
  if (writePrebuiltLine(log, 'info', fields, 'data source answered')) return;
  log.info(
    {
      event: 'chat.source.completed',
      path: result.path,
      status: result.status,
      documents: result.documents.length,
      latency_ms: result.latencyMs,
      attempts: result.attempts,
    },
    'data source answered',
  );
}

export interface RerankedEvent {
  reranker: string;
  in: number;
  out: number;
  timeMs: number;
}

export function logReranked(log: Logger, event: RerankedEvent): void {
  if (!log.isLevelEnabled('info')) return;
  const fields = `,"event":"chat.reranked","reranker":${text(event.reranker)},"in":${num(event.in)},"out":${num(event.out)},"time_ms":${num(event.timeMs)}`;
  if (writePrebuiltLine(log, 'info', fields, 'documents reranked')) return;
  log.info(
    { event: 'chat.reranked', reranker: event.reranker, in: event.in, out: event.out, time_ms: event.timeMs },
    'documents reranked',
  );
}

export interface CompletedEvent {
  mode: string;
  sources: number;
  /** The automatic selection's status, null when the client chose the sources. */
  autoSources: string | null;
  documents: number;
  generationTimeMs: number;
  totalTimeMs: number;
  tokensStreamed: number;
  promptChars: number;
}

export function logCompleted(log: Logger, event: CompletedEvent): void {
  if (!log.isLevelEnabled('info')) return;
  const fields = `,"event":"chat.completed","mode":${text(event.mode)},"sources":${num(event.sources)},"auto_sources":${nullableText(event.autoSources)},"documents":${num(event.documents)},"generation_time_ms":${num(event.generationTimeMs)},"total_time_ms":${num(event.totalTimeMs)},"tokens_streamed":${num(event.tokensStreamed)},"prompt_chars":${num(event.promptChars)}`;
  if (writePrebuiltLine(log, 'info', fields, 'chat completed')) return;
  log.info(
    {
      event: 'chat.completed',
      mode: event.mode,
      sources: event.sources,
      auto_sources: event.autoSources,
      documents: event.documents,
      generation_time_ms: event.generationTimeMs,
      total_time_ms: event.totalTimeMs,
      tokens_streamed: event.tokensStreamed,
      prompt_chars: event.promptChars,
    },
    'chat completed',
  );
}
