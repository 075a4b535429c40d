import type { IncomingMessage } from 'node:http';
import { DnsResolutionError, SsrfBlockedError } from '@syfthub/service';
import { tunnelUsername } from '@syfthub/tunnel';
import { classifyUrl, endpointPath, queryUrl } from './endpoints';
import { childAbort, type Outbound, satelliteHeaders } from './outbound';
import { SSRF_MESSAGE, TUNNEL_MESSAGE, TUNNEL_UNAVAILABLE_MESSAGE } from './retrieval';
import {
  asRecord,
  connectionReason,
  extractDetail,
  isEventStream,
  isHtml,
  policyMetadataOf,
  RETRYABLE_STATUSES,
  ResponseTooLargeError,
  readCapped,
  sleep,
  tryParseJson,
} from './satellite-http';
import type { TunnelFailure } from './tunnel/client';
import type { ChatMessage, EndpointRef, Usage } from './types';

export interface GenerationSettings {
  timeoutMs: number;
  idleTimeoutMs: number;
  retryMax: number;
  retryBaseDelayMs: number;
  maxResponseBytes: number;
  /** Retries are skipped when they could not start before this epoch time (the total deadline). */
  deadline: number;
  /** `AGGREGATOR_NATS_TUNNEL_TIMEOUT`: the longest wait for a tunnelled reply. */
  tunnelTimeoutMs: number;
}

export interface GenerationRequest {
  model: EndpointRef;
  stream: boolean;
  /** The serialised request of satellite-protocol.md §2.3; cleared once streaming starts, as no retry follows. */
  body: string;
  /** The same request as a value, for the tunnel (which seals it itself). */
  payload: ModelPayload;
}

export interface ModelPayload {
  messages: readonly ChatMessage[];
  max_tokens: number;
  temperature: number;
  stream: boolean;
  stop_sequences: string[];
}

/** The model request (satellite-protocol.md §2.3); over the tunnel it always asks for one JSON answer (§5.4). */
export function modelPayload(
  messages: readonly ChatMessage[],
  maxTokens: number,
  temperature: number,
  stream: boolean,
): ModelPayload {
  return { messages, max_tokens: maxTokens, temperature, stream, stop_sequences: [] };
}

/** The model request body (satellite-protocol.md §2.3). */
export function modelRequestBody(
  messages: readonly ChatMessage[],
  maxTokens: number,
  temperature: number,
  stream: boolean,
): string {
  return JSON.stringify(modelPayload(messages, maxTokens, temperature, stream));
}

export interface GenerationResult {
  text: string;
  usage: Usage | null;
  policyMetadata: unknown;
  /** True when the satellite streamed and `onDelta` already saw every piece of `text`. */
  streamed: boolean;
}

/** A failed model call; `reason` is one of the texts of aggregator.md §8.1. */
export class GenerationError extends Error {
  constructor(
    public readonly reason: string,
    public readonly policyMetadata: unknown = null,
    public readonly statusCode: number | null = null,
    /** Worth a failure report: an HTTP status came back, or the tunnel failed for a reason other than time. */
    public readonly reportable: boolean = statusCode !== null,
  ) {
    super(reason);
    this.name = 'GenerationError';
  }
}

interface StreamState {
  text: string[];
  usage: Usage | null;
  policyMetadata: unknown;
  deltas: number;
}

