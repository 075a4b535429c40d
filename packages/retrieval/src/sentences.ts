/** Words that end in a period without ending a sentence (lowercase, without the final period). */
const ABBREVIATIONS: ReadonlySet<string> = new Set([
  'e.g',
  'i.e',
  'vs',
  'cf',
  'mr',
  'mrs',
  'ms',
  'dr',
  'st',
  'fig',
  'approx',
]);

/*
 * A sentence ends at terminal punctuation (plus closing quotes or brackets) followed by whitespace, or at a line
 * break that starts a new block: a blank line, a list item, a heading, a table row or a quote. Other line breaks
 * are soft wraps inside a paragraph and count as spaces.
 */
const BOUNDARY = /[.!?…]+["'”’)\]»]*(?=\s|$)|\n(?=[ \t]*(?:\n|[-*+•|#>]|\d+[.)][ \t]))/gu;
const WORD_BEFORE = /[\p{L}.]+$/u;
const NEXT_CHAR = /\S/u;
const LIST_NUMBER = /^[ \t]*\d+$/;

function endsSentence(text: string, punctuationAt: number, end: number): boolean {
  if (text[punctuationAt] !== '.' || text[punctuationAt + 1] === '.') return true;
  // "1. " at the start of a line numbers a list item rather than ending a sentence.
  const lineStart = text.lastIndexOf('\n', punctuationAt - 1) + 1;
  if (LIST_NUMBER.test(text.slice(lineStart, punctuationAt))) return false;
  const next = NEXT_CHAR.exec(text.slice(end, end + 16));
  if (next && next[0] !== next[0].toUpperCase()) return false;
  const before = WORD_BEFORE.exec(text.slice(Math.max(0, punctuationAt - 24), punctuationAt));
  return !(before && ABBREVIATIONS.has(before[0].toLowerCase()));
}

/** Sentence boundaries as `[start, end)` offsets into `text`, trimmed of surrounding whitespace. */
export function sentenceSpans(text: string): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  const push = (from: number, to: number) => {
    let a = from;
    let b = to;
    while (a < b && /\s/u.test(text[a] ?? '')) a += 1;
    while (b > a && /\s/u.test(text[b - 1] ?? '')) b -= 1;
    if (b > a) spans.push([a, b]);
  };
  let start = 0;
  for (const match of text.matchAll(BOUNDARY)) {
    const at = match.index;
    const end = at + match[0].length;
    if (match[0] === '\n') {
      push(start, at);
      start = end;
    } else if (endsSentence(text, at, end)) {
      push(start, end);
      start = end;
    }
  }
  push(start, text.length);
  return spans;
}

export function splitSentences(text: string): string[] {
  return sentenceSpans(text).map(([a, b]) => text.slice(a, b));
}
