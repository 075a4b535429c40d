import { describe, expect, it } from 'vitest';
import { normalize, tokenize } from '../src';

describe('normalize', () => {
  it('applies NFKC and lowercases', () => {
    expect(normalize('Ｆｕｌｌｗｉｄｔｈ ﬁle ÉCOLE')).toBe('fullwidth file école');
  });
});

describe('tokenize', () => {
  it('splits on anything that is not a letter or digit', () => {
    expect(tokenize('BM25-scoring, v2.0/alpha_beta')).toEqual(['bm25', 'scoring', 'v2', 'alpha', 'beta']);
  });

  it('drops one-character tokens and stop words', () => {
    expect(tokenize('I saw a cat in the garden and x marks it')).toEqual(['saw', 'cat', 'garden', 'marks']);
  });

  it('keeps letters of other scripts and counts astral characters as one character', () => {
    expect(tokenize('Größe 東京 𝐀 𝐀𝐁')).toEqual(['größe', '東京', 'ab']);
  });

  it('does not stem', () => {
    expect(tokenize('running runs ran')).toEqual(['running', 'runs', 'ran']);
  });

  it('returns nothing for punctuation-only input', () => {
    expect(tokenize(' -- !! ?? ')).toEqual([]);
  });
});

describe('tokenize on ASCII and other text alike', () => {
  it('gives what NFKC, lowercase and the Unicode pattern give', () => {
    for (const text of [
      'Plain ASCII, With CAPS and 42 numbers',
      'ﬁle ＦＵＬＬ width',
      'Größe über',
      'a\u0301b ok',
    ]) {
      const reference = (normalize(text).match(/[\p{L}\p{N}]+/gu) ?? []).filter(
        (w) => [...w].length >= 2 && !['and', 'with'].includes(w),
      );
      expect(tokenize(text)).toEqual(reference);
    }
  });
});
