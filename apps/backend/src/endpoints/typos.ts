import { containsPattern, escapeLike } from '@syfthub/db';

// Typo-tolerant lookups of names (issue 17: "a one-letter typo still finds the name"), bounded by trigram indexes.

/**
 * A search text from which PostgreSQL's trigram index can take at least one trigram for `LIKE '%…%'`: a run of three
 * letters or digits. Without one, the index would read every entry it has; such texts (one or two letters, a
 * number, punctuation) match most endpoints anyway, and are served by walking the newest ones.
 */
export const INDEXABLE = /[\p{L}\p{N}]{3}/u;

/**
 * The `LIKE` patterns of the two halves of a (lowercased) text: a name containing the text with one letter replaced,
 * inserted or removed contains one of its halves unchanged (the changed letter is in the other), so the names
 * containing either half, two reads of a trigram index, are the candidates of a typo. Null when a half has no
 * trigram to look up (see {@link INDEXABLE}).
 */
export function typoHalves(text: string): [string, string] | null {
  const letters = [...text];
  const middle = Math.floor(letters.length / 2);
  const halves = [letters.slice(0, middle).join(''), letters.slice(middle).join('')] as const;
  if (!halves.every((half) => INDEXABLE.test(half))) return null;
  return [containsPattern(halves[0]), containsPattern(halves[1])];
}

/**
 * `LIKE` patterns of every text one letter away from `text` (lowercased): one letter replaced or inserted (`_`) or
 * removed, each anywhere in the name. The text itself is among the replacements.
 */
export function oneLetterAway(text: string): string[] {
  // The user's letters escaped one by one (a `_` they typed matches only `_`); ANY is the one-letter wildcard.
  const letters = [...text].map(escapeLike);
  const ANY = '_';
  const like = (parts: string[]) => `%${parts.join('')}%`;
  const patterns = new Set<string>();
  for (let i = 0; i <= letters.length; i++) {
    const before = letters.slice(0, i);
    if (i < letters.length) {
      patterns.add(like([...before, ANY, ...letters.slice(i + 1)]));
      patterns.add(like([...before, ...letters.slice(i + 1)]));
    }
    patterns.add(like([...before, ANY, ...letters.slice(i)]));
  }
  return [...patterns];
}
