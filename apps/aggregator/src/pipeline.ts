import type { Logger } from 'pino';
import { buildBilling, type PolicySource } from './billing';
import { logReranked, logSourceCompleted } from './chat-log';
import { annotateCitations } from './citations';
import { classifyUrl, dedupeSources, endpointPath, tokenLookup } from './endpoints';
import type { AggregatorConfig } from './env';
import { GenerationError, generate, modelPayload } from './generation';
import type { AggregatorMetrics } from './metrics';
import type { Outbound } from './outbound';
import { buildMessages, titleOf } from './prompt';
import type { Reranker } from './rerank';
import { aggregateDocuments, fanOut, type SatelliteFailure } from './retrieval';
import type { ChatRequest } from './schema';
import { mintTokens, type SelectionResult, selectionNotice, selectSources } from './selection';
import type {
  Billing,
  EndpointRef,
  RetrievalInfo,
  RetrievedDocument,
  SourceEntry,
  SourceResult,
  SourceSelection,
  Usage,
} from './types';

export interface ChatDeps {
  config: AggregatorConfig;
  reranker: Reranker;
  metrics: AggregatorMetrics | null;
  reportFailure: ((failure: SatelliteFailure, correlationId: string) => void) | null;
}

export interface ChatContext {
  out: Outbound;
  log: Logger;
  /** The stream route asks the model to stream; the JSON route does not. */
  streamModel: boolean;
  /** `performance.now()` when the request arrived. */
  startedAt: number;
  /** Epoch ms after which no retry is started (the total deadline). */
  deadline: number;
}

/** Progress callbacks, in the order of aggregator.md §4.3; the stream route turns them into events. */
export interface PipelineHooks {
  /** `selection` when the sources were chosen automatically. */
  retrievalStart?(sources: number, selection: SelectionResult | null): void;
  sourceComplete?(result: SourceResult, relevanceScore: number | undefined): void;
  rerankingStart?(documents: number): void;
  rerankingComplete?(documents: number, timeMs: number): void;
  retrievalComplete?(documents: number, timeMs: number): void;
  generationStart?(model: string): void;
  /** A piece of a streamed answer, forwarded as soon as the model sent it. */
  delta?(text: string): void;
}

export interface ChatMetadata {
  retrieval_time_ms: number;
  generation_time_ms: number;
  total_time_ms: number;
  source_selection?: SourceSelection;
}

export interface ChatSuccess {
  kind: 'ok';
  /**
   * Annotated when the citation pipeline ran, else the raw answer; `''` for retrieval-only. Opens with the
   * selection notice when automatic selection chose nothing.
   */
  response: string;
  /** The model's answer only (the notice went out as its own `delta`). */
  rawText: string;
  /** True when every piece of `rawText` already went through `delta`. */
  streamed: boolean;
  generated: boolean;
  citationRan: boolean;
  sources: Record<string, SourceEntry>;
  retrievalInfo: RetrievalInfo[];
  metadata: ChatMetadata;
  usage: Usage | null;
  profitShare: Record<string, number> | null;
  billing: Billing | null;
  documents: number;
  /** Data sources queried (requested or chosen). */
  sourceCount: number;
}

export interface ChatAccessDenied {
  kind: 'access_denied';
  message: string;
  billing: Billing | null;
}

export interface ChatGenerationFailed {
  kind: 'generation_failed';
  reason: string;
  billing: Billing | null;
}

export type ChatOutcome = ChatSuccess | ChatAccessDenied | ChatGenerationFailed;

const ACCESS_DENIED_PREFIX = 'Access denied: ';

/** `sources` of §5.5: prompt documents in prompt order, keyed by unique titles. */
export function buildSourceMap(documents: readonly RetrievedDocument[]): Record<string, SourceEntry> {
  const sources: Record<string, SourceEntry> = {};
  for (const doc of documents) {
    const base = titleOf(doc) ?? `Document from ${doc.path}`;
    let title = base;
    for (let n = 2; Object.hasOwn(sources, title); n += 1) title = `${base} (${n})`;
    sources[title] = { slug: doc.path, content: doc.content };
  }
  return sources;
}

function retrievalInfoOf(results: readonly SourceResult[]): RetrievalInfo[] {
  return results.map((r) => ({
    path: r.path,
    documents_retrieved: r.documents.length,
    status: r.status,
    error_message: r.errorMessage,
  }));
}

/** §4.5: names the refusing sources, tells the user what to do, then quotes each satellite. */
export function accessDeniedMessage(denied: readonly SourceResult[]): string {
  const paths = denied.map((r) => r.path).join(', ');
  const details = denied
    .map((r) => {
      const message = r.errorMessage ?? '';
      return `${r.path}: ${message.startsWith(ACCESS_DENIED_PREFIX) ? message.slice(ACCESS_DENIED_PREFIX.length) : message}`;
    })
    .join('; ');
  return (
    `Data source access denied for: ${paths}. ` +
    "Remove these data sources from your request, or satisfy the publisher's access policy and try again. " +
    `Details — ${details}`
  );
}

const elapsed = (since: number) => Math.round(performance.now() - since);

