import { ChatRequest as ChatRequestWire, EndpointRef as EndpointRefWire } from '@syfthub/contracts';
import { z } from 'zod';
import { classifyUrl } from './endpoints';
import type { AggregatorConfig } from './env';
import type { ChatMessage, EndpointRef } from './types';

/** A validated request, normalised: defaults filled, ignored fields dropped. */
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
  /** Choose data sources with the hub's search when `data_sources` is empty (README "Automatic source selection"). */
  auto_sources: boolean;
  /** The caller's hub token: sent only to the hub, for automatic selection; never to satellites, never logged. */
  user_token: string | null;
}

/** The `ChatRequest` of aggregator.md §3.1 (from the contract) with this deployment's caps. */
export function createChatRequestSchema(config: AggregatorConfig) {
  return ChatRequestWire.extend({
    prompt: z.string().min(1).max(config.maxPromptChars),
    data_sources: z
      .array(EndpointRefWire)
      .max(config.maxDataSources)
      .nullish()
      .transform((v) => v ?? []),
    top_k: z.number().int().min(1).max(config.maxTopK).default(config.defaultTopK),
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
        auto_sources: req.auto_sources,
        user_token: req.user_token ?? null,
      }),
    );
}

export type ChatRequestSchema = ReturnType<typeof createChatRequestSchema>;
