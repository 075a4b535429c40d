import { escapeHtml } from '@syfthub/service';
import { describe, expect, it } from 'vitest';
import { simplifyCitations } from '../src/mcp/tools/chat';
import { formatDiscovery } from '../src/mcp/tools/discover';

const entry = (path: string, description: string, hasUrl = true) => ({
  path,
  name: `Name | ${path}`,
  description,
  owner: path.split('/')[0] as string,
  has_url: hasUrl,
  url: hasUrl ? 'https://sat.example/api' : null,
  slug: path.split('/')[1] as string,
  tenant_name: null,
});

describe('tool output formatting', () => {
  it('renders the discovery Markdown like upstream', () => {
    const text = formatDiscovery(
      [entry('alice/model', 'x'.repeat(60))],
      [entry('bob/docs', 'short', false), entry('alice/model', 'x'.repeat(60))],
    );
    expect(text.startsWith('## Available SyftHub Endpoints\n')).toBe(true);
    expect(text).toContain('### Models (AI/ML)');
    expect(text).toContain('### Data Sources (RAG)');
    expect(text).toContain(`| alice/model | Name \\| alice/model | ${'x'.repeat(50)}... | ✅ Ready |`);
    expect(text).toContain('| bob/docs | Name \\| bob/docs | short | ⚠️ No URL |');
    expect(text.endsWith('**Summary:** Found 1 models and 2 data sources.')).toBe(true);
    expect(formatDiscovery([], [])).toContain('No endpoints found in SyftHub Hub.');
  });

  it('simplifies position-annotated citations and maps them to sources', () => {
    const sources = {
      'Loans › Books': { slug: 'lib/handbook', content: 'a' },
      'Cards › Fees': { slug: 'lib/handbook', content: 'b' },
      Other: { slug: 'x/y', content: 'c' },
    };
    const { text, citations } = simplifyCitations(
      'Three weeks. [cite:1-0:12] Cards are free [cite:2, 3].',
      sources,
    );
    expect(text).toBe('Three weeks. [1] Cards are free [2,3].');
    expect(citations).toEqual([
      { index: 1, source_path: 'lib/handbook', title: 'Loans › Books' },
      { index: 2, source_path: 'lib/handbook', title: 'Cards › Fees' },
      { index: 3, source_path: 'x/y', title: 'Other' },
    ]);
  });

  it('escapes every HTML metacharacter', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&\`</a>`)).toBe(
      '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&#96;&lt;/a&gt;',
    );
  });
});