interface RetrievalSummary {
  timeMs: number;
  info: RetrievalInfo[];
  policySources: PolicySource[];
  denied: SourceResult[];
  /** Every successful document, aggregated; emptied once the prompt's documents are chosen. */
  documents: RetrievedDocument[];
}

/** Fan-out plus the summaries later steps need; the raw results do not outlive this function. */
async function retrieve(
  deps: ChatDeps,
  ctx: ChatContext,
  req: ChatRequest,
  sources: EndpointRef[],
  hooks: PipelineHooks,
  scores: ReadonlyMap<string, number> | null,
): Promise<RetrievalSummary> {
  const { config, metrics } = deps;
  const { out, log } = ctx;
  const fan = await fanOut({
    out,
    settings: {
      attemptTimeoutMs: config.retrievalTimeoutMs,
      phaseTimeoutMs: config.retrievalPhaseTimeoutMs,
      retryMax: config.retryMax,
      retryBaseDelayMs: config.retryBaseDelayMs,
      maxResponseBytes: config.maxResponseBytes,
      tunnelTimeoutMs: config.nats?.tunnelTimeoutMs ?? config.retrievalTimeoutMs,
    },
    query: { prompt: req.prompt, topK: req.top_k, similarityThreshold: req.similarity_threshold },
    sources,
    onComplete: (result) => {
      logSourceCompleted(log, result);
      metrics?.sourceRequests.inc({ status: result.status });
      metrics?.sourceDuration.observe({ status: result.status }, result.latencyMs / 1000);
      hooks.sourceComplete?.(result, scores?.get(result.path));
    },
    onFailure: deps.reportFailure ? (failure) => deps.reportFailure?.(failure, out.correlationId) : undefined,
  });
  return {
    timeMs: fan.timeMs,
    info: retrievalInfoOf(fan.results),
    policySources: fan.results.map((r) => ({ path: r.path, policyMetadata: r.policyMetadata })),
    denied: fan.results.filter((r) => r.status === 'access_denied'),
    documents: aggregateDocuments(fan.results),
  };
}

/** §6: the prompt's documents, numbered when a reranker ordered them. */
async function rank(
  deps: ChatDeps,
  ctx: ChatContext,
  req: ChatRequest,
  aggregated: RetrievedDocument[],
  hooks: PipelineHooks,
): Promise<{ documents: RetrievedDocument[]; numbered: boolean }> {
  const { reranker, metrics } = deps;
  const { out, log } = ctx;
  if (req.data_sources.length === 0 || aggregated.length === 0 || reranker.kind === 'none') {
    return { documents: aggregated, numbered: false };
  }
  hooks.rerankingStart?.(aggregated.length);
  const started = performance.now();
  let result = { documents: aggregated, numbered: false };
  try {
    const ranked = await reranker.rerank({
      query: req.prompt,
      documents: aggregated,
      keep: req.retrieval_only ? null : req.top_k,
      signal: out.signal,
      correlationId: out.correlationId,
      log,
    });
    result = { documents: ranked.documents, numbered: true };
    const timeMs = elapsed(started);
    metrics?.rerankDuration.observe({ reranker: ranked.used }, timeMs / 1000);
    logReranked(log, { reranker: ranked.used, in: aggregated.length, out: ranked.documents.length, timeMs });
  } catch (err) {
    out.signal.throwIfAborted();
    log.error({ event: 'reranker.fallback', from: reranker.kind, to: 'none', err }, 'reranker failed');
  }
  hooks.rerankingComplete?.(result.documents.length, elapsed(started));
  return result;
}

function logSelection(ctx: ChatContext, selection: SelectionResult): void {
  ctx.log.info(
    {
      event: 'chat.sources.selected',
      status: selection.summary.status,
      sources: selection.summary.sources.map((source) => source.path),
      time_ms: selection.summary.time_ms,
    },
    'data sources chosen automatically',
  );
}

