import type { CitationSpan } from '@syfthub/client';
import { mergeCitationSpans } from '@syfthub/client';
import type { Heading, Parent, PhrasingContent, Root, Text } from 'mdast';
import { visit } from 'unist-util-visit';

/** Shifts headings down one level so a README never adds a second `h1` to the page (web.md §7). */
export function remarkShiftHeadings() {
  return (tree: Root) => {
    visit(tree, 'heading', (node: Heading) => {
      node.depth = Math.min(6, node.depth + 1) as Heading['depth'];
    });
  };
}

function text(value: string): Text {
  return { type: 'text', value };
}

function mark(value: string, indices: number[]): PhrasingContent {
  return {
    type: 'emphasis',
    data: { hName: 'mark', hProperties: { className: ['cite-highlight'], dataCite: indices.join(',') } },
    children: [text(value)],
  };
}

function badge(indices: number[]): PhrasingContent {
  return {
    type: 'emphasis',
    data: { hName: 'sup', hProperties: { className: ['cite-ref'], dataCite: indices.join(',') } },
    children: [text(indices.join(','))],
  };
}

/**
 * Wraps the Markdown text covered by each citation span in a highlight followed by its source badges (web.md
 * §6.5). Spans are offsets into the Markdown source, matched against text nodes through their source positions;
 * a text node whose value differs from its source (escapes, entities) is highlighted as a whole. No HTML is made:
 * the nodes become `mark` and `sup` elements that the sanitiser allows.
 */
export function remarkCitations(options: { spans: CitationSpan[] }) {
  return (tree: Root) => {
    const spans = mergeCitationSpans(options.spans).filter((span) => span.end > span.start);
    if (spans.length === 0) return;
    const found: { node: Text; parent: Parent }[] = [];
    visit(tree, 'text', (node: Text, _index, parent) => {
      if (parent) found.push({ node, parent });
    });
    const replacements = new Map<Text, PhrasingContent[]>();
    const lastPiece = new Map<CitationSpan, { pieces: PhrasingContent[]; piece: PhrasingContent }>();
    for (const { node } of found) {
      const start = node.position?.start.offset;
      const end = node.position?.end.offset;
      if (start === undefined || end === undefined) continue;
      const overlapping = spans.filter((span) => span.start < end && span.end > start);
      if (overlapping.length === 0) continue;
      const pieces: PhrasingContent[] = [];
      if (node.value.length !== end - start) {
        const piece = mark(
          node.value,
          [...new Set(overlapping.flatMap((span) => span.indices))].sort((a, b) => a - b),
        );
        pieces.push(piece);
        for (const span of overlapping) lastPiece.set(span, { pieces, piece });
      } else {
        let cursor = start;
        for (const span of overlapping) {
          const from = Math.max(span.start, start);
          const to = Math.min(span.end, end);
          if (from > cursor) pieces.push(text(node.value.slice(cursor - start, from - start)));
          const piece = mark(node.value.slice(from - start, to - start), span.indices);
          pieces.push(piece);
          lastPiece.set(span, { pieces, piece });
          cursor = to;
        }
        if (cursor < end) pieces.push(text(node.value.slice(cursor - start)));
      }
      replacements.set(node, pieces);
    }
    for (const [span, { pieces, piece }] of lastPiece)
      pieces.splice(pieces.indexOf(piece) + 1, 0, badge(span.indices));
    for (const { node, parent } of [...found].reverse()) {
      const pieces = replacements.get(node);
      if (!pieces) continue;
      const index = parent.children.indexOf(node);
      if (index !== -1) parent.children.splice(index, 1, ...(pieces as Parent['children']));
    }
  };
}
