import { isAscii, LONGEST_STOP_WORD, STOP_WORDS, tokenize } from './tokenize';

/*
 * An exact BM25 of our own rather than MiniSearch: MiniSearch measures a field's length in distinct terms and
 * multiplies each score by the number of matched query terms, so its scores differ from the formula in the spec
 * (satellite-protocol.md §8.3, aggregator.md §6), which both the satellite and the reranker must reproduce.
 */

export const BM25_K1 = 1.2;
export const BM25_B = 0.75;

export interface Bm25Document {
  id: string;
  text: string;
}

export interface Bm25Hit {
  id: string;
  score: number;
}

export interface Bm25SearchOptions {
  limit?: number;
}

export interface Bm25Index {
  readonly size: number;
  /** Hits with a positive score, best first; equal scores keep the order the documents were given in. */
  search(query: string, options?: Bm25SearchOptions): Bm25Hit[];
  /** One score per document, in input order, zero where nothing matched. */
  scoreAll(query: string): Float64Array;
}

export function idf(totalDocs: number, docFreq: number): number {
  return Math.log(1 + (totalDocs - docFreq + 0.5) / (docFreq + 0.5));
}

export function createBm25Index(docs: readonly Bm25Document[]): Bm25Index {
  const n = docs.length;
  const ids = docs.map((d) => d.id);
  const termIds = new Map<string, number>();
  const docStart = new Int32Array(n + 1);
  const termsByDoc: Int32Array[] = [];
  let totalLength = 0;

  for (let doc = 0; doc < n; doc += 1) {
    const tokens = tokenize(docs[doc]?.text ?? '');
    const terms = new Int32Array(tokens.length);
    for (let i = 0; i < tokens.length; i += 1) {
      const token = tokens[i]!;
      let term = termIds.get(token);
      if (term === undefined) {
        term = termIds.size;
        termIds.set(token, term);
      }
      terms[i] = term;
    }
    termsByDoc.push(terms);
    totalLength += tokens.length;
    docStart[doc + 1] = totalLength;
  }

  // Postings in one flat array per field (compressed sparse rows): far fewer allocations than a list per term.
  const termCount = termIds.size;
  const lastDoc = new Int32Array(termCount).fill(-1);
  const docFreq = new Int32Array(termCount);
  for (let doc = 0; doc < n; doc += 1) {
    for (const term of termsByDoc[doc]!) {
      if (lastDoc[term] !== doc) {
        lastDoc[term] = doc;
        docFreq[term]! += 1;
      }
    }
  }
  const offsets = new Int32Array(termCount + 1);
  for (let term = 0; term < termCount; term += 1) offsets[term + 1] = offsets[term]! + docFreq[term]!;
  const postingDocs = new Int32Array(offsets[termCount]!);
  const postingFreqs = new Int32Array(offsets[termCount]!);
  const cursor = offsets.slice(0, termCount);
  const lastSlot = new Int32Array(termCount);
  lastDoc.fill(-1);
  for (let doc = 0; doc < n; doc += 1) {
    for (const term of termsByDoc[doc]!) {
      if (lastDoc[term] === doc) {
        postingFreqs[lastSlot[term]!]! += 1;
      } else {
        const slot = cursor[term]!;
        cursor[term] = slot + 1;
        lastDoc[term] = doc;
        lastSlot[term] = slot;
        postingDocs[slot] = doc;
        postingFreqs[slot] = 1;
      }
    }
  }

  const avgLength = n > 0 ? totalLength / n : 0;
  // k1·(1 − b + b·|d|/avgdl) depends only on the document, so it is computed once per index.
  const lengthNorm = new Float64Array(n);
  if (avgLength > 0) {
    for (let doc = 0; doc < n; doc += 1) {
      const length = docStart[doc + 1]! - docStart[doc]!;
      lengthNorm[doc] = BM25_K1 * (1 - BM25_B + (BM25_B * length) / avgLength);
    }
  }

  function scoreAll(query: string): Float64Array {
    const scores = new Float64Array(n);
    // Each distinct query term counts once: repeating a word in a question should not double its weight.
    for (const token of new Set(tokenize(query))) {
      const term = termIds.get(token);
      if (term === undefined) continue;
      const from = offsets[term]!;
      const to = offsets[term + 1]!;
      const weight = idf(n, to - from) * (BM25_K1 + 1);
      for (let slot = from; slot < to; slot += 1) {
        const doc = postingDocs[slot]!;
        const tf = postingFreqs[slot]!;
        scores[doc]! += (weight * tf) / (tf + lengthNorm[doc]!);
      }
    }
    return scores;
  }

  function search(query: string, options: Bm25SearchOptions = {}): Bm25Hit[] {
    const scores = scoreAll(query);
    const matched: number[] = [];
    for (let doc = 0; doc < n; doc += 1) if (scores[doc]! > 0) matched.push(doc);
    matched.sort((a, b) => scores[b]! - scores[a]! || a - b);
    const limit = Math.max(0, options.limit ?? matched.length);
    return matched.slice(0, limit).map((doc) => ({ id: ids[doc]!, score: scores[doc]! }));
  }

  return { size: n, search, scoreAll };
}