/** Applies one `data:` payload of a streamed answer; returns false at `[DONE]`. */
function applyStreamData(data: string, state: StreamState, onDelta: (text: string) => void): boolean {
  if (data === '[DONE]') return false;
  const parsed = tryParseJson(data);
  const chunk = asRecord(parsed);
  if (!chunk) {
    if (parsed === undefined && data !== '') {
      state.text.push(data);
      state.deltas += 1;
      onDelta(data);
    }
    return true;
  }
  if (chunk.error !== undefined && chunk.error !== null) {
    const err = asRecord(chunk.error);
    const message = typeof err?.message === 'string' ? err.message : String(chunk.error);
    throw new GenerationError(
      `Model stream interrupted: ${message}`,
      policyMetadataOf(chunk) ?? state.policyMetadata,
    );
  }
  let content: unknown;
  const choices = chunk.choices;
  if (Array.isArray(choices)) content = asRecord(asRecord(choices[0])?.delta)?.content;
  if (content === undefined) {
    const summary = asRecord(chunk.summary);
    const message = summary?.message;
    content = typeof message === 'string' ? message : asRecord(message)?.content;
  }
  if (content === undefined) content = typeof chunk.content === 'string' ? chunk.content : chunk.text;
  if (typeof content === 'string' && content !== '') {
    state.text.push(content);
    state.deltas += 1;
    onDelta(content);
  }
  const usage = asRecord(chunk.usage) ?? asRecord(asRecord(chunk.summary)?.usage);
  if (usage) state.usage = usage;
  const policy = policyMetadataOf(chunk);
  if (policy) state.policyMetadata = policy;
  return true;
}

const decoderOptions = { stream: true } as const;

/** Reads an OpenAI-style chunk stream (satellite-protocol.md §2.5), forwarding each delta as it arrives. */
async function readEventStream(
  response: IncomingMessage,
  maxBytes: number,
  idle: { arm(): void },
  onDelta: (text: string) => void,
): Promise<StreamState> {
  const state: StreamState = { text: [], usage: null, policyMetadata: null, deltas: 0 };
  const decoder = new TextDecoder();
  let buffer = '';
  let data: string[] = [];
  let total = 0;
  const dispatch = (): boolean => {
    if (data.length === 0) return true;
    const payload = data.join('\n');
    data = [];
    return applyStreamData(payload, state, onDelta);
  };
  let done = false;
  for await (const value of response as AsyncIterable<Buffer>) {
    // After `[DONE]` of a response that arrived in full, what is left is read to its end and dropped, so the
    // connection goes back to the keep-alive pool (leaving the loop early would destroy it).
    if (done) continue;
    idle.arm();
    total += value.byteLength;
    if (total > maxBytes) {
      response.destroy();
      throw new ResponseTooLargeError();
    }
    buffer += decoder.decode(value, decoderOptions);
    let newline = buffer.indexOf('\n');
    while (newline !== -1) {
      let line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      if (line.endsWith('\r')) line = line.slice(0, -1);
      if (line === '') {
        if (!dispatch()) {
          // A model that keeps its response open after `[DONE]` is not waited for: its connection is closed.
          if (!response.complete) {
            response.destroy();
            return state;
          }
          done = true;
          break;
        }
      } else if (line.startsWith('data:')) {
        data.push(line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5));
      }
      newline = buffer.indexOf('\n');
    }
  }
  if (done) return state;
  buffer += decoder.decode();
  if (buffer.startsWith('data:')) data.push(buffer.charCodeAt(5) === 32 ? buffer.slice(6) : buffer.slice(5));
  dispatch();
  return state;
}

function parseJsonAnswer(text: string): GenerationResult {
  return answerOf(tryParseJson(text));
}

function answerOf(parsed: unknown): GenerationResult {
  const body = asRecord(parsed);
  if (!body) throw new GenerationError('Model returned invalid JSON');
  const summary = asRecord(body.summary);
  const message = summary?.message;
  const content = typeof message === 'string' ? message : asRecord(message)?.content;
  return {
    text: typeof content === 'string' ? content : '',
    usage: asRecord(summary?.usage) ?? null,
    policyMetadata: policyMetadataOf(body),
    streamed: false,
  };
}

