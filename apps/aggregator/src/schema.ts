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
  const schema = zodChatRequestSchema(config);
  // Every chat is validated, and zod's generic walk was a visible share of a chat's CPU: the everyday shapes take
  // the hand-written path, anything else (including every invalid request and its 422) goes through zod.
  const zodSafeParse = schema.safeParse.bind(schema);
  schema.safeParse = (data, params) => {
    const fast = fastChatRequest(data, config);
    return fast ? { success: true, data: fast } : zodSafeParse(data, params);
  };
  return schema;
}

/** The zod schema alone, without the fast path (tests compare the two). */
export function zodChatRequestSchema(config: AggregatorConfig) {
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

type Plain = Record<string, unknown>;

const isPlain = (value: unknown): value is Plain =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** `z.string().nullish()` read as the contract's transforms do; `undefined` for a value the schema would refuse. */
function optionalText(value: unknown, fallback: string | null, max = Number.POSITIVE_INFINITY) {
  if (value === undefined || value === null) return fallback;
  return typeof value === 'string' && value.length <= max ? value : undefined;
}

function optionalNumber(value: unknown, fallback: number, min: number, max: number, integer: boolean) {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) return undefined;
  return integer && !Number.isSafeInteger(value) ? undefined : value;
}

function optionalFlag(value: unknown): boolean | undefined {
  if (value === undefined || value === null) return false;
  return typeof value === 'boolean' ? value : undefined;
}

const QUERY_OVERRIDE_MAX = 2000;
const SYSTEM_PROMPT_MAX = 8000;
const MAX_TOKENS_MAX = 32_768;
const HISTORY_ITEMS_MAX = 100;
const HISTORY_CHARS_MAX = 200_000;
const ROLES: ReadonlySet<unknown> = new Set(['system', 'user', 'assistant']);

function fastRef(value: unknown): EndpointRef | null {
  if (!isPlain(value) || typeof value.url !== 'string' || typeof value.slug !== 'string') return null;
  const name = optionalText(value.name, '');
  const tenant = optionalText(value.tenant_name, null);
  const owner = optionalText(value.owner_username, null);
  const override = optionalText(value.query_override, null, QUERY_OVERRIDE_MAX);
  if (name === undefined || tenant === undefined || owner === undefined || override === undefined)
    return null;
  return {
    url: value.url,
    slug: value.slug,
    name: name ?? '',
    tenant_name: tenant,
    owner_username: owner,
    query_override: override,
  };
}

/**
 * The schema's answer for the requests clients send every day, without zod: null for anything else (an
 * invalid request, an unusual field, a history over its caps), which zod then validates and words the 422 for.
 * Whatever this accepts, zod accepts with the same result (test/fast-schema.test.ts compares them).
 */
export function fastChatRequest(data: unknown, config: AggregatorConfig): ChatRequest | null {
  if (!isPlain(data)) return null;
  const { prompt } = data;
  if (typeof prompt !== 'string' || prompt.length < 1 || prompt.length > config.maxPromptChars) return null;
  const model = fastRef(data.model);
  if (!model) return null;
  const dataSources: EndpointRef[] = [];
  if (data.data_sources !== undefined && data.data_sources !== null) {
    if (!Array.isArray(data.data_sources) || data.data_sources.length > config.maxDataSources) return null;
    for (const item of data.data_sources) {
      const ref = fastRef(item);
      if (!ref) return null;
      dataSources.push(ref);
    }
  }
  let tokens: Record<string, string> = {};
  if (data.endpoint_tokens !== undefined && data.endpoint_tokens !== null) {
    if (!isPlain(data.endpoint_tokens)) return null;
    tokens = {};
    for (const owner of Object.keys(data.endpoint_tokens)) {
      const token = data.endpoint_tokens[owner];
      // `__proto__` would set the copy's prototype rather than a key.
      if (typeof token !== 'string' || owner === '__proto__') return null;
      tokens[owner] = token;
    }
  }
  const messages: ChatMessage[] = [];
  if (data.messages !== undefined && data.messages !== null) {
    if (!Array.isArray(data.messages) || data.messages.length > HISTORY_ITEMS_MAX) return null;
    let chars = 0;
    for (const item of data.messages) {
      if (!isPlain(item) || !ROLES.has(item.role) || typeof item.content !== 'string') return null;
      chars += item.content.length;
      messages.push({ role: item.role as ChatMessage['role'], content: item.content });
    }
    // Over the history caps the contract trims; zod does that.
    if (chars > HISTORY_CHARS_MAX) return null;
  }
  const userToken = optionalText(data.user_token, null);
  const topK = optionalNumber(data.top_k, config.defaultTopK, 1, config.maxTopK, true);
  const maxTokens = optionalNumber(data.max_tokens, 1024, 1, MAX_TOKENS_MAX, true);
  const temperature = optionalNumber(data.temperature, 0.7, 0, 2, false);
  const threshold = optionalNumber(data.similarity_threshold, 0.5, 0, 1, false);
  const systemPrompt = optionalText(data.custom_system_prompt, null, SYSTEM_PROMPT_MAX);
  const retrievalOnly = optionalFlag(data.retrieval_only);
  const autoSources = optionalFlag(data.auto_sources);
  if (
    userToken === undefined ||
    topK === undefined ||
    maxTokens === undefined ||
    temperature === undefined ||
    threshold === undefined ||
    systemPrompt === undefined ||
    retrievalOnly === undefined ||
    autoSources === undefined ||
    optionalFlag(data.stream) === undefined ||
    optionalText(data.peer_token, null) === undefined ||
    optionalText(data.peer_channel, null) === undefined
  ) {
    return null;
  }
  if (!retrievalOnly && (model.slug === '' || classifyUrl(model.url) === 'invalid')) return null;
  return {
    prompt,
    model,
    data_sources: dataSources,
    endpoint_tokens: tokens,
    top_k: topK,
    max_tokens: maxTokens,
    temperature,
    similarity_threshold: threshold,
    custom_system_prompt: systemPrompt,
    messages,
    retrieval_only: retrievalOnly,
    auto_sources: autoSources,
    user_token: userToken,
  };
}
