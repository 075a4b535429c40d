/** Citation markers, position annotation (§8.3) and profit share (§8.4). */

const MARKER = /\[cite:\s*(\d+(?:\s*,\s*\d+)*)\s*\]/g;
const TERMINATORS = new Set(['.', '!', '?']);

export interface CitationResult {
  /** The answer with each valid marker rewritten as `[cite:<indices>-<s>:<e>]` and invalid ones removed. */
  annotated: string;
  profitShare: Record<string, number>;
}

function isWhitespace(ch: string | undefined): boolean {
  return ch !== undefined && /\s/.test(ch);
}

/** Code-point offsets of every UTF-16 index of `text` (so positions count characters as clients see them). */
function codePointOffsets(text: string): Uint32Array {
  const offsets = new Uint32Array(text.length + 1);
  let cp = 0;
  for (let i = 0; i < text.length; i += 1) {
    offsets[i] = cp;
    const code = text.charCodeAt(i);
    const isHighSurrogate = code >= 0xd800 && code <= 0xdbff && i + 1 < text.length;
    if (isHighSurrogate) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        offsets[i + 1] = cp;
        i += 1;
      }
    }
    cp += 1;
  }
  offsets[text.length] = cp;
  return offsets;
}

/** The cited sentence `[s, e)` for a marker at `p` in the clean text, in UTF-16 indices. */
function sentenceSpan(clean: string, p: number): [number, number] {
  let e = p;
  while (e > 0 && isWhitespace(clean[e - 1])) e -= 1;
  let k = e;
  if (k > 0 && TERMINATORS.has(clean[k - 1]!)) k -= 1;
  let s = 0;
  for (let i = k - 1; i >= 0; i -= 1) {
    const ch = clean[i]!;
    if (TERMINATORS.has(ch) || ch === '\n') {
      s = i + 1;
      break;
    }
  }
  while (s < e && (clean[s] === ' ' || clean[s] === '\t')) s += 1;
  return [s, e];
}

interface Marker {
  start: number;
  end: number;
  indices: number[];
  cleanPos: number;
}

/**
 * Annotates the answer and computes the profit share of every path in `sourceMap` (citation number → path).
 */
export function annotateCitations(text: string, sourceMap: ReadonlyMap<number, string>): CitationResult {
  const markers: Marker[] = [];
  const cleanParts: string[] = [];
  let last = 0;
  let cleanLength = 0;
  for (const match of text.matchAll(MARKER)) {
    const start = match.index;
    cleanParts.push(text.slice(last, start));
    cleanLength += start - last;
    const indices: number[] = [];
    for (const part of match[1]!.split(',')) {
      const n = Number(part.trim());
      if (sourceMap.has(n) && !indices.includes(n)) indices.push(n);
    }
    markers.push({ start, end: start + match[0].length, indices, cleanPos: cleanLength });
    last = start + match[0].length;
  }
  cleanParts.push(text.slice(last));
  const clean = cleanParts.join('');
  const offsets = markers.length > 0 ? codePointOffsets(clean) : null;

  const out: string[] = [];
  const total = new Map<string, number>();
  const multi = new Map<string, number>();
  last = 0;
  for (const m of markers) {
    out.push(text.slice(last, m.start));
    last = m.end;
    if (m.indices.length === 0) continue;
    const [s, e] = sentenceSpan(clean, m.cleanPos);
    out.push(`[cite:${m.indices.join(',')}-${offsets![s]}:${offsets![e]}]`);
    const paths = new Set(m.indices.map((i) => sourceMap.get(i)!));
    for (const path of paths) {
      total.set(path, (total.get(path) ?? 0) + 1);
      if (paths.size > 1) multi.set(path, (multi.get(path) ?? 0) + 1);
    }
  }
  out.push(text.slice(last));

  const weights = new Map<string, number>();
  let sum = 0;
  for (const path of sourceMap.values()) {
    if (weights.has(path)) continue;
    const t = total.get(path) ?? 0;
    const mu = multi.get(path) ?? 0;
    const w = 1.5 * mu + (t - mu);
    weights.set(path, w);
    sum += w;
  }
  const profitShare: Record<string, number> = {};
  for (const [path, w] of weights) profitShare[path] = sum === 0 ? 0 : Math.round((w / sum) * 1e6) / 1e6;
  return { annotated: out.join(''), profitShare };
}
