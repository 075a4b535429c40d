import { z } from 'zod';

// aggregator.md §2–§4: the chat request, the JSON answer and every event of the stream. Deployment caps
// (prompt length, data sources, top_k) are applied by the aggregator on top of these shapes.

/** aggregator.md §3.1: history beyond these caps is dropped oldest first rather than refused. */
const MAX_HISTORY_ITEMS = 100;
const MAX_HISTORY_CHARS = 200_000;

const nullableString = z
  .string()
  .nullish()
  .transform((v) => v ?? null);

/** `EndpointRef` (§3.2): the model or a data source as the client names it. */
export const EndpointRef = z.object({
  url: z.string(),
  /** The bare slug, not `owner/slug`. */
  slug: z.string(),
  name: z
    .string()
    .nullish()
    .transform((v) => v ?? ''),
  tenant_name: nullableString,
  owner_username: nullableString,
  query_override: z
    .string()
    .max(2000)
    .nullish()
    .transform((v) => v ?? null),
});

export const ChatMessage = z.object({
  role: z.enum(['system', 'user', 'assistant']),
  content: z.string(),
});

/** Keeps the newest turns within the history caps. */
function trimHistory(messages: ChatMessage[]): ChatMessage[] {
  let start = Math.max(0, messages.length - MAX_HISTORY_ITEMS);
  let total = 0;
  for (let i = messages.length - 1; i >= start; i -= 1) {
    total += messages[i]!.content.length;
    if (total > MAX_HISTORY_CHARS) {
      start = i + 1;
      break;
    }
  }
  return start === 0 ? messages : messages.slice(start);
}

/**
 * `ChatRequest` (§3.1) as the wire carries it; unknown fields are ignored. The aggregator bounds `prompt`,
 * `data_sources` and `top_k` with its settings and fills the `top_k` default.
 */
export const ChatRequest = z.object({
  prompt: z.string().min(1),
  model: EndpointRef,
  data_sources: z
    .array(EndpointRef)
    .nullish()
    .transform((v) => v ?? []),
  /** Owner username → satellite token. */
  endpoint_tokens: z
    .record(z.string(), z.string())
    .nullish()
    .transform((v) => v ?? {}),
  /** Deprecated; accepted and ignored. */
  transaction_tokens: z.unknown().optional(),
  /** Accepted and never used (payments are out of scope). */
  user_token: z.string().nullish(),
  top_k: z.number().int().min(1).optional(),
  /** Ignored: the route decides. */
  stream: z.boolean().nullish(),
  max_tokens: z.number().int().min(1).max(32_768).default(1024),
  temperature: z.number().min(0).max(2).default(0.7),
  similarity_threshold: z.number().min(0).max(1).default(0.5),
  custom_system_prompt: z
    .string()
    .max(8000)
    .nullish()
    .transform((v) => v ?? null),
  messages: z
    .array(ChatMessage)
    .nullish()
    .transform((v) => trimHistory(v ?? [])),
  /** NATS fields of other hubs; accepted and ignored. */
  peer_token: z.string().nullish(),
  peer_channel: z.string().nullish(),
  retrieval_only: z
    .boolean()
    .nullish()
    .transform((v) => v ?? false),
  /**
   * Automatic source selection (§3.6 of the aggregator's README): with no `data_sources`, the aggregator asks the
   * hub's search for the data sources most relevant to the prompt that `user_token`'s holder may use.
   */
  auto_sources: z
    .boolean()
    .nullish()
    .transform((v) => v ?? false),
});

export const SOURCE_STATUSES = ['success', 'error', 'timeout', 'payment_failed', 'access_denied'] as const;
export const SourceStatus = z.enum(SOURCE_STATUSES);

/** One data source's outcome (§3.4). */
export const RetrievalInfo = z.object({
  path: z.string(),
  documents_retrieved: z.number().int(),
  status: SourceStatus,
  error_message: z.string().nullable(),
});

/** A document of `sources`, keyed by its title (§5.5). */
export const SourceDocument = z.object({ slug: z.string(), content: z.string() });

