import { describe, expect, it } from 'vitest';
import { oneLetterAway, typoHalves } from '../src/endpoints/typos';

// The LIKE patterns of the list search's typo fallback (docs/search.md): a pattern may differ from the text by one
// letter only, whatever the text holds.

/** The single-character wildcards of a LIKE pattern (an escaped `\_` is a literal underscore). */
const wildcards = (pattern: string) => pattern.replace(/\\./g, '').split('_').length - 1;

describe('oneLetterAway', () => {
  it('gives each replacement, insertion and removal once, the text itself among them', () => {
    const patterns = oneLetterAway('abc');
    expect(patterns).toContain('%_bc%');
    expect(patterns).toContain('%ab_c%');
    expect(patterns).toContain('%ac%');
    expect(patterns).toContain('%abc_%');
    expect(new Set(patterns).size).toBe(patterns.length);
  });

  it('keeps an underscore, percent or backslash the user typed literal: one wildcard per pattern at most', () => {
    const patterns = oneLetterAway('my_mo%el\\x');
    for (const pattern of patterns) expect(wildcards(pattern), pattern).toBeLessThanOrEqual(1);
    expect(patterns).toContain('%_y\\_mo\\%el\\\\x%');
  });
});

describe('typoHalves', () => {
  it('are the two halves as literal containment patterns, or null when a half has no trigram', () => {
    expect(typoHalves('compiter')).toEqual(['%comp%', '%iter%']);
    expect(typoHalves('abc_defg_h')).toEqual(['%abc\\_d%', '%efg\\_h%']);
    expect(typoHalves('a_b_c_d_')).toBeNull();
  });
});
