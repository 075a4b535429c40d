/**
 * A deliberately small list: BM25's idf already discounts common words, so this only removes function words
 * that would otherwise make every question match every document a little.
 */
export const STOP_WORDS: ReadonlySet<string> = new Set([
  'an',
  'and',
  'are',
  'as',
  'at',
  'be',
  'been',
  'but',
  'by',
  'can',
  'did',
  'do',
  'does',
  'for',
  'from',
  'had',
  'has',
  'have',
  'he',
  'her',
  'his',
  'how',
  'if',
  'in',
  'into',
  'is',
  'it',
  'its',
  'me',
  'my',
  'no',
  'not',
  'of',
  'on',
  'or',
  'our',
  'she',
  'so',
  'such',
  'than',
  'that',
  'the',
  'their',
  'them',
  'then',
  'there',
  'these',
  'they',
  'this',
  'those',
  'to',
  'was',
  'we',
  'were',
  'what',
  'when',
  'where',
  'which',
  'who',
  'why',
  'will',
  'with',
  'would',
  'you',
  'your',
]);

/** The longest stop word's length: a longer word is never one. */
export const LONGEST_STOP_WORD = Math.max(...[...STOP_WORDS].map((word) => word.length));

const NON_ASCII = /[^\p{ASCII}]/u;

export function isAscii(text: string): boolean {
  return !NON_ASCII.test(text);
}
const ASCII_WORD = /[a-z0-9]+/g;
const UNICODE_WORD = /[\p{L}\p{N}]+/gu;

export function normalize(text: string): string {
  return text.normalize('NFKC').toLowerCase();
}

/** Shorter than two code points: a lone astral letter is two UTF-16 units but one character. */
function isTooShort(token: string): boolean {
  if (token.length !== 2) return token.length < 2;
  return (token.codePointAt(0) ?? 0) > 0xffff;
}

export function tokenize(text: string): string[] {
  // ASCII text is already in NFKC, so only other text pays for normalisation; the ASCII pattern is equivalent on
  // ASCII text and several times faster than the Unicode-aware one.
  let pattern = ASCII_WORD;
  let source: string;
  if (NON_ASCII.test(text)) {
    source = normalize(text);
    if (NON_ASCII.test(source)) pattern = UNICODE_WORD;
  } else {
    source = text.toLowerCase();
  }
  const words = source.match(pattern) ?? [];
  const tokens: string[] = [];
  for (const word of words) {
    if (!isTooShort(word) && !STOP_WORDS.has(word)) tokens.push(word);
  }
  return tokens;
}
