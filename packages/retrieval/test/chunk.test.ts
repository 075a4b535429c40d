import { describe, expect, it } from 'vitest';
import { chunkMarkdown, splitSentences } from '../src';

describe('splitSentences', () => {
  it('splits at terminal punctuation followed by whitespace', () => {
    expect(splitSentences('First one. Second one! Third? "Quoted." Last')).toEqual([
      'First one.',
      'Second one!',
      'Third?',
      '"Quoted."',
      'Last',
    ]);
  });

  it('does not split abbreviations, decimals or a period followed by lowercase', () => {
    expect(splitSentences('Use e.g. BM25 here. Version 1.2 is out. See fig. 3 and Dr. Who.')).toEqual([
      'Use e.g. BM25 here.',
      'Version 1.2 is out.',
      'See fig. 3 and Dr. Who.',
    ]);
    expect(splitSentences('The value approx. twelve. Done.')).toEqual(['The value approx. twelve.', 'Done.']);
  });

  it('treats line breaks as boundaries', () => {
    expect(splitSentences('- one item\n- another item\n\nA sentence.')).toEqual([
      '- one item',
      '- another item',
      'A sentence.',
    ]);
  });

  it('reads other line breaks as soft wraps', () => {
    expect(splitSentences('A wrapped\nsentence ends here. Next\none.\n1. First step\n# Title')).toEqual([
      'A wrapped\nsentence ends here.',
      'Next\none.',
      '1. First step',
      '# Title',
    ]);
  });

  it('returns nothing for blank text', () => {
    expect(splitSentences('  \n ')).toEqual([]);
  });
});

describe('chunkMarkdown', () => {
  it('splits at headings 1 to 3 and records the heading', () => {
    const text =
      '# Guide\n\nIntro text.\n\n## Setup\n\nInstall it.\n\n#### Detail\n\nStill setup.\n\n### Run\nGo.';
    expect(chunkMarkdown(text)).toEqual([
      { heading: 'Guide', text: 'Intro text.', index: 0 },
      { heading: 'Setup', text: 'Install it.\n\n#### Detail\n\nStill setup.', index: 1 },
      { heading: 'Run', text: 'Go.', index: 2 },
    ]);
  });

  it('gives text before the first heading a null heading and skips empty sections', () => {
    expect(chunkMarkdown('Preamble here.\r\n\r\n# Empty\n\n## Full ##\nBody.')).toEqual([
      { heading: null, text: 'Preamble here.', index: 0 },
      { heading: 'Full', text: 'Body.', index: 1 },
    ]);
  });

  it('packs paragraphs up to maxChars without cutting them', () => {
    const p = (c: string) => c.repeat(9);
    const text = [p('a'), p('b'), p('c'), p('d')].join('\n\n');
    // 9 + 2 + 9 = 20 fits in 20; a third paragraph would not.
    expect(chunkMarkdown(text, { maxChars: 20 }).map((c) => c.text)).toEqual([
      `${p('a')}\n\n${p('b')}`,
      `${p('c')}\n\n${p('d')}`,
    ]);
  });

  it('splits an oversize paragraph at sentence ends', () => {
    const text = 'One two three. Four five six. Seven eight nine. Ten.';
    const chunks = chunkMarkdown(text, { maxChars: 30 });
    expect(chunks.map((c) => c.text)).toEqual(['One two three. Four five six.', 'Seven eight nine. Ten.']);
    for (const chunk of chunks) expect(chunk.text.length).toBeLessThanOrEqual(30);
  });

  it('cuts a single over-long sentence at whitespace', () => {
    const chunks = chunkMarkdown('alpha beta gamma delta epsilon', { maxChars: 12 });
    expect(chunks.map((c) => c.text)).toEqual(['alpha beta', 'gamma delta', 'epsilon']);
  });

  it('ignores headings and blank lines inside fenced code', () => {
    const text = '## Code\n\n```sh\n# not a heading\n\necho hi\n```\n\nAfter.';
    expect(chunkMarkdown(text)).toEqual([
      { heading: 'Code', text: '```sh\n# not a heading\n\necho hi\n```\n\nAfter.', index: 0 },
    ]);
  });

  it('never exceeds the default limit on a long document', () => {
    const sentence = 'The satellite answers queries with keyword retrieval over chunks. ';
    const text = `# Long\n\n${sentence.repeat(60)}\n\n${sentence.repeat(5)}`;
    const chunks = chunkMarkdown(text);
    expect(chunks.length).toBeGreaterThan(3);
    for (const chunk of chunks) expect(chunk.text.length).toBeLessThanOrEqual(1200);
    expect(chunks.map((c) => c.index)).toEqual(chunks.map((_, i) => i));
  });
});
