import { IncomingMessage, ServerResponse } from 'node:http';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { ChatFailure, ChatResponse } from '@syfthub/contracts';
import {
  API_CONTENT_SECURITY_POLICY,
  ApiError,
  assertMatchesContract,
  CORRELATION_HEADER,
  type Env,
  getCorrelationId,
  ResponseContractError,
  readJsonBody,
} from '@syfthub/service';
import { newPeerChannel } from '@syfthub/tunnel';
import type { Context, Hono, MiddlewareHandler } from 'hono';
import type { Logger } from 'pino';
import { logCompleted } from '../chat-log';
import { tokenLookup } from '../endpoints';
import { type Heartbeat, startHeartbeat } from '../heartbeat';
import type { Outbound, SatelliteTransport } from '../outbound';
import { type ChatDeps, type ChatOutcome, type ChatSuccess, runChat } from '../pipeline';
import { type ChatRequest, createChatRequestSchema } from '../schema';
import { buildDoneJson, SseWriter } from '../sse';
import type { TunnelClient } from '../tunnel/client';

export interface ChatRouteDeps extends ChatDeps {
  request: SatelliteTransport;
  userAgent: string;
  rateLimit: MiddlewareHandler<Env> | null;
  /** The NATS tunnel for `tunneling:` endpoints; null when off. */
  tunnel: TunnelClient | null;
}

/** Why a request's abort signal fired. */
class TotalTimeout extends Error {
  constructor() {
    super('total timeout');
    this.name = 'TotalTimeout';
  }
}

class ClientGone extends Error {
  constructor() {
    super('client disconnected');
    this.name = 'ClientGone';
  }
}

/** Aborts leftovers once a request is over; shared because building an Error per request costs a stack trace. */
const FINISHED = new Error('request finished');

type Mode = 'json' | 'stream' | 'retrieval_only';

const SSE_HEADERS: Record<string, string> = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'content-security-policy': API_CONTENT_SECURITY_POLICY,
};

/** The header of @hono/node-server's marker response for "the route already wrote its response". */
const ALREADY_SENT_HEADER = 'x-hono-already-sent';

/**
 * The stream's head: what middleware prepared so far (CORS) plus the SSE headers. Written before the handler
 * returns, so the correlation id is added here rather than by the middleware on the way out.
 */
function streamHeaders(c: Context<Env>, correlationId: string): Record<string, string> {
  const headers: Record<string, string> = {};
  c.res.headers.forEach((value, name) => {
    headers[name] = value;
  });
  Object.assign(headers, SSE_HEADERS);
  headers[CORRELATION_HEADER.toLowerCase()] = correlationId;
  return headers;
}

/** The Node response behind the request, when served by @hono/node-server (not with `app.request`). */
function nodeResponse(c: Context<Env>): ServerResponse | null {
  const env: unknown = c.env;
  if (typeof env !== 'object' || env === null || !('outgoing' in env)) return null;
  const { outgoing } = env;
  return outgoing instanceof ServerResponse && !outgoing.headersSent ? outgoing : null;
}

function nodeRequest(c: Context<Env>): IncomingMessage | null {
  const env: unknown = c.env;
  if (typeof env !== 'object' || env === null || !('incoming' in env)) return null;
  const { incoming } = env;
  return incoming instanceof IncomingMessage ? incoming : null;
}

function formatSeconds(ms: number): string {
  return String(Math.round(ms) / 1000);
}

function chatResponseBody(result: ChatSuccess): ChatResponse {
  return {
    response: result.response,
    sources: result.sources,
    retrieval_info: result.retrievalInfo,
    metadata: result.metadata,
    usage: result.usage,
    profit_share: result.profitShare,
    billing: result.billing,
  };
}

function outcomeLabel(outcome: ChatOutcome): string {
  return outcome.kind === 'ok' ? 'success' : outcome.kind;
}

/**
 * Calls `onGone` when the client disconnects before its answer is written. Under @hono/node-server this listens
 * to the Node response itself: the request's web `signal` costs an AbortController of its own per request.
 */
function watchClient(c: Context<Env>, onGone: () => void): () => void {
  const outgoing = nodeResponse(c);
  const incoming = nodeRequest(c);
  if (outgoing && incoming) {
    if (outgoing.destroyed || incoming.errored) {
      onGone();
      return () => {};
    }
    const onClose = () => {
      if (incoming.errored || !outgoing.writableFinished) onGone();
    };
    outgoing.once('close', onClose);
    return () => outgoing.removeListener('close', onClose);
  }
  const signal = c.req.raw.signal;
  if (signal.aborted) {
    onGone();
    return () => {};
  }
  signal.addEventListener('abort', onGone, { once: true });
  return () => signal.removeEventListener('abort', onGone);
}