/** A satellite's policy entry, copied with the path it came from (§9); other keys pass through. */
export const BillingEntry = z.looseObject({
  source: z.string(),
  policy_type: z.string().optional(),
  kind: z.string().optional(),
  status: z.string().optional(),
  amount: z.union([z.number(), z.string()]).optional(),
  currency: z.string().optional(),
});

/** §9: totals only when every charged entry shares one currency. */
export const Billing = z.object({
  total_cost: z.number().nullable(),
  currency: z.string().nullable(),
  entries: z.array(BillingEntry),
});

/** The model's usage report, passed through as the satellite sent it. */
export const Usage = z.looseObject({
  prompt_tokens: z.number().optional(),
  completion_tokens: z.number().optional(),
  total_tokens: z.number().optional(),
});

/**
 * What automatic source selection did: `selected` (≥ 1 source chosen), `none_relevant` (the search found nothing
 * relevant enough), `no_search_terms` (the question has no word to search for: only stop words, emoji or
 * punctuation), `search_unavailable` (the hub's search failed or did not answer in time; `message` says which).
 */
export const SOURCE_SELECTION_STATUSES = [
  'selected',
  'none_relevant',
  'no_search_terms',
  'search_unavailable',
] as const;
export const SourceSelectionStatus = z.enum(SOURCE_SELECTION_STATUSES);

/** One automatically chosen data source and its search score (0–1, docs/search.md). */
export const SelectedSource = z.object({
  path: z.string(),
  name: z.string(),
  relevance_score: z.number(),
});

export const SourceSelection = z.object({
  status: SourceSelectionStatus,
  /** The chosen sources, best first; the order of the fan-out. */
  sources: z.array(SelectedSource),
  /** Why no source was chosen, in a sentence; null when some were. */
  message: z.string().nullable(),
  time_ms: z.number(),
});

export const ChatMetadata = z.object({
  /** Fan-out only, reranking excluded. */
  retrieval_time_ms: z.number(),
  generation_time_ms: z.number(),
  total_time_ms: z.number(),
  /** Present when the request asked for `auto_sources` and named no data source. */
  source_selection: SourceSelection.optional(),
});

const chatExample = {
  response: 'Clause 7 covers termination. [cite:1-0:28]',
  sources: {
    'ACME contract › Termination': { slug: 'alice/legal-docs', content: '7. Termination. Either party…' },
  },
  retrieval_info: [
    { path: 'alice/legal-docs', documents_retrieved: 3, status: 'success', error_message: null },
  ],
  metadata: { retrieval_time_ms: 412, generation_time_ms: 2210, total_time_ms: 2690 },
  usage: { prompt_tokens: 812, completion_tokens: 9, total_tokens: 821 },
  profit_share: { 'alice/legal-docs': 1.0 },
};

/** `POST /api/v1/chat` 200 (§3.4). */
export const ChatResponse = z
  .object({
    response: z.string(),
    sources: z.record(z.string(), SourceDocument),
    retrieval_info: z.array(RetrievalInfo),
    metadata: ChatMetadata,
    usage: Usage.nullable(),
    /** Path → share; null when the citation pipeline did not run. */
    profit_share: z.record(z.string(), z.number()).nullable(),
    billing: Billing.nullable(),
  })
  .meta({ examples: [{ ...chatExample, billing: null }] });

/** `POST /api/v1/chat` 400 (§3.5): generation failed or a data source denied access. */
export const ChatFailure = z.object({ detail: z.string(), billing: Billing.nullable() });

/** The `done` event (§4.4): absent parts are omitted, not null. */
export const DonePayload = z
  .object({
    sources: z.record(z.string(), SourceDocument),
    retrieval_info: z.array(RetrievalInfo),
    metadata: ChatMetadata,
    usage: Usage.optional(),
    profit_share: z.record(z.string(), z.number()).optional(),
    response: z.string().optional(),
    billing: Billing.optional(),
  })
  .meta({ examples: [chatExample] });

