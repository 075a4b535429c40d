import { sentenceSpans } from './sentences';

export interface MarkdownChunk {
  /** Text of the nearest heading (levels 1–3) above the chunk, or null before the first heading. */
  heading: string | null;
  text: string;
  /** Position of the chunk in the document, from 0. */
  index: number;
}

export interface ChunkOptions {
  maxChars?: number;
}

const HEADING = /^ {0,3}(#{1,3})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;

interface Section {
  heading: string | null;
  paragraphs: string[];
}

/** Headings inside fenced code blocks are code, not structure, and blank lines there do not end a paragraph. */
function splitSections(text: string): Section[] {
  const sections: Section[] = [{ heading: null, paragraphs: [] }];
  let current = sections[0]!;
  let paragraph: string[] = [];
  let fence: string | null = null;

  const endParagraph = () => {
    const body = paragraph.join('\n').trim();
    if (body.length > 0) current.paragraphs.push(body);
    paragraph = [];
  };

  for (const line of text.split('\n')) {
    const fenceMatch = FENCE.exec(line);
    if (fence !== null) {
      paragraph.push(line);
      if (fenceMatch?.[1]?.startsWith(fence)) fence = null;
      continue;
    }
    if (fenceMatch?.[1]) {
      fence = fenceMatch[1];
      paragraph.push(line);
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      endParagraph();
      current = { heading: (heading[2] ?? '').trim(), paragraphs: [] };
      sections.push(current);
    } else if (line.trim() === '') {
      endParagraph();
    } else {
      paragraph.push(line);
    }
  }
  endParagraph();
  return sections;
}

/** Cuts a single over-long sentence at the last whitespace that keeps each piece within the limit. */
function hardSplit(text: string, maxChars: number): string[] {
  const pieces: string[] = [];
  let rest = text;
  while (rest.length > maxChars) {
    const window = rest.slice(0, maxChars + 1);
    const cut = window.search(/\s\S*$/u);
    const at = cut > 0 ? cut : maxChars;
    pieces.push(rest.slice(0, at).trimEnd());
    rest = rest.slice(at).trimStart();
  }
  if (rest.length > 0) pieces.push(rest);
  return pieces;
}

/** Packs consecutive sentences of an over-long paragraph, keeping the original text between them. */
function splitParagraph(paragraph: string, maxChars: number): string[] {
  const pieces: string[] = [];
  let from = -1;
  let to = -1;
  const flush = () => {
    if (from >= 0) pieces.push(paragraph.slice(from, to));
    from = -1;
  };
  for (const [a, b] of sentenceSpans(paragraph)) {
    if (b - a > maxChars) {
      flush();
      pieces.push(...hardSplit(paragraph.slice(a, b), maxChars));
    } else if (from >= 0 && b - from <= maxChars) {
      to = b;
    } else {
      flush();
      from = a;
      to = b;
    }
  }
  flush();
  return pieces;
}

export function chunkMarkdown(text: string, options: ChunkOptions = {}): MarkdownChunk[] {
  const maxChars = options.maxChars ?? 1200;
  if (!Number.isInteger(maxChars) || maxChars < 1)
    throw new RangeError('maxChars must be a positive integer');
  const source = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  const chunks: MarkdownChunk[] = [];

  for (const section of splitSections(source)) {
    let buffer = '';
    const flush = () => {
      if (buffer.length > 0) chunks.push({ heading: section.heading, text: buffer, index: chunks.length });
      buffer = '';
    };
    for (const paragraph of section.paragraphs) {
      const pieces = paragraph.length > maxChars ? splitParagraph(paragraph, maxChars) : [paragraph];
      for (const piece of pieces) {
        if (buffer.length > 0 && buffer.length + 2 + piece.length <= maxChars) {
          buffer = `${buffer}\n\n${piece}`;
        } else {
          flush();
          buffer = piece;
        }
      }
    }
    flush();
  }
  return chunks;
}