function errorFor(
  status: number,
  text: string,
  contentType: string | undefined,
  path: string,
): GenerationError {
  const parsed = tryParseJson(text);
  const policy = policyMetadataOf(parsed);
  if (isHtml(contentType, text)) {
    return new GenerationError(
      `The model endpoint '${path}' is currently unreachable. Please contact the endpoint owner.`,
      policy,
      status,
    );
  }
  const detail = extractDetail(text, parsed);
  if (status === 403) return new GenerationError(`Model access denied: ${detail}`, policy, status);
  if (status === 402) {
    return new GenerationError(
      `Payment required by ${path}; payments are not supported by this deployment.`,
      policy,
      status,
    );
  }
  return new GenerationError(`Model request failed: HTTP ${status} - ${detail}`, policy, status);
}

/** A tunnel failure as a generation reason (tunnelling.md §8.2, ours). */
function tunnelError(problem: TunnelFailure, path: string): GenerationError {
  const reportable = (reason: string, policy: unknown = null) =>
    new GenerationError(reason, policy, null, true);
  switch (problem.kind) {
    case 'unavailable':
      return reportable(TUNNEL_UNAVAILABLE_MESSAGE);
    case 'not_connected':
      return reportable(`The model endpoint '${path}' is not connected to the tunnel.`);
    case 'timeout':
      return new GenerationError('Model request timed out');
    case 'too_large':
      return reportable(
        problem.direction === 'request' ? 'Request too large for the tunnel' : 'Response too large',
      );
    case 'undecryptable':
      return reportable('Model request failed: DECRYPTION_FAILED - the reply could not be decrypted');
    case 'invalid':
      return reportable('Model returned invalid JSON');
    case 'node_error': {
      const { code, message, policyMetadata } = problem;
      if (code === 'TIMEOUT') return new GenerationError('Model request timed out', policyMetadata);
      if (code === 'POLICY_DENIED') return reportable(`Model access denied: ${message}`, policyMetadata);
      if (code === 'EXECUTION_FAILED' && message.startsWith('Response too large'))
        return reportable('Response too large', policyMetadata);
      return reportable(`Model request failed: ${code} - ${message}`, policyMetadata);
    }
  }
}

/** The model over the NATS tunnel: one JSON answer, no retries but the stale-key resend (§5.4, §5.7). */
async function generateTunnelled(
  out: Outbound,
  settings: GenerationSettings,
  model: EndpointRef,
  payload: ModelPayload,
): Promise<GenerationResult> {
  const path = endpointPath(model);
  const owner = tunnelUsername(model.url);
  if (!out.tunnel) throw new GenerationError(TUNNEL_MESSAGE);
  if (owner === null)
    throw new GenerationError(`Cannot reach model endpoint at ${model.url}: Invalid endpoint URL`);
  const token = out.tokenFor(model.owner_username ?? owner);
  if (!token) throw new GenerationError(`Missing satellite token for tunneling endpoint owner ${owner}`);
  const attemptAbort = childAbort(out.signal, settings.timeoutMs, 'model request');
  try {
    const result = await out.tunnel.client.call({
      owner,
      channel: out.tunnel.channel,
      slug: model.slug,
      endpointType: 'model',
      payload: { ...payload, stream: false },
      satelliteToken: token,
      timeoutMs: Math.min(settings.tunnelTimeoutMs, settings.timeoutMs),
      signal: attemptAbort.signal,
      maxReplyBytes: settings.maxResponseBytes,
    });
    if (!result.ok) throw tunnelError(result.failure, path);
    if (asRecord(result.payload) === null)
      throw new GenerationError('Model returned invalid JSON', null, null, true);
    return answerOf(result.payload);
  } catch (err) {
    out.signal.throwIfAborted();
    if (err instanceof GenerationError) throw err;
    if (attemptAbort.signal.aborted) throw new GenerationError('Model request timed out');
    throw err;
  } finally {
    attemptAbort.dispose();
  }
}

/**
 * Calls the model endpoint (§8.1). Streamed answers are forwarded delta by delta through `onDelta`; JSON answers
 * come back whole in the result. Throws GenerationError for every model failure and the request signal's reason
 * when the request is aborted.
 */
