import { describe, expect, it } from 'vitest';
import { buildMessages, DEFAULT_SYSTEM_PROMPT } from '../src/prompt';
import type { RetrievedDocument } from '../src/types';

const doc = (path: string, content: string, extra: Partial<RetrievedDocument> = {}): RetrievedDocument => ({
  path,
  content,
  score: 0.83,
  metadata: {},
  sourceIndex: 0,
  docIndex: 0,
  ...extra,
});

const QUESTION = '\n\n---\nUSER QUESTION:\nWhat is clause 7?\n---';

describe('buildMessages', () => {
  const base = { prompt: 'What is clause 7?', customSystemPrompt: null, history: [], numbered: false };

  it('case A: no sources, general knowledge, question block last', () => {
    const messages = buildMessages({ ...base, dataSourcesRequested: false, documents: [] });
    expect(messages[0]).toEqual({ role: 'system', content: DEFAULT_SYSTEM_PROMPT });
    expect(messages[1]!.content.endsWith(QUESTION)).toBe(true);
    expect(messages[1]!.content).toMatch(/general knowledge/);
  });

  it('case B: sources searched, nothing found', () => {
    const messages = buildMessages({ ...base, dataSourcesRequested: true, documents: [] });
    expect(messages[1]!.content).toMatch(/returned any documents|none of them held relevant information/);
    expect(messages[1]!.content.endsWith(QUESTION)).toBe(true);
  });

  it('case C: numbered SOURCES block, one line per document with newlines flattened', () => {
    const messages = buildMessages({
      ...base,
      numbered: true,
      dataSourcesRequested: true,
      documents: [doc('a/x', 'First\nline'), doc('b/y', 'Second\r\ndoc')],
    });
    const user = messages.at(-1)!.content;
    expect(user).toContain('[cite:N]');
    expect(user).toContain('\nSOURCES:\n[1]: First line\n[2]: Second doc' + QUESTION);
  });

  it('case D: documents grouped by source with escaping, N/A scores and default titles', () => {
    const messages = buildMessages({
      ...base,
      dataSourcesRequested: true,
      documents: [
        doc('a/x', 'x1 <b>&', { metadata: { title: 'T<1>' } }),
        doc('b/y', 'y1', { score: null }),
        doc('a/x', 'x2', { score: 0.5 }),
      ],
    });
    const user = messages.at(-1)!.content;
    expect(user).toContain('[owner/slug]');
    expect(user).toContain(
      '<documents>\n' +
        '<document index="1"><source>a/x</source><title>T&lt;1&gt;</title><relevance>0.83</relevance><content>x1 &lt;b&gt;&amp;</content></document>\n' +
        '<document index="2"><source>a/x</source><title>Document 2</title><relevance>0.50</relevance><content>x2</content></document>\n' +
        '<document index="3"><source>b/y</source><title>Document 3</title><relevance>N/A</relevance><content>y1</content></document>\n' +
        '</documents>' +
        QUESTION,
    );
  });

  it('uses the custom system prompt and copies history verbatim', () => {
    const messages = buildMessages({
      ...base,
      customSystemPrompt: 'Be terse.',
      history: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'hello' },
      ],
      dataSourcesRequested: false,
      documents: [],
    });
    expect(messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(messages[0]!.content).toBe('Be terse.');
    expect(messages[2]!.content).toBe('hello');
  });
});
