/** A cited range of the marker-free answer, in UTF-16 offsets (ready for `String.prototype.slice`). */
export interface CitationSpan {
  /** 1-based source numbers: badge N is the N-th entry of `done.sources`. */
  indices: number[];
  start: number;
  end: number;
}

export interface ParsedCitations {
  /** The answer with every marker removed: exactly the text the aggregator counted offsets in. */
  text: string;
  spans: CitationSpan[];
}

const ANY_MARKER = /\[cite:\s*\d+(?:\s*,\s*\d+)*\s*(?:-\s*\d+\s*:\s*\d+\s*)?\]/g;
const ANNOTATED_MARKER = /\[cite:\s*(\d+(?:\s*,\s*\d+)*)\s*-\s*(\d+)\s*:\s*(\d+)\s*\]/g;
// While tokens arrive, a marker may be cut in half at the end of the buffer; hiding it avoids flicker.
const PARTIAL_MARKER_AT_END = /\[(?:c(?:i(?:t(?:e(?::[\d,\s\-:]*)?)?)?)?)?$/;

/** Removes `[cite:N]` and `[cite:N-s:e]` markers. */
export function stripCitationMarkers(text: string): string {
  return text.replace(ANY_MARKER, '');
}

/** What to show while streaming: markers removed, including one still being typed at the end. */
export function streamingDisplayText(text: string): string {
  return stripCitationMarkers(text).replace(PARTIAL_MARKER_AT_END, '');
}

/** Maps code-point offsets (what the aggregator counts, aggregator.md §8.3) to UTF-16 offsets of `text`. */
export function codePointToUtf16Offsets(text: string): (codePoint: number) => number {
  const offsets: number[] = [0];
  let utf16 = 0;
  for (const char of text) {
    utf16 += char.length;
    offsets.push(utf16);
  }
  return (codePoint) => offsets[Math.max(0, Math.min(codePoint, offsets.length - 1))] ?? utf16;
}

/**
 * Parses `done.response`: position-annotated markers `[cite:<indices>-<s>:<e>]` become spans over the marker-free
 * text, with `s` and `e` converted from code points to UTF-16. Markers without positions are dropped.
 */
export function parseAnnotatedResponse(annotated: string): ParsedCitations {
  const text = stripCitationMarkers(annotated);
  const toUtf16 = codePointToUtf16Offsets(text);
  const spans: CitationSpan[] = [];
  for (const match of annotated.matchAll(ANNOTATED_MARKER)) {
    const indices = [
      ...new Set(
        (match[1] ?? '')
          .split(',')
          .map((part) => Number.parseInt(part.trim(), 10))
          .filter((n) => Number.isInteger(n) && n > 0),
      ),
    ];
    const startCp = Number(match[2]);
    const endCp = Number(match[3]);
    if (indices.length === 0 || !(endCp >= startCp)) continue;
    spans.push({ indices, start: toUtf16(startCp), end: toUtf16(endCp) });
  }
  return { text, spans };
}

/**
 * Identical ranges are merged, and overlapping ranges are joined into one highlight carrying all their indices
 * (web.md §6.5). Ranges that merely touch stay separate. The result is sorted by start.
 */
export function mergeCitationSpans(spans: CitationSpan[]): CitationSpan[] {
  const sorted = [...spans].sort((a, b) => a.start - b.start || a.end - b.end);
  const merged: CitationSpan[] = [];
  for (const span of sorted) {
    const last = merged[merged.length - 1];
    const sameRange = last && last.start === span.start && last.end === span.end;
    if (last && (sameRange || span.start < last.end)) {
      last.end = Math.max(last.end, span.end);
      for (const index of span.indices) if (!last.indices.includes(index)) last.indices.push(index);
    } else {
      merged.push({ indices: [...span.indices], start: span.start, end: span.end });
    }
  }
  for (const span of merged) span.indices.sort((a, b) => a - b);
  return merged;
}
