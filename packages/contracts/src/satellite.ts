import { z } from 'zod';
import { ChatMessage, Usage } from './chat';
import { JsonObject } from './common';

// satellite-protocol.md §2–§3: `POST {base}/api/v1/endpoints/{slug}/query`, as any satellite answers it.

/** §8.5: at most 200 messages per request. */
export const MAX_QUERY_MESSAGES = 200;

const messageList = z.array(ChatMessage).min(1).max(MAX_QUERY_MESSAGES);

/**
 * Data-source request (§2.2). `messages` is the retrieval query as a string; a message list (as models take) is
 * accepted too and read as its last user turn. Nulls mean "default", as some SDKs send them for unset options.
 */
export const DataSourceQuery = z.object({
  messages: z.union([z.string(), messageList]),
  limit: z
    .number()
    .int()
    .min(1)
    .max(100)
    .nullish()
    .transform((v) => v ?? 5),
  similarity_threshold: z
    .number()
    .min(0)
    .max(1)
    .nullish()
    .transform((v) => v ?? 0),
  include_metadata: z
    .boolean()
    .nullish()
    .transform((v) => v ?? true),
});

/** Model request (§2.3). */
export const ModelQuery = z.object({
  messages: messageList,
  max_tokens: z
    .number()
    .int()
    .min(1)
    .nullish()
    .transform((v) => v ?? 1024),
  temperature: z
    .number()
    .min(0)
    .max(2)
    .nullish()
    .transform((v) => v ?? 0.7),
  stream: z
    .boolean()
    .nullish()
    .transform((v) => v ?? false),
  stop_sequences: z
    .array(z.string())
    .max(16)
    .nullish()
    .transform((v) => v ?? []),
});

/** The retrieval query of a data-source request: the string, or the last user turn of a message list. */
export function retrievalQuery(messages: DataSourceQuery['messages']): string {
  if (typeof messages === 'string') return messages;
  const lastUser = [...messages].reverse().find((m) => m.role === 'user');
  return (lastUser ?? messages.at(-1))?.content ?? '';
}

/** One entry of `policy_metadata.entries` (§2.4). */
export const PolicyEntry = z.looseObject({
  policy_type: z.string(),
  kind: z.enum(['payment', 'access', 'transform', 'rate_limit']),
  status: z.enum(['charged', 'refunded', 'free', 'rejected', 'applied', 'skipped']),
  amount: z.union([z.number(), z.string()]).optional(),
  currency: z.string().optional(),
  reason_code: z.string().optional(),
  reason: z.string().optional(),
  details: JsonObject.optional(),
});

/** What the satellite's policies did (§2.4); also sent on error responses a policy caused. */
export const PolicyMetadata = z.object({
  outcome: z.enum(['success', 'payment_required', 'access_denied', 'rate_limited', 'policy_violation']),
  entries: z.array(PolicyEntry),
});

/** A model's answer (`summary`, §2.4). */
export const ModelSummary = z.object({
  id: z.string(),
  model: z.string(),
  message: z.object({
    role: z.literal('assistant'),
    content: z.string(),
    tokens: z.number().int().nullable(),
  }),
  finish_reason: z.string().nullable(),
  usage: Usage.nullable(),
  provider_info: JsonObject,
});

/** A retrieved document (`references.documents[]`, §2.4); `metadata.title` names it in citations. */
export const SatelliteDocument = z.object({
  document_id: z.string(),
  content: z.string(),
  metadata: JsonObject,
  similarity_score: z.number(),
});

/** The JSON answer of the query route (§2.4): models fill `summary`, data sources `references`. */
export const SatelliteResponse = z.object({
  summary: ModelSummary.nullable(),
  references: z.object({ documents: z.array(SatelliteDocument), provider_info: JsonObject }).nullable(),
  cost: z.number().optional(),
  currency: z.string().optional(),
  policy_metadata: PolicyMetadata.optional(),
});

/** An error answer (§3): the error envelope, with `policy_metadata` when a policy refused. */
export const SatelliteError = z.looseObject({
  detail: z.unknown(),
  policy_metadata: PolicyMetadata.optional(),
});

export type DataSourceQuery = z.output<typeof DataSourceQuery>;
export type ModelQuery = z.output<typeof ModelQuery>;
export type PolicyEntry = z.infer<typeof PolicyEntry>;
export type PolicyMetadata = z.infer<typeof PolicyMetadata>;
export type ModelSummary = z.infer<typeof ModelSummary>;
export type SatelliteDocument = z.infer<typeof SatelliteDocument>;
export type SatelliteResponse = z.infer<typeof SatelliteResponse>;
