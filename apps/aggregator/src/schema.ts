import { z } from 'zod';
import { classifyUrl } from './endpoints';
import type { AggregatorConfig } from './env';
import type { ChatMessage, EndpointRef } from './types';

const MAX_HISTORY_ITEMS = 100;
const MAX_HISTORY_CHARS = 200_000;

const nullableString = z
  .string()
  .nullish()
  .transform((v) => v ?? null);

const endpointRef = z.object({
  url: z.string(),
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

const message = z.object({
  role: z.enum(['system', 'user', 'assistant']),
  content: z.string(),
});

/** Keeps the newest turns within the history caps; older turns are dropped rather than refused. */
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

export interface ChatRequest {
  prompt: string;
  model: EndpointRef;
  data_sources: EndpointRef[];
  endpoint_tokens: Record<string, string>;
  top_k: number;
  max_tokens: number;
  temperature: number;
  similarity_threshold: number;
  custom_system_prompt: string | null;
  messages: ChatMessage[];
  retrieval_only: boolean;
}

/** The exact `ChatRequest` of aggregator.md §3.1 with this deployment's caps; unknown fields are ignored. */
export function createChatRequestSchema(config: AggregatorConfig) {
  return z
    .object({
      prompt: z.string().min(1).max(config.maxPromptChars),
      model: endpointRef,
      data_sources: z
        .array(endpointRef)
        .max(config.maxDataSources)
        .nullish()
        .transform((v) => v ?? []),
      endpoint_tokens: z
        .record(z.string(), z.string())
        .nullish()
        .transform((v) => v ?? {}),
      transaction_tokens: z.unknown().optional(),
      user_token: z.string().nullish(),
      top_k: z.number().int().min(1).max(config.maxTopK).default(config.defaultTopK),
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
        .array(message)
        .nullish()
        .transform((v) => trimHistory(v ?? [])),
      peer_token: z.string().nullish(),
      peer_channel: z.string().nullish(),
      retrieval_only: z
        .boolean()
        .nullish()
        .transform((v) => v ?? false),
    })
    .superRefine((req, ctx) => {
      if (req.retrieval_only) return;
      const kind = classifyUrl(req.model.url);
      if (kind === 'invalid') {
        ctx.addIssue({
          code: 'custom',
          path: ['model', 'url'],
          message: 'model.url must be an http(s) or tunneling: URL when generation is requested',
          input: req.model.url,
        });
      }
      if (req.model.slug === '') {
        ctx.addIssue({
          code: 'custom',
          path: ['model', 'slug'],
          message: 'model.slug must not be empty when generation is requested',
          input: req.model.slug,
        });
      }
    })
    .transform(
      (req): ChatRequest => ({
        prompt: req.prompt,
        model: req.model,
        data_sources: req.data_sources,
        endpoint_tokens: req.endpoint_tokens,
        top_k: req.top_k,
        max_tokens: req.max_tokens,
        temperature: req.temperature,
        similarity_threshold: req.similarity_threshold,
        custom_system_prompt: req.custom_system_prompt,
        messages: req.messages,
        retrieval_only: req.retrieval_only,
      }),
    );
}

export type ChatRequestSchema = ReturnType<typeof createChatRequestSchema>;
