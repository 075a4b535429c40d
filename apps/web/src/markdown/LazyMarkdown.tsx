import { Suspense } from 'react';
import { lazyPage } from '../lib/lazyPage';
import type { MarkdownProps } from './Markdown';

const Markdown = lazyPage(() => import('./Markdown'));

/** The renderer and its plugins are a separate chunk, fetched by the pages that show Markdown. */
export function LazyMarkdown(props: MarkdownProps) {
  return (
    <Suspense fallback={<div className="markdown markdown-loading">{props.children}</div>}>
      <Markdown {...props} />
    </Suspense>
  );
}
