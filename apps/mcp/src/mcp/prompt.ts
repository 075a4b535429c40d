import type { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';

/** The instructions the `ask` prompt gives the assistant (mcp.md §6.6), in our own words. */
function askPromptText(query: string): string {
  return [
    `Answer this request using SyftHub: ${query}`,
    '',
    'How to go about it:',
    '1. Find one suitable model that is ready (it has a URL) and one to three relevant data sources that are ready. ' +
      'Use search_endpoints with a few keywords from the request, or discover_syfthub_endpoints for the full ' +
      'list, and get_endpoint to read the description and README of promising candidates.',
    '2. Call chat_with_syfthub with the request as the prompt, the chosen model and data sources. If the user ' +
      'wants passages or quotes rather than an answer, call retrieve_documents with the data sources instead.',
    '3. Present the answer together with the sources that were used (their paths and citations) and the ' +
      'retrieval statistics: documents retrieved per source and the time taken.',
    '',
    'Work on your own without asking for confirmation. If no suitable endpoint exists, or a call fails, say so ' +
      'plainly, explain what you tried and what the user could do next.',
  ].join('\n');
}

/** The `ask` prompt: one user message that walks the assistant through a SyftHub-backed answer. */
export function registerAskPrompt(server: McpServer): void {
  server.registerPrompt(
    'ask',
    {
      title: 'Ask SyftHub',
      description: 'Answer a question with SyftHub models and data sources, citing the sources used.',
      argsSchema: z.object({ query: z.string().describe('The question to answer') }),
    },
    ({ query }) => ({
      messages: [{ role: 'user', content: { type: 'text', text: askPromptText(query) } }],
    }),
  );
}