/**
 * BM25 scores of `texts` against `query` for a corpus scored once (the reranker's case): the same numbers as
 * `createBm25Index(texts).scoreAll(query)`, bit for bit, without building postings for every term of every
 * document. Only the query's terms are counted; each document's score adds the terms in the same order.
 */
export function scoreBm25(query: string, texts: readonly string[]): Float64Array {
  const n = texts.length;
  const scores = new Float64Array(n);
  const queryTerms = new Map<string, number>();
  for (const token of tokenize(query)) if (!queryTerms.has(token)) queryTerms.set(token, queryTerms.size);
  const q = queryTerms.size;
  if (q === 0 || n === 0) return scores;
  // Term frequencies, one row of q per document.
  const tf = new Int32Array(n * q);
  const docFreq = new Int32Array(q);
  const lengths = new Int32Array(n);
  let totalLength = 0;
  let queryLengths: Uint8Array | null = null;
  for (let doc = 0; doc < n; doc += 1) {
    const text = texts[doc] ?? '';
    const row = doc * q;
    let length = 0;
    if (isAscii(text)) {
      queryLengths ??= lengthsOf(queryTerms);
      length = countAsciiTerms(text.toLowerCase(), queryTerms, queryLengths, tf, row, docFreq);
    } else {
      for (const token of tokenize(text)) {
        length += 1;
        const term = queryTerms.get(token);
        if (term === undefined) continue;
        if (tf[row + term] === 0) docFreq[term]! += 1;
        tf[row + term]! += 1;
      }
    }
    lengths[doc] = length;
    totalLength += length;
  }
  const avgLength = totalLength / n;
  const weights = new Float64Array(q);
  for (let term = 0; term < q; term += 1) weights[term] = idf(n, docFreq[term]!) * (BM25_K1 + 1);
  for (let doc = 0; doc < n; doc += 1) {
    const row = doc * q;
    const lengthNorm = avgLength > 0 ? BM25_K1 * (1 - BM25_B + (BM25_B * lengths[doc]!) / avgLength) : 0;
    let score = 0;
    for (let term = 0; term < q; term += 1) {
      const f = tf[row + term]!;
      if (f > 0) score += (weights[term]! * f) / (f + lengthNorm);
    }
    scores[doc] = score;
  }
  return scores;
}

/** `lengths[k]` is 1 when a query term has k characters (one slot past the longest). */
function lengthsOf(queryTerms: ReadonlyMap<string, number>): Uint8Array {
  let longest = 0;
  for (const term of queryTerms.keys()) longest = Math.max(longest, term.length);
  const lengths = new Uint8Array(longest + 2);
  for (const term of queryTerms.keys()) lengths[term.length] = 1;
  return lengths;
}

/**
 * `tokenize` on lowercased ASCII text, counted instead of collected: the number of tokens, and each query term's
 * frequency added to `tf[row + term]` (and `docFreq` on its first occurrence). A word becomes a string only when
 * its length is one a stop word or a query term has; any other word of two characters or more is a token that
 * is no query term. Same tokens as `tokenize`: runs of [a-z0-9], at least two long, stop words left out.
 */
function countAsciiTerms(
  lower: string,
  queryTerms: ReadonlyMap<string, number>,
  queryLengths: Uint8Array,
  tf: Int32Array,
  row: number,
  docFreq: Int32Array,
): number {
  let count = 0;
  let start = -1;
  const end = lower.length;
  for (let i = 0; i <= end; i += 1) {
    const c = i < end ? lower.charCodeAt(i) : 0;
    if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57)) {
      if (start < 0) start = i;
      continue;
    }
    if (start < 0) continue;
    const length = i - start;
    if (length >= 2) {
      const isQueryLength = length < queryLengths.length && queryLengths[length] === 1;
      if (length > LONGEST_STOP_WORD && !isQueryLength) {
        count += 1;
      } else {
        const word = lower.slice(start, i);
        if (!STOP_WORDS.has(word)) {
          count += 1;
          const term = isQueryLength ? queryTerms.get(word) : undefined;
          if (term !== undefined) {
            if (tf[row + term] === 0) docFreq[term]! += 1;
            tf[row + term]! += 1;
          }
        }
      }
    }
    start = -1;
  }
  return count;
}
