import type { IncomingMessage } from 'node:http';
import { DnsResolutionError, SsrfBlockedError } from '@syfthub/service';
import { tunnelUsername } from '@syfthub/tunnel';
import { classifyUrl, endpointPath, queryUrl } from './endpoints';
import { type ChildAbort, childAbort, type Outbound, satelliteHeaders } from './outbound';
import {
  asRecord,
  connectionReason,
  extractDetail,
  isHtml,
  policyMetadataOf,
  RETRYABLE_STATUSES,
  ResponseTooLargeError,
  readCapped,
  sleep,
  tryParseJson,
} from './satellite-http';
import type { TunnelFailure } from './tunnel/client';
import type { EndpointRef, RetrievedDocument, SourceResult, SourceStatus } from './types';

export const TUNNEL_MESSAGE = 'Tunnelled endpoints are not supported by this aggregator.';
export const TUNNEL_UNAVAILABLE_MESSAGE = 'Tunnelled endpoints are not available right now.';
export const SSRF_MESSAGE = 'Endpoint URL is not allowed (private or internal address)';
const EMPTY_SUMMARY = 'No related information found for this query.';

export interface RetrievalSettings {
  attemptTimeoutMs: number;
  phaseTimeoutMs: number;
  retryMax: number;
  retryBaseDelayMs: number;
  maxResponseBytes: number;
  /** `AGGREGATOR_NATS_TUNNEL_TIMEOUT`: the longest wait for one tunnelled reply. */
  tunnelTimeoutMs: number;
}

export interface RetrievalQuery {
  prompt: string;
  topK: number;
  similarityThreshold: number;
}

/** A satellite failure worth reporting to the backend (never with tokens, prompts or documents). */
export interface SatelliteFailure {
  kind: 'data_source' | 'model';
  path: string;
  url: string;
  statusCode: number | null;
  message: string;
}

export interface FanOutOptions {
  out: Outbound;
  settings: RetrievalSettings;
  query: RetrievalQuery;
  sources: readonly EndpointRef[];
  /** Called once per source, in completion order. */
  onComplete?: (result: SourceResult, index: number) => void;
  onFailure?: (failure: SatelliteFailure) => void;
}

export interface FanOutResult {
  results: SourceResult[];
  timeMs: number;
}

interface Outcome {
  status: SourceStatus;
  documents: RetrievedDocument[];
  errorMessage: string | null;
  policyMetadata: unknown;
  retryable?: boolean;
  report?: { statusCode: number | null };
}

function failure(status: SourceStatus, errorMessage: string, policyMetadata: unknown = null): Outcome {
  return { status, documents: [], errorMessage, policyMetadata };
}

/** Documents of a satellite answer (§5.5); null when the body does not have the protocol's shape. */
export function parseDocuments(body: unknown, path: string, sourceIndex: number): RetrievedDocument[] | null {
  const record = asRecord(body);
  if (!record) return null;
  const documents: RetrievedDocument[] = [];
  const references = record.references;
  if (references !== undefined && references !== null) {
    const refs = asRecord(references);
    if (!refs) return null;
    const items = refs.documents ?? [];
    if (!Array.isArray(items)) return null;
    for (const item of items) {
      const doc = asRecord(item);
      if (!doc || typeof doc.content !== 'string') continue;
      const raw = doc.similarity_score;
      documents.push({
        path,
        content: doc.content,
        score: typeof raw === 'number' && Number.isFinite(raw) ? raw : null,
        metadata: asRecord(doc.metadata) ?? {},
        sourceIndex,
        docIndex: documents.length,
      });
    }
  }
  const summary = record.summary;
  if (summary !== undefined && summary !== null) {
    const s = asRecord(summary);
    const message = s?.message;
    const text = typeof message === 'string' ? message : asRecord(message)?.content;
    const content = typeof text === 'string' ? text : '';
    documents.push({
      path,
      content: content === '' ? EMPTY_SUMMARY : content,
      score: 1,
      metadata: { source_type: content === '' ? 'generated_empty' : 'generated', model: s?.model ?? null },
      sourceIndex,
      docIndex: documents.length,
    });
  }
  return documents;
}

