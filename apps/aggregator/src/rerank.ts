import { scoreBm25 } from '@syfthub/retrieval';
import type { Logger } from 'pino';
import type { AggregatorConfig, RerankerKind } from './env';
import type { RetrievedDocument } from './types';

export interface RerankInput {
  query: string;
  documents: readonly RetrievedDocument[];
  /** How many to keep; `null` keeps them all, only reordered (retrieval-only requests). */
  keep: number | null;
  signal: AbortSignal;
  correlationId: string;
  log: Logger;
}

export interface RerankOutput {
  documents: RetrievedDocument[];
  /** Which reranker actually ordered them (the embedding reranker can fall back to BM25). */
  used: Exclude<RerankerKind, 'none'>;
}

export interface Reranker {
  readonly kind: RerankerKind;
  rerank(input: RerankInput): Promise<RerankOutput>;
  /** `/ready`'s `embeddings_api` check. */
  embeddingsStatus(): Promise<'ok' | 'error' | 'not_configured'>;
}

/**
 * BM25 over the union of the retrieved documents (§6). Ties go to the satellite's score, then to aggregated order;
 * documents without any BM25 match therefore follow all matching ones, ordered by the satellite's score.
 */
export function bm25Order(query: string, documents: readonly RetrievedDocument[]): RetrievedDocument[] {
  const scores = scoreBm25(
    query,
    documents.map((d) => d.content),
  );
  const order = documents.map((_, i) => i);
  order.sort(
    (a, b) => scores[b]! - scores[a]! || (documents[b]!.score ?? 0) - (documents[a]!.score ?? 0) || a - b,
  );
  return order.map((i) => documents[i]!);
}

function cosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i += 1) {
    const x = a[i]!;
    const y = b[i]!;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

const EMBEDDING_INPUT_CHARS = 8000;
const EMBEDDING_BATCH = 64;
const PROBE_CACHE_MS = 60_000;

interface EmbeddingsSettings {
  baseUrl: string;
  apiKey: string | null;
  model: string;
  timeoutMs: number;
  fetch: typeof fetch;
}

async function embed(
  settings: EmbeddingsSettings,
  inputs: string[],
  signal: AbortSignal,
  correlationId: string,
) {
  const vectors: number[][] = [];
  for (let start = 0; start < inputs.length; start += EMBEDDING_BATCH) {
    const batch = inputs.slice(start, start + EMBEDDING_BATCH);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-correlation-id': correlationId,
    };
    if (settings.apiKey) headers.authorization = `Bearer ${settings.apiKey}`;
    const res = await settings.fetch(`${settings.baseUrl}/embeddings`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ model: settings.model, input: batch }),
      signal: AbortSignal.any([signal, AbortSignal.timeout(settings.timeoutMs)]),
    });
    if (!res.ok) throw new Error(`embeddings API answered HTTP ${res.status}`);
    const body = (await res.json()) as { data?: Array<{ embedding?: unknown; index?: unknown }> };
    if (!Array.isArray(body.data) || body.data.length !== batch.length) {
      throw new Error('embeddings API returned an unexpected number of vectors');
    }
    const ordered = [...body.data].sort((a, b) => Number(a.index ?? 0) - Number(b.index ?? 0));
    for (const item of ordered) {
      if (!Array.isArray(item.embedding) || !item.embedding.every((x) => typeof x === 'number')) {
        throw new Error('embeddings API returned a malformed vector');
      }
      vectors.push(item.embedding as number[]);
    }
  }
  return vectors;
}

export function createReranker(config: AggregatorConfig, fetchImpl: typeof fetch = fetch): Reranker {
  const kind = config.reranker;
  const { baseUrl, model, apiKey, timeoutMs } = config.embeddings;
  const settings: EmbeddingsSettings | null =
    baseUrl && model ? { baseUrl, model, apiKey, timeoutMs, fetch: fetchImpl } : null;
  let lastEmbeddingOutcome: { ok: boolean; at: number } | null = null;

  const bm25 = (input: RerankInput): RerankOutput => {
    const ordered = bm25Order(input.query, input.documents);
    return { documents: input.keep === null ? ordered : ordered.slice(0, input.keep), used: 'bm25' };
  };

  const byEmbedding = async (input: RerankInput, s: EmbeddingsSettings): Promise<RerankOutput> => {
    const texts = [input.query, ...input.documents.map((d) => d.content)].map((t) =>
      t.slice(0, EMBEDDING_INPUT_CHARS),
    );
    const vectors = await embed(s, texts, input.signal, input.correlationId);
    const query = vectors[0]!;
    const scores = input.documents.map((_, i) => cosine(query, vectors[i + 1]!));
    const order = input.documents.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b);
    const ordered = order.map((i) => input.documents[i]!);
    return { documents: input.keep === null ? ordered : ordered.slice(0, input.keep), used: 'embedding' };
  };

  return {
    kind,
    async rerank(input) {
      if (kind === 'embedding' && settings) {
        try {
          const result = await byEmbedding(input, settings);
          lastEmbeddingOutcome = { ok: true, at: Date.now() };
          return result;
        } catch (err) {
          input.signal.throwIfAborted();
          lastEmbeddingOutcome = { ok: false, at: Date.now() };
          input.log.warn(
            { event: 'reranker.fallback', from: 'embedding', to: 'bm25', reason: (err as Error).message },
            'embedding reranker failed; using BM25 for this request',
          );
        }
      }
      return bm25(input);
    },
    async embeddingsStatus() {
      if (!settings) return 'not_configured';
      if (lastEmbeddingOutcome && Date.now() - lastEmbeddingOutcome.at < PROBE_CACHE_MS) {
        return lastEmbeddingOutcome.ok ? 'ok' : 'error';
      }
      try {
        const headers: Record<string, string> = {};
        if (settings.apiKey) headers.authorization = `Bearer ${settings.apiKey}`;
        const res = await settings.fetch(`${settings.baseUrl}/models`, {
          headers,
          signal: AbortSignal.timeout(Math.min(settings.timeoutMs, 2000)),
        });
        await res.body?.cancel();
        lastEmbeddingOutcome = { ok: res.ok, at: Date.now() };
      } catch {
        lastEmbeddingOutcome = { ok: false, at: Date.now() };
      }
      return lastEmbeddingOutcome.ok ? 'ok' : 'error';
    },
  };
}
