import type { ChatMessage, ModelSummary } from '@syfthub/contracts';

export type { ChatMessage, ModelSummary };

/** What this satellite's models report: every count (the protocol's `usage` leaves them optional). */
export type Usage = {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
};

export interface ModelRequest {
  messages: ChatMessage[];
  maxTokens: number;
  temperature: number;
  stream: boolean;
  stopSequences: string[];
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
