import { describe, expect, it } from 'vitest';
import { createBm25Index, idf, scoreBm25 } from '../src';

/*
 * Corpus after tokenisation ("and" is a stop word):
 *   d1 = [cats, chase, mice]               |d1| = 3
 *   d2 = [dogs, chase, cats, cats, sleep]  |d2| = 5
 *   d3 = [birds, sing]                     |d3| = 2
 * N = 3, avgdl = 10/3, k1 = 1.2, b = 0.75.
 * Length norms 1 - b + b·|d|/avgdl: d1 0.925, d2 1.375, d3 0.7.
 * idf(df=2) = ln(1 + 1.5/2.5) = ln 1.6; idf(df=1) = ln(1 + 2.5/1.5) = ln(8/3).
 */
const corpus = [
  { id: 'd1', text: 'Cats chase mice.' },
  { id: 'd2', text: 'Dogs chase cats and cats sleep.' },
  { id: 'd3', text: 'Birds sing!' },
];

describe('idf', () => {
  it('follows ln(1 + (N − df + 0.5)/(df + 0.5))', () => {
    expect(idf(3, 2)).toBeCloseTo(Math.log(1.6), 12);
    expect(idf(3, 1)).toBeCloseTo(Math.log(8 / 3), 12);
  });
});

describe('createBm25Index', () => {
  const index = createBm25Index(corpus);

  it('scores a single term by hand-computed BM25', () => {
    const hits = index.search('cats');
    // d2: tf 2 → ln1.6 · 2·2.2 / (2 + 1.2·1.375) = ln1.6 · 4.4/3.65; d1: tf 1 → ln1.6 · 2.2 / (1 + 1.2·0.925).
    expect(hits.map((h) => h.id)).toEqual(['d2', 'd1']);
    expect(hits[0]?.score).toBeCloseTo((Math.log(1.6) * 4.4) / 3.65, 12);
    expect(hits[1]?.score).toBeCloseTo((Math.log(1.6) * 2.2) / 2.11, 12);
    expect(hits[0]?.score).toBeCloseTo(0.5665798, 6);
    expect(hits[1]?.score).toBeCloseTo(0.4900511, 6);
  });

  it('sums the terms of a multi-term query', () => {
    const hits = index.search('Who sings? chase SING');
    const byId = Object.fromEntries(hits.map((h) => [h.id, h.score]));
    expect(byId.d3).toBeCloseTo((Math.log(8 / 3) * 2.2) / 1.84, 12);
    expect(byId.d1).toBeCloseTo((Math.log(1.6) * 2.2) / 2.11, 12);
    expect(byId.d2).toBeCloseTo((Math.log(1.6) * 2.2) / 2.65, 12);
    expect(hits.map((h) => h.id)).toEqual(['d3', 'd1', 'd2']);
  });

  it('counts a repeated query term once', () => {
    expect(index.search('cats cats cats')).toEqual(index.search('cats'));
  });

  it('never returns zero scores', () => {
    expect(index.search('the zebra')).toEqual([]);
    expect(index.search('')).toEqual([]);
  });

  it('honours limit', () => {
    expect(index.search('chase', { limit: 1 }).map((h) => h.id)).toEqual(['d1']);
    expect(index.search('chase', { limit: 0 })).toEqual([]);
  });

  it('keeps input order for equal scores', () => {
    const twins = createBm25Index([
      { id: 'b', text: 'alpha beta' },
      { id: 'a', text: 'alpha beta' },
      { id: 'c', text: 'gamma delta' },
    ]);
    expect(twins.search('alpha').map((h) => h.id)).toEqual(['b', 'a']);
  });

  it('exposes every score in input order', () => {
    expect(Array.from(index.scoreAll('mice'))).toEqual([
      expect.closeTo((Math.log(8 / 3) * 2.2) / 2.11, 12),
      0,
      0,
    ]);
  });

  it('handles an empty corpus and documents without tokens', () => {
    expect(createBm25Index([]).search('anything')).toEqual([]);
    expect(createBm25Index([{ id: 'x', text: 'a the of' }]).search('the')).toEqual([]);
  });
});

describe('scoreBm25', () => {
  const words = [
    'cats',
    'chase',
    'mice',
    'the',
    'and',
    'Größe',
    'ﬁle',
    'file',
    '東京',
    'x',
    'dogs',
    'sleep',
    'a1',
  ];
  // A small deterministic generator, so a failure is reproducible.
  let seed = 7;
  const next = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const text = (maxWords: number) =>
    Array.from(
      { length: Math.floor(next() * maxWords) },
      () => words[Math.floor(next() * words.length)],
    ).join(next() < 0.5 ? ' ' : ', ');

  it('gives the index scores bit for bit on ASCII text (counted without collecting tokens)', () => {
    const ascii = [
      'Termination',
      'notice',
      'NOTICE',
      'the',
      'their',
      'those',
      'an',
      'x',
      'q9',
      '30',
      'payment-terms',
      'days.',
      'contract,',
      'a',
      'Which',
      'agreements',
      'it',
      'its',
      'clause7',
    ];
    const asciiText = (maxWords: number) =>
      Array.from(
        { length: Math.floor(next() * maxWords) },
        () => ascii[Math.floor(next() * ascii.length)],
      ).join(next() < 0.5 ? ' ' : '\n');
    for (let round = 0; round < 300; round += 1) {
      const texts = Array.from({ length: Math.floor(next() * 12) }, () => asciiText(40));
      // Now and then one text that is not ASCII, scored the general way next to the others.
      if (texts.length > 0 && next() < 0.2) texts[0] = `${texts[0]} Größe 東京`;
      const query = asciiText(8);
      const expected = createBm25Index(texts.map((t, i) => ({ id: String(i), text: t }))).scoreAll(query);
      expect(Array.from(scoreBm25(query, texts))).toEqual(Array.from(expected));
    }
  });

  it('gives the index scores bit for bit', () => {
    for (let round = 0; round < 200; round += 1) {
      const texts = Array.from({ length: Math.floor(next() * 12) }, () => text(40));
      const query = text(8);
      const expected = createBm25Index(texts.map((t, i) => ({ id: String(i), text: t }))).scoreAll(query);
      expect(Array.from(scoreBm25(query, texts))).toEqual(Array.from(expected));
    }
  });

  it('matches the hand-computed scores', () => {
    const scores = scoreBm25(
      'Who sings? chase SING',
      corpus.map((d) => d.text),
    );
    expect(Array.from(scores)).toEqual(Array.from(createBm25Index(corpus).scoreAll('Who sings? chase SING')));
    expect(scores[2]).toBeCloseTo((Math.log(8 / 3) * 2.2) / 1.84, 12);
  });

  it('scores nothing for an empty corpus, an empty query or empty documents', () => {
    expect(Array.from(scoreBm25('cats', []))).toEqual([]);
    expect(Array.from(scoreBm25('', ['cats']))).toEqual([0]);
    expect(Array.from(scoreBm25('cats', ['', 'the of']))).toEqual([0, 0]);
  });
});