function mapErrorResponse(
  status: number,
  body: string,
  contentType: string | undefined,
  path: string,
): Outcome {
  const parsed = tryParseJson(body);
  const policyMetadata = policyMetadataOf(parsed);
  const report = { statusCode: status };
  if (isHtml(contentType, body)) {
    return {
      ...failure(
        'error',
        `The data source '${path}' is currently unreachable. Please contact the endpoint owner.`,
        policyMetadata,
      ),
      retryable: RETRYABLE_STATUSES.has(status),
      report,
    };
  }
  const detail = extractDetail(body, parsed);
  if (status === 402) {
    return {
      ...failure(
        'payment_failed',
        `Payment required by ${path}; payments are not supported by this deployment.`,
        policyMetadata,
      ),
      report,
    };
  }
  if (status === 403) {
    const outcome = policyMetadata?.outcome;
    if (outcome === 'rate_limited')
      return { ...failure('error', `Rate limited: ${detail}`, policyMetadata), report };
    return { ...failure('access_denied', `Access denied: ${detail}`, policyMetadata), report };
  }
  if (status === 429) return { ...failure('error', `Rate limited by ${path}`, policyMetadata), report };
  return {
    ...failure('error', `HTTP ${status}: ${detail}`, policyMetadata),
    retryable: RETRYABLE_STATUSES.has(status),
    report,
  };
}

async function attempt(
  ref: EndpointRef,
  path: string,
  sourceIndex: number,
  options: FanOutOptions,
  signal: AbortSignal,
  body: string,
): Promise<Outcome> {
  const { out, settings } = options;
  let response: IncomingMessage;
  let text: string;
  try {
    response = await out.request(queryUrl(ref), {
      method: 'POST',
      headers: satelliteHeaders(out, ref, 'application/json'),
      body,
      signal,
    });
    text = await readCapped(response, settings.maxResponseBytes);
  } catch (err) {
    if (signal.aborted) return failure('timeout', 'Request timed out');
    if (err instanceof SsrfBlockedError) return failure('error', SSRF_MESSAGE);
    if (err instanceof DnsResolutionError)
      return failure('error', `Cannot reach data source at ${ref.url}: ${err.message}`);
    if (err instanceof ResponseTooLargeError) return failure('error', 'Response too large');
    return failure('error', `Cannot reach data source at ${ref.url}: ${connectionReason(err)}`);
  }
  const contentType = response.headers['content-type'];
  const status = response.statusCode ?? 0;
  if (status !== 200) return mapErrorResponse(status, text, contentType, path);
  const parsed = tryParseJson(text);
  // A tunnel or proxy error page can come with 200 too; it means the satellite is not there.
  if (parsed === undefined && isHtml(contentType, text))
    return mapErrorResponse(status, text, contentType, path);
  const documents = parsed === undefined ? null : parseDocuments(parsed, path, sourceIndex);
  if (!documents) {
    return {
      ...failure('error', 'Invalid response from data source', policyMetadataOf(parsed)),
      report: { statusCode: 200 },
    };
  }
  return { status: 'success', documents, errorMessage: null, policyMetadata: policyMetadataOf(parsed) };
}

