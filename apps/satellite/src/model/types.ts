export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ModelRequest {
  messages: ChatMessage[];
  maxTokens: number;
  temperature: number;
  stream: boolean;
  stopSequences: string[];
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** The `summary` of satellite-protocol.md §2.4. */
export interface ModelSummary {
  id: string;
  model: string;
  message: { role: 'assistant'; content: string; tokens: number | null };
  finish_reason: string | null;
  usage: Usage | null;
  provider_info: Record<string, unknown>;
}

/**
 * A model answer: a whole summary, or a stream of chunk payloads (each one JSON document, written as one SSE
 * `data:` line; the route adds the closing `[DONE]`).
 */
export type ModelResult =
  | { kind: 'json'; summary: ModelSummary }
  | { kind: 'stream'; chunks: AsyncIterable<string> };

export interface ModelCallContext {
  correlationId: string;
  /** Aborted when the caller disconnects. */
  signal: AbortSignal;
}

export interface ModelBackend {
  readonly mode: 'proxy' | 'demo';
  respond(request: ModelRequest, context: ModelCallContext): Promise<ModelResult>;
  /** Whether the model can answer, checking again when the last result is stale; cheap to call often. */
  isHealthy(): Promise<boolean>;
  /** The last known answer of {@link isHealthy}, or null before the first check. */
  lastHealth(): boolean | null;
}

export function countWords(text: string): number {
  const words = text.match(/\S+/g);
  return words === null ? 0 : words.length;
}
