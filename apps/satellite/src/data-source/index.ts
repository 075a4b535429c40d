import { type Bm25Index, chunkMarkdown, createBm25Index } from '@syfthub/retrieval';
import type { SourceDocument } from './scan';

export interface Chunk {
  documentId: string;
  path: string;
  chunkIndex: number;
  title: string;
  heading: string | null;
  text: string;
}

export interface DocumentMatch {
  chunk: Chunk;
  /** Raw BM25 score of the chunk. */
  score: number;
  /** Score divided by the best score of the query, rounded to 4 decimals. */
  similarity: number;
}

export interface DocumentIndex {
  builtAt: Date;
  documents: Array<{ path: string; title: string }>;
  chunks: Chunk[];
  search(query: string, options: { limit: number; threshold: number }): DocumentMatch[];
}

function chunkTitle(documentTitle: string, heading: string | null): string {
  // The first-level heading usually is the document title; repeating it ("Guide › Guide") adds nothing.
  if (heading === null || heading === '' || heading === documentTitle) return documentTitle;
  return `${documentTitle} › ${heading}`;
}

function comparePaths(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function buildDocumentIndex(
  documents: readonly SourceDocument[],
  builtAt = new Date(),
): DocumentIndex {
  const chunks: Chunk[] = [];
  for (const doc of documents) {
    for (const piece of chunkMarkdown(doc.text)) {
      chunks.push({
        documentId: `${doc.path}#${piece.index}`,
        path: doc.path,
        chunkIndex: piece.index,
        title: chunkTitle(doc.title, piece.heading),
        heading: piece.heading,
        text: piece.text,
      });
    }
  }
  // The title is indexed with the text so a question naming a section finds it even when the body does not repeat it.
  const bm25: Bm25Index = createBm25Index(
    chunks.map((c, i) => ({ id: String(i), text: `${c.title}\n\n${c.text}` })),
  );

  function search(
    query: string,
    { limit, threshold }: { limit: number; threshold: number },
  ): DocumentMatch[] {
    const hits = bm25.search(query);
    const best = hits[0]?.score ?? 0;
    if (best <= 0) return [];
    return hits
      .map((hit) => {
        const chunk = chunks[Number(hit.id)]!;
        return { chunk, score: hit.score, similarity: Math.round((hit.score / best) * 10_000) / 10_000 };
      })
      .filter((m) => m.similarity >= threshold)
      .sort(
        (a, b) =>
          b.score - a.score ||
          comparePaths(a.chunk.path, b.chunk.path) ||
          a.chunk.chunkIndex - b.chunk.chunkIndex,
      )
      .slice(0, limit);
  }

  return {
    builtAt,
    documents: documents.map((d) => ({ path: d.path, title: d.title })),
    chunks,
    search,
  };
}