/** A tunnel failure as a data-source status and message (tunnelling.md §8.2, ours). */
function tunnelFailure(problem: TunnelFailure, path: string): Outcome {
  const report = { statusCode: null };
  switch (problem.kind) {
    case 'unavailable':
      return { ...failure('error', TUNNEL_UNAVAILABLE_MESSAGE), report };
    case 'not_connected':
      return { ...failure('error', `The data source '${path}' is not connected to the tunnel.`), report };
    case 'timeout':
      return failure('timeout', 'Request timed out');
    case 'too_large':
      return {
        ...failure(
          'error',
          problem.direction === 'request' ? 'Request too large for the tunnel' : 'Response too large',
        ),
        report,
      };
    case 'undecryptable':
      return { ...failure('error', 'DECRYPTION_FAILED: the reply could not be decrypted'), report };
    case 'invalid':
      return { ...failure('error', 'Invalid response from data source'), report };
    case 'node_error': {
      const { code, message, policyMetadata } = problem;
      if (code === 'TIMEOUT') return failure('timeout', 'Request timed out', policyMetadata);
      if (code === 'POLICY_DENIED')
        return { ...failure('access_denied', `Access denied: ${message}`, policyMetadata), report };
      if (code === 'RATE_LIMIT_EXCEEDED')
        return { ...failure('error', `Rate limited by ${path}`, policyMetadata), report };
      if (code === 'AUTH_FAILED')
        return { ...failure('error', `Tunnel authentication failed: ${message}`, policyMetadata), report };
      // A node that refuses to send an oversized answer says so instead of going silent (§5.6).
      if (code === 'EXECUTION_FAILED' && message.startsWith('Response too large'))
        return { ...failure('error', 'Response too large', policyMetadata), report };
      return { ...failure('error', `${code}: ${message}`, policyMetadata), report };
    }
  }
}

/** One data-source query over the NATS tunnel; no HTTP-style retries (only the stale-key resend). */
async function tunnelAttempt(
  ref: EndpointRef,
  path: string,
  sourceIndex: number,
  options: FanOutOptions,
  signal: AbortSignal,
  payload: unknown,
): Promise<Outcome> {
  const { out, settings } = options;
  const owner = tunnelUsername(ref.url);
  if (!out.tunnel) return failure('error', TUNNEL_MESSAGE);
  if (owner === null) return failure('error', 'Invalid endpoint URL');
  try {
    const result = await out.tunnel.client.call({
      owner,
      channel: out.tunnel.channel,
      slug: ref.slug,
      endpointType: 'data_source',
      payload,
      satelliteToken: out.tokenFor(ref.owner_username ?? owner),
      timeoutMs: Math.min(settings.tunnelTimeoutMs, settings.attemptTimeoutMs),
      signal,
      maxReplyBytes: settings.maxResponseBytes,
    });
    if (!result.ok) return tunnelFailure(result.failure, path);
    const documents = parseDocuments(result.payload, path, sourceIndex);
    if (!documents) {
      return {
        ...failure('error', 'Invalid response from data source', policyMetadataOf(result.payload)),
        report: { statusCode: null },
      };
    }
    return {
      status: 'success',
      documents,
      errorMessage: null,
      policyMetadata: policyMetadataOf(result.payload),
    };
  } catch (err) {
    if (signal.aborted) return failure('timeout', 'Request timed out');
    throw err;
  }
}

/** The signals of one fan-out (§5.4): first attempts share one; retries, which start later, get their own. */
interface FanOutSignals {
  /** Follows the request; fires at the per-attempt timeout or the phase deadline, whichever comes first. */
  firstAttempt: AbortSignal;
  /** Follows the request; fires at the phase deadline. Made on first use (a retry). */
  phase(): AbortSignal;
  /** Epoch ms of the phase deadline. */
  deadline: number;
}

