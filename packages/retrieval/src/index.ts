export {
  BM25_B,
  BM25_K1,
  type Bm25Document,
  type Bm25Hit,
  type Bm25Index,
  type Bm25SearchOptions,
  createBm25Index,
  idf,
  scoreBm25,
} from './bm25';
export { type ChunkOptions, chunkMarkdown, type MarkdownChunk } from './chunk';
export { sentenceSpans, splitSentences } from './sentences';
export { normalize, STOP_WORDS, tokenize } from './tokenize';