/** Everything one request needs to cancel itself: one controller for disconnects, the deadline and errors. */
export function requestScope(deps: ChatRouteDeps, req: ChatRequest, correlationId: string, c: Context<Env>) {
  const controller = new AbortController();
  const stopWatching = watchClient(c, () => controller.abort(new ClientGone()));
  const timer = setTimeout(() => controller.abort(new TotalTimeout()), deps.config.totalTimeoutMs);
  const out: Outbound = {
    request: deps.request,
    correlationId,
    userAgent: deps.userAgent,
    signal: controller.signal,
    tokenFor: tokenLookup(req.endpoint_tokens),
    // Our own channel per chat, whatever the client sent as `peer_channel` (tunnelling.md §4).
    tunnel: deps.tunnel ? { client: deps.tunnel, channel: newPeerChannel() } : null,
  };
  return {
    controller,
    out,
    deadline: Date.now() + deps.config.totalTimeoutMs,
    dispose() {
      clearTimeout(timer);
      stopWatching();
      // Anything still outstanding (a stray retry timer, a half-read body) stops here.
      if (!controller.signal.aborted) controller.abort(FINISHED);
    },
  };
}

function logChatCompleted(log: Logger, mode: Mode, req: ChatRequest, result: ChatSuccess, tokens: number) {
  logCompleted(log, {
    mode,
    sources: result.sourceCount,
    autoSources: result.metadata.source_selection?.status ?? null,
    documents: result.documents,
    generationTimeMs: result.metadata.generation_time_ms,
    totalTimeMs: result.metadata.total_time_ms,
    tokensStreamed: tokens,
    promptChars: req.prompt.length,
  });
}

