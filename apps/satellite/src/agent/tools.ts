import type { DataSource } from '../data-source/data-source';

// The reference agent's tools over the satellite's own data sources: keyword search across every source, and
// reading one whole document. Results are plain JSON, sized to stay far below a NATS message.

export interface SearchHit {
  source: string;
  document: string;
  title: string;
  excerpt: string;
  score: number;
}

export interface DocumentText {
  source: string;
  document: string;
  title: string;
  text: string;
  truncated: boolean;
}

const EXCERPT_CHARS = 400;
export const MAX_DOCUMENT_CHARS = 12_000;
export const MAX_SEARCH_RESULTS = 10;

function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > EXCERPT_CHARS ? `${flat.slice(0, EXCERPT_CHARS)}…` : flat;
}

export class ToolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ToolError';
  }
}

export class DocumentTools {
  constructor(private readonly sources: () => DataSource[]) {}

  /** The best chunks of every source for `query`, one hit per document, best first. */
  search(query: string, limit = 5): SearchHit[] {
    const wanted = Math.min(Math.max(1, Math.floor(limit)), MAX_SEARCH_RESULTS);
    if (query.trim() === '') throw new ToolError('query must not be empty');
    const hits: SearchHit[] = [];
    for (const source of this.sources()) {
      const index = source.index;
      if (!index) continue;
      const seen = new Set<string>();
      for (const match of index.search(query, { limit: wanted * 3, threshold: 0 })) {
        if (seen.has(match.chunk.path)) continue;
        seen.add(match.chunk.path);
        hits.push({
          source: source.entry.slug,
          document: match.chunk.path,
          title: match.chunk.title,
          excerpt: excerpt(match.chunk.text),
          score: Math.round(match.score * 1000) / 1000,
        });
      }
    }
    return hits.sort((a, b) => b.score - a.score).slice(0, wanted);
  }

  /** The whole text of one document (its chunks in order), cut at {@link MAX_DOCUMENT_CHARS}. */
  read(sourceSlug: string, documentPath: string): DocumentText {
    const source = this.sources().find((s) => s.entry.slug === sourceSlug);
    if (!source?.index) throw new ToolError(`no data source named "${sourceSlug.slice(0, 100)}"`);
    const chunks = source.index.chunks
      .filter((c) => c.path === documentPath)
      .sort((a, b) => a.chunkIndex - b.chunkIndex);
    const doc = source.index.documents.find((d) => d.path === documentPath);
    if (!doc || chunks.length === 0) {
      throw new ToolError(`no document "${documentPath.slice(0, 200)}" in ${sourceSlug}`);
    }
    const full = chunks.map((c) => c.text).join('\n\n');
    return {
      source: sourceSlug,
      document: documentPath,
      title: doc.title,
      text: full.slice(0, MAX_DOCUMENT_CHARS),
      truncated: full.length > MAX_DOCUMENT_CHARS,
    };
  }
}