export async function generate(
  out: Outbound,
  settings: GenerationSettings,
  request: GenerationRequest,
  onDelta: (text: string) => void,
): Promise<GenerationResult> {
  const { model } = request;
  const path = endpointPath(model);
  const kind = classifyUrl(model.url);
  if (kind === 'tunneling') return generateTunnelled(out, settings, model, request.payload);
  if (kind === 'invalid')
    throw new GenerationError(`Cannot reach model endpoint at ${model.url}: Invalid endpoint URL`);

  const accept = request.stream ? 'text/event-stream, application/json' : 'application/json';
  let attempts = 0;
  let sentAnything = false;
  for (;;) {
    attempts += 1;
    // Until the response head arrives the generation timeout applies; a stream then switches to the idle timer.
    const attemptAbort = childAbort(out.signal, settings.timeoutMs, 'model request');
    const { signal } = attemptAbort;
    try {
      let response: IncomingMessage;
      try {
        response = await out.request(queryUrl(model), {
          method: 'POST',
          headers: satelliteHeaders(out, model, accept),
          body: request.body,
          signal,
        });
      } catch (err) {
        out.signal.throwIfAborted();
        if (signal.aborted) throw new GenerationError('Model request timed out');
        if (err instanceof SsrfBlockedError) throw new GenerationError(SSRF_MESSAGE);
        if (err instanceof DnsResolutionError) {
          throw new GenerationError(`Cannot reach model endpoint at ${model.url}: ${err.message}`);
        }
        throw new GenerationError(`Cannot reach model endpoint at ${model.url}: ${connectionReason(err)}`);
      }
      const contentType = response.headers['content-type'];
      const status = response.statusCode ?? 0;
      if (status === 200 && isEventStream(contentType)) {
        // No retry once streaming has begun, so the prompt need not stay in memory while the model talks.
        request.body = '';
        // From here on, silence between chunks is what is bounded, not the whole answer.
        attemptAbort.retime(settings.idleTimeoutMs, 'model stream');
        const idle = { arm: () => attemptAbort.refresh() };
        try {
          const state = await readEventStream(response, settings.maxResponseBytes, idle, (text) => {
            sentAnything = true;
            onDelta(text);
          });
          return {
            text: state.text.join(''),
            usage: state.usage,
            policyMetadata: state.policyMetadata,
            streamed: true,
          };
        } catch (err) {
          out.signal.throwIfAborted();
          if (err instanceof GenerationError) throw err;
          if (err instanceof ResponseTooLargeError) throw new GenerationError('Response too large');
          const idleExpired = signal.aborted;
          if (!sentAnything) {
            throw new GenerationError(
              idleExpired ? 'Model request timed out' : `Model stream interrupted: ${connectionReason(err)}`,
            );
          }
          throw new GenerationError(
            `Model stream interrupted: ${idleExpired ? 'no data from the model within the idle timeout' : connectionReason(err)}`,
          );
        }
      }
      let text: string;
      try {
        text = await readCapped(response, settings.maxResponseBytes);
      } catch (err) {
        out.signal.throwIfAborted();
        if (err instanceof ResponseTooLargeError) throw new GenerationError('Response too large');
        if (signal.aborted) throw new GenerationError('Model request timed out');
        throw new GenerationError(`Cannot reach model endpoint at ${model.url}: ${connectionReason(err)}`);
      }
      if (status === 200 && !(isHtml(contentType, text) && tryParseJson(text) === undefined)) {
        return parseJsonAnswer(text);
      }
      const delay = settings.retryBaseDelayMs * 2 ** (attempts - 1);
      if (
        RETRYABLE_STATUSES.has(status) &&
        attempts <= settings.retryMax &&
        Date.now() + delay < settings.deadline
      ) {
        attemptAbort.dispose();
        await sleep(delay, out.signal);
        continue;
      }
      throw errorFor(status, text, contentType, path);
    } finally {
      attemptAbort.dispose();
    }
  }
}
