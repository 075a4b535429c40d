import { type Log, silentLog } from '../log';
import { demoAnswerText } from '../model/demo';
import { type OpenAiAgentOptions, runOpenAiAgent } from './llm';
import type { AgentHandler, AgentSessionContext } from './session';
import { READ_DOCUMENT_DESCRIPTION, runTool, streamAnswer } from './steps';
import type { DocumentText, DocumentTools, SearchHit } from './tools';

// The reference agent (issue 15): answers questions about the satellite's own documents. It searches, asks the
// user to confirm before reading a whole document (the full text goes to the model), and streams each step.
// Without a language model a fixed plan runs and the demo model writes an extractive answer; with an
// OpenAI-compatible model the model chooses the tools.

const SEARCH_ATTEMPTS = 3;

export interface ReferenceAgentOptions {
  tools: DocumentTools;
  /** Set to use an OpenAI-compatible model; absent runs the demo plan. */
  openai?: Omit<OpenAiAgentOptions, 'tools'> | undefined;
  log?: Log;
}

/** The aggregator's prompt shape, which the demo model quotes from (aggregator.md §7). */
function demoPrompt(question: string, hits: SearchHit[], document: DocumentText | null): string {
  const passages = document ? [document.text, ...hits.map((h) => h.excerpt)] : hits.map((h) => h.excerpt);
  const lines = passages.map((text, i) => `[${i + 1}]: ${text.replace(/\s+/g, ' ')}`);
  return `${lines.join('\n')}\n\nUSER QUESTION: ${question}`;
}

async function demoPlan(session: AgentSessionContext, tools: DocumentTools): Promise<void> {
  session.status('started', 'Reading the question');
  let query = session.prompt.trim();
  session.thinking(`I will search this satellite's documents for "${query}".`);
  let hits: SearchHit[] = [];
  for (let attempt = 1; attempt <= SEARCH_ATTEMPTS; attempt += 1) {
    const id = session.toolCall({
      name: 'search_documents',
      arguments: { query, limit: 5 },
      description: 'Keyword search over every document of this satellite.',
    });
    hits = (await runTool(session, id, () => tools.search(query, 5))) ?? [];
    if (hits.length > 0) break;
    if (attempt === SEARCH_ATTEMPTS) break;
    const reply = await session.requestInput(
      `I found nothing about "${query}" in the documents. What should I search for instead?`,
    );
    query = reply.trim() || query;
    session.thinking(`Searching again for "${query}".`);
  }
  if (hits.length === 0) {
    await streamAnswer(session, 'I could not find anything about this in the documents of this satellite.');
    session.status('done', 'No matching documents', 1);
    return;
  }
  const best = hits[0] as SearchHit;
  session.thinking(
    `The best match is "${best.title}" (${best.source}/${best.document}). Reading the whole document gives a ` +
      'fuller answer than the excerpts.',
  );
  const confirmation = await session.requestConfirmation({
    name: 'read_document',
    arguments: { source: best.source, document: best.document },
    description: READ_DOCUMENT_DESCRIPTION,
  });
  let document: DocumentText | null = null;
  if (confirmation.confirmed) {
    document = await runTool(
      session,
      confirmation.toolCallId,
      () => tools.read(best.source, best.document),
      (doc) => ({ title: doc.title, characters: doc.text.length, truncated: doc.truncated }),
    );
  } else {
    session.toolResult({
      toolCallId: confirmation.toolCallId,
      status: 'error',
      error: `Not run: the user declined${confirmation.reason ? ` (${confirmation.reason})` : ''}.`,
    });
    session.thinking('I will answer from the search excerpts only.');
  }
  session.status('answering', 'Writing the answer', 0.8);
  const answer = demoAnswerText([{ role: 'user', content: demoPrompt(session.prompt, hits, document) }]);
  await streamAnswer(session, answer);
  session.status('done', 'Answered', 1);
}

export function createReferenceAgent(options: ReferenceAgentOptions): AgentHandler {
  const log = options.log ?? silentLog;
  return async (session) => {
    if (options.openai) {
      await runOpenAiAgent(session, { ...options.openai, tools: options.tools, log });
      return;
    }
    await demoPlan(session, options.tools);
  };
}
