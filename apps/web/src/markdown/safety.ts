import type { Element, Root as HastRoot } from 'hast';
import { defaultSchema, type Options as SanitizeSchema } from 'rehype-sanitize';
import { visit } from 'unist-util-visit';

const SCHEME = /^([a-z][a-z0-9+.-]*):/i;

function scheme(url: string): string | null {
  const match = SCHEME.exec(url.trim());
  if (!match?.[1]) return null;
  // "a/b:c" or "?x:y" are relative references, not schemes.
  const colon = url.indexOf(':');
  const firstDelimiter = url.search(/[/?#]/);
  if (firstDelimiter !== -1 && firstDelimiter < colon) return null;
  return match[1].toLowerCase();
}

/**
 * URL policy of web.md §7: links keep `http`, `https` and `mailto`; images keep `http`, `https` and `data:image/…`;
 * relative references stay (they cannot leave the origin). Everything else becomes empty.
 */
export function safeUrlTransform(url: string, key: string, node: Readonly<Element>): string {
  const found = scheme(url);
  if (found === null) return url;
  const isImage = node.tagName === 'img' && key === 'src';
  if (isImage) {
    if (found === 'http' || found === 'https') return url;
    return /^data:image\/(png|gif|jpe?g|webp|avif);/i.test(url.trim()) ? url : '';
  }
  return found === 'http' || found === 'https' || found === 'mailto' ? url : '';
}

/** GitHub's sanitising schema plus our citation elements and inline images. */
export const sanitizeSchema: SanitizeSchema = {
  ...defaultSchema,
  tagNames: [...(defaultSchema.tagNames ?? []), 'mark'],
  attributes: {
    ...defaultSchema.attributes,
    mark: ['dataCite', ['className', 'cite-highlight']],
    sup: [...(defaultSchema.attributes?.sup ?? []), 'dataCite', ['className', 'cite-ref']],
  },
  protocols: {
    ...defaultSchema.protocols,
    href: ['http', 'https', 'mailto'],
    src: ['http', 'https', 'data'],
  },
};

/**
 * Raw HTML in Markdown is shown as text, never parsed (web.md §7); converting the `raw` nodes before the
 * sanitiser keeps them visible instead of silently dropped.
 */
export function rehypeRawAsText() {
  return (tree: HastRoot) => {
    visit(tree, 'raw', (node, index, parent) => {
      if (!parent || typeof index !== 'number') return;
      parent.children[index] = { type: 'text', value: (node as { value: string }).value };
    });
  };
}