async function querySource(
  ref: EndpointRef,
  sourceIndex: number,
  options: FanOutOptions,
  signals: FanOutSignals,
): Promise<SourceResult> {
  const { settings, query } = options;
  const path = endpointPath(ref);
  const started = performance.now();
  const done = (outcome: Outcome, attempts: number): SourceResult => ({
    path,
    status: outcome.status,
    documents: outcome.documents,
    errorMessage: outcome.errorMessage,
    latencyMs: Math.round(performance.now() - started),
    attempts,
    policyMetadata: outcome.policyMetadata,
  });

  const kind = classifyUrl(ref.url);
  if (kind === 'invalid') return done(failure('error', 'Invalid endpoint URL'), 0);

  const payload = {
    messages: ref.query_override ?? query.prompt,
    limit: query.topK,
    similarity_threshold: query.similarityThreshold,
    include_metadata: true,
  };
  if (kind === 'tunneling') {
    const outcome = await tunnelAttempt(ref, path, sourceIndex, options, signals.firstAttempt, payload);
    if (outcome.report && options.onFailure) {
      options.onFailure({
        kind: 'data_source',
        path,
        url: ref.url,
        statusCode: outcome.report.statusCode,
        message: outcome.errorMessage ?? '',
      });
    }
    return done(outcome, 1);
  }
  const body = JSON.stringify(payload);
  let attempts = 0;
  for (;;) {
    attempts += 1;
    let outcome: Outcome;
    if (attempts === 1) {
      outcome = await attempt(ref, path, sourceIndex, options, signals.firstAttempt, body);
    } else {
      const attemptAbort = childAbort(signals.phase(), settings.attemptTimeoutMs, 'data source attempt');
      try {
        outcome = await attempt(ref, path, sourceIndex, options, attemptAbort.signal, body);
      } finally {
        attemptAbort.dispose();
      }
    }
    const retriesLeft = attempts <= settings.retryMax;
    const delay = settings.retryBaseDelayMs * 2 ** (attempts - 1);
    if (
      outcome.retryable &&
      retriesLeft &&
      Date.now() + delay < signals.deadline &&
      !signals.phase().aborted
    ) {
      try {
        await sleep(delay, signals.phase());
        continue;
      } catch {
        return done(failure('timeout', 'Request timed out'), attempts);
      }
    }
    if (outcome.report && options.onFailure) {
      options.onFailure({
        kind: 'data_source',
        path,
        url: ref.url,
        statusCode: outcome.report.statusCode,
        message: outcome.errorMessage ?? '',
      });
    }
    return done(outcome, attempts);
  }
}

/**
 * Queries every data source concurrently under the retrieval-phase deadline. Never throws for a source: each
 * failure becomes a status. Rejects only when the request itself is aborted.
 */
export async function fanOut(options: FanOutOptions): Promise<FanOutResult> {
  const { out, settings, sources } = options;
  const started = performance.now();
  if (sources.length === 0) return { results: [], timeMs: 0 };
  const deadline = Date.now() + settings.phaseTimeoutMs;
  // Every source's first attempt starts now, so one signal times them all out together; it follows the request
  // signal too, covering disconnects and the total deadline. The phase gets a signal of its own only when a
  // retry needs one (an abort signal per attempt was a measurable share of a chat's CPU).
  const firstAttempt =
    settings.attemptTimeoutMs < settings.phaseTimeoutMs
      ? childAbort(out.signal, settings.attemptTimeoutMs, 'data source attempt')
      : childAbort(out.signal, settings.phaseTimeoutMs, 'retrieval phase');
  let phase: ChildAbort | null = null;
  const signals: FanOutSignals = {
    firstAttempt: firstAttempt.signal,
    phase() {
      phase ??= childAbort(out.signal, Math.max(0, deadline - Date.now()), 'retrieval phase');
      return phase.signal;
    },
    deadline,
  };
  try {
    const results = await Promise.all(
      sources.map(async (ref, index) => {
        const result = await querySource(ref, index, options, signals);
        if (!out.signal.aborted) options.onComplete?.(result, index);
        return result;
      }),
    );
    out.signal.throwIfAborted();
    return { results, timeMs: Math.round(performance.now() - started) };
  } finally {
    firstAttempt.dispose();
    (phase as ChildAbort | null)?.dispose();
  }
}

/**
 * Every document of every successful source, by score descending; ties keep request order, then answer order
 * (§5.5). Missing scores count as 0.
 */
export function aggregateDocuments(results: readonly SourceResult[]): RetrievedDocument[] {
  const docs: RetrievedDocument[] = [];
  for (const r of results) if (r.status === 'success') for (const d of r.documents) docs.push(d);
  return docs.sort(
    (a, b) => (b.score ?? 0) - (a.score ?? 0) || a.sourceIndex - b.sourceIndex || a.docIndex - b.docIndex,
  );
}