/** One chat request through retrieval, reranking, prompt building and generation (aggregator.md §10). */
export async function runChat(
  deps: ChatDeps,
  ctx: ChatContext,
  asked: ChatRequest,
  hooks: PipelineHooks = {},
): Promise<ChatOutcome> {
  const { config, metrics } = deps;
  let { out } = ctx;
  let req = asked;
  let selection: SelectionResult | null = null;
  if (asked.auto_sources && asked.data_sources.length === 0) {
    selection = await selectSources(config, {
      prompt: asked.prompt,
      userToken: asked.user_token,
      tunnels: out.tunnel !== null,
      signal: out.signal,
      correlationId: out.correlationId,
    });
    logSelection(ctx, selection);
    req = { ...asked, data_sources: selection.refs };
    // The client could not mint tokens for sources it did not know; the model's owner is included so a caller
    // that sends nothing but a question and a model gets an answer too.
    const given = out.tokenFor;
    const owners = new Set<string>();
    for (const ref of [asked.retrieval_only ? null : asked.model, ...selection.refs]) {
      const owner = ref?.owner_username;
      if (owner && given(owner) === undefined) owners.add(owner.toLowerCase());
    }
    const minted = tokenLookup(
      await mintTokens(config, [...owners], asked.user_token, out.signal, out.correlationId),
    );
    out = { ...out, tokenFor: (owner) => given(owner) ?? minted(owner) };
    ctx = { ...ctx, out };
  }
  const notice = selection ? selectionNotice(selection.summary) : null;
  const withSelection = <T extends object>(metadata: T) =>
    selection ? { ...metadata, source_selection: selection.summary } : metadata;
  const sources = dedupeSources(req.data_sources);
  hooks.retrievalStart?.(sources.length, selection);
  const retrieval = await retrieve(deps, ctx, req, sources, hooks, selection?.scores ?? null);
  const { info: retrievalInfo, policySources, timeMs: retrievalTimeMs } = retrieval;
  if (retrieval.denied.length > 0 && !req.retrieval_only) {
    return {
      kind: 'access_denied',
      message: accessDeniedMessage(retrieval.denied),
      billing: buildBilling(policySources),
    };
  }
  const { documents: promptDocs, numbered } = await rank(deps, ctx, req, retrieval.documents, hooks);
  // A stream holds this frame for as long as the model talks; documents that did not make the prompt go now.
  retrieval.documents = [];
  out.signal.throwIfAborted();
  hooks.retrievalComplete?.(promptDocs.length, retrievalTimeMs);
  const sourceMapByTitle = buildSourceMap(promptDocs);

  if (req.retrieval_only) {
    return {
      kind: 'ok',
      response: '',
      rawText: '',
      streamed: false,
      generated: false,
      citationRan: false,
      sources: sourceMapByTitle,
      retrievalInfo,
      metadata: withSelection({
        retrieval_time_ms: retrievalTimeMs,
        generation_time_ms: 0,
        total_time_ms: elapsed(ctx.startedAt),
      }),
      usage: null,
      profitShare: null,
      billing: buildBilling(policySources),
      documents: promptDocs.length,
      sourceCount: sources.length,
    };
  }

  const modelPath = endpointPath(req.model);
  hooks.generationStart?.(modelPath);
  const prefix = notice ? `${notice}\n\n` : '';
  if (prefix) hooks.delta?.(prefix);
  const genStarted = performance.now();
  let answer: Awaited<ReturnType<typeof generate>>;
  const payload = modelPayload(
    buildMessages({
      prompt: req.prompt,
      customSystemPrompt: req.custom_system_prompt,
      history: req.messages,
      dataSourcesRequested: sources.length > 0,
      documents: promptDocs,
      numbered,
    }),
    req.max_tokens,
    req.temperature,
    ctx.streamModel,
  );
  try {
    answer = await generate(
      out,
      {
        timeoutMs: config.generationTimeoutMs,
        idleTimeoutMs: config.streamIdleTimeoutMs,
        retryMax: config.retryMax,
        retryBaseDelayMs: config.retryBaseDelayMs,
        maxResponseBytes: config.maxResponseBytes,
        deadline: ctx.deadline,
        tunnelTimeoutMs: config.nats?.tunnelTimeoutMs ?? config.generationTimeoutMs,
      },
      {
        model: req.model,
        stream: ctx.streamModel,
        // The tunnel seals the value itself; only HTTP needs the serialised body.
        body: classifyUrl(req.model.url) === 'http' ? JSON.stringify(payload) : '',
        payload,
      },
      (text) => hooks.delta?.(text),
    );
  } catch (err) {
    if (!(err instanceof GenerationError)) throw err;
    metrics?.generationDuration.observe({ outcome: 'error' }, (performance.now() - genStarted) / 1000);
    if (deps.reportFailure && err.reportable) {
      deps.reportFailure(
        {
          kind: 'model',
          path: modelPath,
          url: req.model.url,
          statusCode: err.statusCode,
          message: err.reason,
        },
        out.correlationId,
      );
    }
    return {
      kind: 'generation_failed',
      reason: err.reason,
      billing: buildBilling([...policySources, { path: modelPath, policyMetadata: err.policyMetadata }]),
    };
  }
  const generationMs = elapsed(genStarted);
  metrics?.generationDuration.observe({ outcome: 'success' }, generationMs / 1000);

  const citationRan = numbered && promptDocs.length > 0;
  let response = prefix + answer.text;
  let profitShare: Record<string, number> | null = null;
  if (citationRan) {
    const numberToPath = new Map<number, string>();
    for (const [i, doc] of promptDocs.entries()) numberToPath.set(i + 1, doc.path);
    const citations = annotateCitations(answer.text, numberToPath);
    response = citations.annotated;
    profitShare = citations.profitShare;
  }
  return {
    kind: 'ok',
    response,
    rawText: answer.text,
    streamed: answer.streamed,
    generated: true,
    citationRan,
    sources: sourceMapByTitle,
    retrievalInfo,
    metadata: withSelection({
      retrieval_time_ms: retrievalTimeMs,
      generation_time_ms: generationMs,
      total_time_ms: elapsed(ctx.startedAt),
    }),
    usage: answer.usage,
    profitShare,
    billing: buildBilling([...policySources, { path: modelPath, policyMetadata: answer.policyMetadata }]),
    documents: promptDocs.length,
    sourceCount: sources.length,
  };
}
