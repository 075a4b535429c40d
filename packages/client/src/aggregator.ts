import type { ChatRequestInput as ChatRequest, ChatResponse, ChatStreamEvent } from '@syfthub/contracts';
import { ApiError, apiErrorFromResponse } from './errors';
import { buildUrl } from './http';
import { newCorrelationId } from './ids';
import { parseSse, toChatEvent } from './sse';

export interface AggregatorClientOptions {
  /** Aggregator API base, e.g. `/aggregator/api/v1` or `https://agg.example.com/api/v1`. */
  baseUrl: string;
  fetch?: typeof fetch;
  newCorrelationId?: () => string;
}

export interface StreamOptions {
  signal?: AbortSignal;
  /** Receives the request's correlation id before the first event, so a failure can quote it. */
  onCorrelationId?: (id: string) => void;
}

/**
 * The aggregator needs no hub credentials (aggregator.md §3.6): access to satellites travels in
 * `endpoint_tokens`, which the caller mints first.
 */
export function createAggregatorClient(options: AggregatorClientOptions) {
  const doFetch: typeof fetch = (input, init) => (options.fetch ?? globalThis.fetch)(input, init);
  const makeId = options.newCorrelationId ?? newCorrelationId;

  async function post(path: string, body: ChatRequest, accept: string, streamOptions: StreamOptions) {
    const id = makeId();
    streamOptions.onCorrelationId?.(id);
    const init: RequestInit = {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: accept, 'X-Correlation-ID': id },
      body: JSON.stringify(body),
    };
    if (streamOptions.signal) init.signal = streamOptions.signal;
    let response: Response;
    try {
      response = await doFetch(buildUrl(options.baseUrl, path), init);
    } catch (error) {
      if ((error as { name?: unknown })?.name === 'AbortError') throw error;
      throw new ApiError({ status: 0, correlationId: id, cause: error });
    }
    if (!response.ok) throw await apiErrorFromResponse(response, id);
    return { response, id };
  }

  return {
    async chat(request: ChatRequest, streamOptions: StreamOptions = {}): Promise<ChatResponse> {
      const { response } = await post('/chat', request, 'application/json', streamOptions);
      return (await response.json()) as ChatResponse;
    },

    /**
     * `POST /chat/stream`; yields the typed events in order. Rejects with an ApiError when the request is refused
     * before the stream starts (422, 429, …); an abort rejects with the platform's `AbortError`.
     */
    async *streamChat(
      request: ChatRequest,
      streamOptions: StreamOptions = {},
    ): AsyncGenerator<ChatStreamEvent> {
      const { response, id } = await post('/chat/stream', request, 'text/event-stream', streamOptions);
      if (!response.body)
        throw new ApiError({ status: response.status, detail: 'Empty stream', correlationId: id });
      for await (const frame of parseSse(response.body)) {
        const event = toChatEvent(frame);
        if (event) yield event;
      }
    },
  };
}

export type AggregatorClient = ReturnType<typeof createAggregatorClient>;