export function registerChatRoutes(app: Hono<Env>, deps: ChatRouteDeps): void {
  const schema = createChatRequestSchema(deps.config);
  const { metrics, config } = deps;
  // Responses and events are checked against the contract in development and tests, never in production.
  const checks = config.environment !== 'production';
  const timeoutMessage = `The request exceeded the total time limit of ${formatSeconds(config.totalTimeoutMs)} s.`;
  if (deps.rateLimit) {
    app.use('/api/v1/chat', deps.rateLimit);
    app.use('/api/v1/chat/stream', deps.rateLimit);
  }

  app.post('/api/v1/chat', async (c) => {
    const req = await readJsonBody(c, schema);
    const startedAt = performance.now();
    const correlationId = getCorrelationId(c);
    const log = c.get('log');
    const mode: Mode = req.retrieval_only ? 'retrieval_only' : 'json';
    const scope = requestScope(deps, req, correlationId, c);
    try {
      const outcome = await runChat(
        deps,
        { out: scope.out, log, streamModel: false, startedAt, deadline: scope.deadline },
        req,
      );
      metrics?.chatRequests.inc({ mode, outcome: outcomeLabel(outcome) });
      if (outcome.kind === 'ok') {
        logChatCompleted(log, mode, req, outcome, 0);
        const body = chatResponseBody(outcome);
        if (checks) assertMatchesContract(ChatResponse, body, 'POST /api/v1/chat → 200');
        return c.json(body);
      }
      const detail =
        outcome.kind === 'access_denied' ? outcome.message : `Generation failed: ${outcome.reason}`;
      log.warn({ event: 'chat.failed', mode, reason: outcome.kind, detail }, 'chat failed');
      const failure: ChatFailure = { detail, billing: outcome.billing };
      if (checks) assertMatchesContract(ChatFailure, failure, 'POST /api/v1/chat → 400');
      return c.json(failure, 400);
    } catch (err) {
      if (err instanceof ResponseContractError) throw err;
      const reason: unknown = scope.controller.signal.reason;
      if (scope.controller.signal.aborted && reason instanceof TotalTimeout) {
        metrics?.chatRequests.inc({ mode, outcome: 'timeout' });
        log.warn(
          { event: 'chat.failed', mode, reason: 'total_timeout' },
          'chat exceeded the total time limit',
        );
        throw new ApiError(504, timeoutMessage);
      }
      if (scope.controller.signal.aborted && reason instanceof ClientGone) {
        metrics?.chatRequests.inc({ mode, outcome: 'cancelled' });
        log.info({ event: 'chat.cancelled', mode }, 'client disconnected');
        return new Response(null, { status: 499 });
      }
      metrics?.chatRequests.inc({ mode, outcome: 'error' });
      log.error({ event: 'chat.failed', mode, reason: 'internal', err }, 'chat failed unexpectedly');
      return c.json({ detail: 'Internal server error', correlation_id: correlationId }, 500);
    } finally {
      scope.dispose();
    }
  });

  // The stream route writes straight to the Node response and returns the adapter's already-sent marker. Hono
  // copies a returned response when headers were prepared before it (streamHeaders reads them), and the copy
  // carries @hono/node-server's fast-path cache, which ignores the marker and writes the head a second time.
  // Reading `bodyUsed` drops that cache, so the adapter sees the marker.
  app.use('/api/v1/chat/stream', async (c, next) => {
    await next();
    if (c.res.headers.has(ALREADY_SENT_HEADER)) void c.res.bodyUsed;
  });

  app.post('/api/v1/chat/stream', async (c) => {
    const req = await readJsonBody(c, schema);
    const startedAt = performance.now();
    const correlationId = getCorrelationId(c);
    const log = c.get('log');
    const mode: Mode = req.retrieval_only ? 'retrieval_only' : 'stream';
    const scope = requestScope(deps, req, correlationId, c);
    const onCancel = () => scope.controller.abort(new ClientGone());
    const headers = streamHeaders(c, correlationId);
    const outgoing = nodeResponse(c);
    let sse: SseWriter;
    let response: Response;
    if (outgoing) {
      outgoing.writeHead(200, headers);
      outgoing.flushHeaders();
      sse = SseWriter.toNode(outgoing, onCancel);
      response = RESPONSE_ALREADY_SENT;
    } else {
      const web = SseWriter.toWebStream(onCancel);
      sse = web.writer;
      response = new Response(web.stream, { status: 200, headers });
    }
    sse.checkEvents = checks;
    metrics?.activeStreams.inc();

    const run = async () => {
      let heartbeat = null as Heartbeat | null;
      let tokens = 0;
      try {
        const outcome = await runChat(
          deps,
          {
            out: scope.out,
            log,
            streamModel: config.modelStreamingEnabled,
            startedAt,
            deadline: scope.deadline,
          },
          req,
          {
            retrievalStart: (n, selection) =>
              sse.send(
                'retrieval_start',
                selection ? { sources: n, source_selection: selection.summary } : { sources: n },
              ),
            sourceComplete: (r, score) =>
              sse.send('source_complete', {
                path: r.path,
                status: r.status,
                documents: r.documents.length,
                ...(score === undefined ? {} : { relevance_score: score }),
              }),
            rerankingStart: (n) => sse.send('reranking_start', { documents: n }),
            rerankingComplete: (n, t) => sse.send('reranking_complete', { documents: n, time_ms: t }),
            retrievalComplete: (n, t) => sse.send('retrieval_complete', { total_documents: n, time_ms: t }),
            generationStart: (model) => {
              sse.send('generation_start', { model });
              heartbeat = startHeartbeat(config.heartbeatIntervalMs, (elapsed) =>
                sse.send('generation_heartbeat', { elapsed_ms: elapsed }),
              );
            },
            delta: (text) => {
              heartbeat?.tokenSent();
              tokens += 1;
              sse.token(text);
            },
          },
        );
        heartbeat?.stop();
        metrics?.chatRequests.inc({ mode, outcome: outcomeLabel(outcome) });
        if (outcome.kind === 'ok') {
          if (outcome.generated && (!outcome.streamed || tokens === 0)) {
            sse.token(outcome.streamed ? '' : outcome.rawText);
            tokens += 1;
          }
          sse.sendJson(
            'done',
            buildDoneJson(
              {
                sources: outcome.sources,
                retrievalInfo: outcome.retrievalInfo,
                metadata: outcome.metadata,
                usage: outcome.usage,
                profitShare: outcome.citationRan ? outcome.profitShare : null,
                response: outcome.citationRan ? outcome.response : null,
                billing: outcome.billing,
              },
              config.doneSourceMaxChars,
            ),
          );
          logChatCompleted(log, mode, req, outcome, tokens);
          return;
        }
        const message =
          outcome.kind === 'access_denied' ? outcome.message : `Model generation failed: ${outcome.reason}`;
        log.warn({ event: 'chat.failed', mode, reason: outcome.kind, detail: message }, 'chat failed');
        sse.send('error', outcome.billing ? { message, billing: outcome.billing } : { message });
      } catch (err) {
        heartbeat?.stop();
        const reason: unknown = scope.controller.signal.reason;
        if (scope.controller.signal.aborted && reason instanceof ClientGone) {
          metrics?.chatRequests.inc({ mode, outcome: 'cancelled' });
          log.info({ event: 'chat.cancelled', mode, tokens_streamed: tokens }, 'client disconnected');
          return;
        }
        if (scope.controller.signal.aborted && reason instanceof TotalTimeout) {
          metrics?.chatRequests.inc({ mode, outcome: 'timeout' });
          log.warn(
            { event: 'chat.failed', mode, reason: 'total_timeout' },
            'chat exceeded the total time limit',
          );
          sse.send('error', { message: timeoutMessage });
          return;
        }
        metrics?.chatRequests.inc({ mode, outcome: 'error' });
        log.error({ event: 'chat.failed', mode, reason: 'internal', err }, 'chat failed unexpectedly');
        sse.send('error', { message: `Internal error (correlation id ${correlationId}).` });
      } finally {
        scope.dispose();
        sse.close();
        metrics?.activeStreams.dec();
      }
    };
    void run();
    return response;
  });
}