/** The data of every event the stream sends (§4.2), by event name. */
export const ChatStreamEvents = {
  /** `source_selection` as in `metadata`, when the sources were chosen automatically. */
  retrieval_start: z.object({ sources: z.number().int(), source_selection: SourceSelection.optional() }),
  /** `relevance_score`: the search score of an automatically chosen source. */
  source_complete: z.object({
    path: z.string(),
    status: SourceStatus,
    documents: z.number().int(),
    relevance_score: z.number().optional(),
  }),
  reranking_start: z.object({ documents: z.number().int() }),
  reranking_complete: z.object({ documents: z.number().int(), time_ms: z.number() }),
  retrieval_complete: z.object({ total_documents: z.number().int(), time_ms: z.number() }),
  generation_start: z.object({ model: z.string().optional() }),
  generation_heartbeat: z.object({ elapsed_ms: z.number() }),
  token: z.object({ content: z.string() }),
  done: DonePayload,
  error: z.object({ message: z.string(), billing: Billing.optional() }),
} as const;

export type ChatStreamEventName = keyof typeof ChatStreamEvents;

/** An event as a client sees it: its name as `type` and its data. */
export type ChatStreamEvent = {
  [K in ChatStreamEventName]: K extends 'done'
    ? { type: 'done'; payload: DonePayload }
    : { type: K } & z.infer<(typeof ChatStreamEvents)[K]>;
}[ChatStreamEventName];

/** The aggregator's `GET /health` (§2). */
export const AggregatorHealth = z.object({
  status: z.literal('healthy'),
  service: z.string(),
  version: z.string(),
});

/** The aggregator's `GET /ready` (§2): informational checks; 503 `{"status":"draining"}` while shutting down. */
export const AggregatorReady = z.union([
  z.object({
    status: z.literal('ready'),
    checks: z.object({
      reranker: z.enum(['bm25', 'embedding', 'none']),
      embeddings_api: z.enum(['ok', 'error', 'not_configured']),
      redis: z.enum(['ok', 'error', 'disabled']),
      /** The NATS tunnel (tunnelling.md §8.4); informational, chats with HTTP endpoints work without it. */
      nats: z.enum(['ok', 'error', 'disabled']),
    }),
  }),
  z.object({ status: z.literal('draining') }),
]);

/** The JSON the query page embeds (§11). */
export const QueryPageResult = z.object({
  query: z.string(),
  model: z.string().nullable(),
  data_sources: z.array(z.string()),
  answer: z.string().nullable(),
  sources: z.record(z.string(), SourceDocument).nullable(),
  error: z.string().nullable(),
});

export type EndpointRefInput = z.input<typeof EndpointRef>;
export type EndpointRef = z.output<typeof EndpointRef>;
export type ChatMessage = z.infer<typeof ChatMessage>;
/** What a client sends. */
export type ChatRequestInput = z.input<typeof ChatRequest>;
export type SourceStatus = z.infer<typeof SourceStatus>;
export type RetrievalInfo = z.infer<typeof RetrievalInfo>;
export type SourceDocument = z.infer<typeof SourceDocument>;
export type BillingEntry = z.infer<typeof BillingEntry>;
export type Billing = z.infer<typeof Billing>;
export type Usage = z.infer<typeof Usage>;
export type ChatMetadata = z.infer<typeof ChatMetadata>;
export type SourceSelectionStatus = z.infer<typeof SourceSelectionStatus>;
export type SelectedSource = z.infer<typeof SelectedSource>;
export type SourceSelection = z.infer<typeof SourceSelection>;
export type ChatResponse = z.infer<typeof ChatResponse>;
export type ChatFailure = z.infer<typeof ChatFailure>;
export type DonePayload = z.infer<typeof DonePayload>;
export type AggregatorHealth = z.infer<typeof AggregatorHealth>;
export type AggregatorReady = z.infer<typeof AggregatorReady>;
export type QueryPageResult = z.infer<typeof QueryPageResult>;
