import type { CatalogueEntry } from '../catalogue';
import type { DocumentIndex } from './index';

const MAX_LISTED_TITLES = 50;

/** Markdown special characters are escaped so a document title cannot inject links or markup into the README. */
function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}

export function generateReadme(entry: CatalogueEntry, index: DocumentIndex): string {
  const docCount = index.documents.length;
  const lines = [
    `# ${escapeMarkdown(entry.name)}`,
    '',
    entry.description === '' ? null : `${entry.description}`,
    entry.description === '' ? null : '',
    'This data source is served by the SyftHub reference satellite. It answers questions with BM25 keyword ' +
      'retrieval over the passages of its documents: each query returns the best-matching passages, scored ' +
      'relative to the best match.',
    '',
    '## Contents',
    '',
    `- Documents: ${docCount}`,
    `- Passages (chunks): ${index.chunks.length}`,
    `- Index last built: ${index.builtAt.toISOString()}`,
    '',
  ];
  if (docCount > 0) {
    lines.push(
      docCount > MAX_LISTED_TITLES ? `## Documents (first ${MAX_LISTED_TITLES})` : '## Documents',
      '',
    );
    for (const doc of index.documents.slice(0, MAX_LISTED_TITLES))
      lines.push(`- ${escapeMarkdown(doc.title)}`);
    lines.push('');
  }
  return lines.filter((line): line is string => line !== null).join('\n');
}
