import { createHash } from 'node:crypto';
import { createBm25Index, splitSentences } from '@syfthub/retrieval';
import type { ChatMessage, ModelBackend, ModelRequest, ModelResult, ModelSummary, Usage } from './types';
import { countWords } from './types';

export const DEMO_MODEL_NAME = 'syfthub-demo-extractive';
export const DEMO_LABEL = '[Demo model: extractive answer, no language model configured]';
export const DEMO_NO_CONTEXT =
  'This demo model does not generate text: it can only quote sentences from documents that are supplied with ' +
  'the question, and none of the supplied text matched it. Set OPENAI_BASE_URL and OPENAI_MODEL on the satellite ' +
  'to connect an OpenAI-compatible language model and get real answers.';
const MAX_SENTENCES = 3;

interface Passage {
  /** The N of a `[N]:` line, or null for unnumbered passages. */
  number: number | null;
  /** Tie-break rank: N for numbered passages, order of appearance otherwise. */
  rank: number;
  text: string;
}

const QUESTION_LINE = /^[ \t]*USER QUESTION:[ \t]*(.*)$/gm;
const NUMBERED = /^[ \t]*\[(\d+)\]:[ \t]?(.*)$/gm;
const CONTENT_BLOCK = /<content>([\s\S]*?)<\/content>/g;

function unescapeXml(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** Splits the aggregator's user message (aggregator.md §7) into the context part and the question. */
export function splitPrompt(content: string): { context: string; question: string } {
  const matches = [...content.matchAll(QUESTION_LINE)];
  const last = matches.at(-1);
  if (last === undefined) return { context: content, question: content.trim() };
  const after = content.slice(last.index + last[0].length);
  const question = `${last[1] ?? ''}${after}`
    .trim()
    .replace(/\n[ \t]*---[ \t]*$/, '')
    .trim();
  return { context: content.slice(0, last.index), question: question === '---' ? '' : question };
}

export function extractPassages(context: string): Passage[] {
  const numbered = [...context.matchAll(NUMBERED)].map((m) => ({
    number: Number(m[1]),
    rank: Number(m[1]),
    text: m[2] ?? '',
  }));
  if (numbered.length > 0) return numbered;
  return [...context.matchAll(CONTENT_BLOCK)].map((m, i) => ({
    number: null,
    rank: i,
    text: unescapeXml(m[1] ?? ''),
  }));
}

/** The deterministic extractive answer of satellite-protocol.md §8.4. */
export function demoAnswerText(messages: readonly ChatMessage[]): string {
  const lastUser = [...messages].reverse().find((m) => m.role === 'user');
  if (lastUser === undefined) return `${DEMO_LABEL}\n\n${DEMO_NO_CONTEXT}`;
  const { context, question } = splitPrompt(lastUser.content);

  const sentences = extractPassages(context).flatMap((passage) =>
    splitSentences(passage.text).map((text) => ({ passage, text })),
  );
  const scores = createBm25Index(sentences.map((s, i) => ({ id: String(i), text: s.text }))).scoreAll(
    question,
  );
  const ranked = sentences
    .map((sentence, position) => ({ ...sentence, position, score: scores[position] ?? 0 }))
    .filter((s) => s.score > 0)
    .sort((a, b) => b.score - a.score || a.passage.rank - b.passage.rank || a.position - b.position);

  const chosen: typeof ranked = [];
  const seen = new Set<string>();
  for (const sentence of ranked) {
    if (chosen.length === MAX_SENTENCES) break;
    // The same sentence can arrive from two sources; quoting it twice would only pad the answer.
    if (seen.has(sentence.text)) continue;
    seen.add(sentence.text);
    chosen.push(sentence);
  }
  if (chosen.length === 0) return `${DEMO_LABEL}\n\n${DEMO_NO_CONTEXT}`;

  const quoted = chosen.map((s) =>
    s.passage.number === null ? s.text : `${s.text} [cite:${s.passage.number}]`,
  );
  return `${DEMO_LABEL}\n\nBased on the provided sources: ${quoted.join(' ')}`;
}

function usageOf(messages: readonly ChatMessage[], answer: string): Usage {
  const prompt = messages.reduce((sum, m) => sum + countWords(m.content), 0);
  const completion = countWords(answer);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

function responseId(messages: readonly ChatMessage[]): string {
  const digest = createHash('sha256').update(JSON.stringify(messages)).digest('hex');
  return `demo-${digest.slice(0, 24)}`;
}

export const DEMO_PROVIDER_INFO = { provider: 'syfthub-demo', mode: 'extractive', llm: false } as const;

export function demoSummary(messages: readonly ChatMessage[]): ModelSummary {
  const content = demoAnswerText(messages);
  const usage = usageOf(messages, content);
  return {
    id: responseId(messages),
    model: DEMO_MODEL_NAME,
    message: { role: 'assistant', content, tokens: usage.completion_tokens },
    finish_reason: 'stop',
    usage,
    provider_info: { ...DEMO_PROVIDER_INFO },
  };
}

/** One chunk per word with its trailing whitespace, so the chunks concatenate to exactly the JSON answer. */
export function* demoStreamChunks(summary: ModelSummary): Generator<string> {
  const base = { id: summary.id, object: 'chat.completion.chunk', model: summary.model };
  for (const word of summary.message.content.match(/\S+\s*/g) ?? []) {
    yield JSON.stringify({ ...base, choices: [{ index: 0, delta: { content: word }, finish_reason: null }] });
  }
  yield JSON.stringify({
    ...base,
    choices: [{ index: 0, delta: {}, finish_reason: summary.finish_reason }],
    usage: summary.usage,
    cost: 0,
    currency: 'USD',
    policy_metadata: { outcome: 'success', entries: [] },
  });
}

async function* fromSync(chunks: Iterable<string>): AsyncGenerator<string> {
  yield* chunks;
}

export function createDemoModel(): ModelBackend {
  return {
    mode: 'demo',
    async respond(request: ModelRequest): Promise<ModelResult> {
      const summary = demoSummary(request.messages);
      if (!request.stream) return { kind: 'json', summary };
      return { kind: 'stream', chunks: fromSync(demoStreamChunks(summary)) };
    },
    isHealthy: async () => true,
    lastHealth: () => true,
  };
}
