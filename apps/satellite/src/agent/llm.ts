import { type Log, silentLog } from '../log';
import type { AgentSessionContext } from './session';
import { READ_DOCUMENT_DESCRIPTION, runTool, streamAnswer } from './steps';
import { type DocumentTools, ToolError } from './tools';

// The reference agent on an OpenAI-compatible chat-completions API with tool calling: the model picks the tools;
// `read_document` waits for the user's confirmation and `ask_user` becomes an input request. The API key goes only
// into the Authorization header and is never logged.

export interface OpenAiAgentOptions {
  baseUrl: string;
  model: string;
  apiKey?: string | undefined;
  timeoutMs: number;
  tools: DocumentTools;
  fetch?: typeof fetch;
  log?: Log;
  /** Model round trips before the agent gives up (each may run several tools). */
  maxSteps?: number;
}

const SYSTEM_PROMPT =
  'You answer questions about the documents held by this SyftHub satellite. Use search_documents to find ' +
  'relevant documents and read_document to read one in full (the user is asked to allow it). If the question is ' +
  'unclear, use ask_user. Answer concisely and name the documents you used.';

const TOOL_DEFINITIONS = [
  {
    type: 'function',
    function: {
      name: 'search_documents',
      description: 'Keyword search over every document of this satellite; returns titles and excerpts.',
      parameters: {
        type: 'object',
        properties: {
          query: { type: 'string', description: 'Keywords to search for' },
          limit: { type: 'integer', minimum: 1, maximum: 10 },
        },
        required: ['query'],
      },
    },
  },
  {
    type: 'function',
    function: {
      name: 'read_document',
      description: READ_DOCUMENT_DESCRIPTION,
      parameters: {
        type: 'object',
        properties: {
          source: { type: 'string', description: 'The data source slug of a search result' },
          document: { type: 'string', description: 'The document path of a search result' },
        },
        required: ['source', 'document'],
      },
    },
  },
  {
    type: 'function',
    function: {
      name: 'ask_user',
      description: 'Asks the user a question and returns their answer.',
      parameters: {
        type: 'object',
        properties: { question: { type: 'string' } },
        required: ['question'],
      },
    },
  },
] as const;

interface ToolCall {
  id: string;
  function: { name: string; arguments: string };
}

interface AssistantMessage {
  role: 'assistant';
  content: string | null;
  tool_calls?: ToolCall[];
}

type ChatMessage =
  | { role: 'system' | 'user' | 'assistant'; content: string }
  | AssistantMessage
  | { role: 'tool'; tool_call_id: string; content: string };

export class ModelCallError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelCallError';
  }
}

function parseArguments(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text || '{}');
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

const str = (value: unknown) => (typeof value === 'string' ? value : '');

function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

async function complete(
  options: OpenAiAgentOptions,
  session: AgentSessionContext,
  messages: ChatMessage[],
): Promise<AssistantMessage> {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
  const signal = AbortSignal.any([session.signal, AbortSignal.timeout(options.timeoutMs)]);
  const body = {
    model: options.model,
    messages,
    tools: TOOL_DEFINITIONS,
    tool_choice: 'auto',
    max_tokens: numberOr(session.config.max_tokens, 1024),
    temperature: numberOr(session.config.temperature, 0.2),
    stream: false,
  };
  let res: Response;
  try {
    res = await fetchImpl(`${options.baseUrl.replace(/\/+$/, '')}/chat/completions`, {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
      signal,
      redirect: 'error',
    });
  } catch {
    if (session.cancelled) throw session.signal.reason;
    throw new ModelCallError('The language model could not be reached.');
  }
  if (!res.ok) {
    await res.body?.cancel().catch(() => undefined);
    throw new ModelCallError(`The language model answered HTTP ${res.status}.`);
  }
  let parsed: { choices?: Array<{ message?: Partial<AssistantMessage> }> };
  try {
    parsed = (await res.json()) as typeof parsed;
  } catch {
    throw new ModelCallError('The language model returned an invalid response.');
  }
  const message = parsed.choices?.[0]?.message;
  if (!message) throw new ModelCallError('The language model returned an invalid response.');
  const toolCalls = Array.isArray(message.tool_calls)
    ? message.tool_calls.filter((c) => typeof c?.id === 'string' && typeof c?.function?.name === 'string')
    : [];
  return {
    role: 'assistant',
    content: typeof message.content === 'string' ? message.content : null,
    ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
  };
}

/** Runs one model-chosen tool and returns what the model gets back. */
async function runModelTool(
  session: AgentSessionContext,
  tools: DocumentTools,
  call: ToolCall,
): Promise<string> {
  const args = parseArguments(call.function.arguments);
  switch (call.function.name) {
    case 'search_documents': {
      const query = str(args.query);
      const limit = numberOr(args.limit, 5);
      const id = session.toolCall({ name: 'search_documents', arguments: { query, limit } });
      const hits = await runTool(session, id, () => tools.search(query, limit));
      return JSON.stringify(hits ?? { error: 'search failed' });
    }
    case 'read_document': {
      const source = str(args.source);
      const document = str(args.document);
      const confirmation = await session.requestConfirmation({
        name: 'read_document',
        arguments: { source, document },
        description: READ_DOCUMENT_DESCRIPTION,
      });
      if (!confirmation.confirmed) {
        const error = `Not run: the user declined${confirmation.reason ? ` (${confirmation.reason})` : ''}.`;
        session.toolResult({ toolCallId: confirmation.toolCallId, status: 'error', error });
        return JSON.stringify({ error });
      }
      const doc = await runTool(
        session,
        confirmation.toolCallId,
        () => tools.read(source, document),
        (d) => ({ title: d.title, characters: d.text.length, truncated: d.truncated }),
      );
      return JSON.stringify(doc ?? { error: 'document not found' });
    }
    case 'ask_user': {
      const answer = await session.requestInput(str(args.question) || 'Could you say more?');
      return JSON.stringify({ answer });
    }
    default: {
      const id = session.toolCall({ name: call.function.name.slice(0, 100), arguments: args });
      await runTool(session, id, () => {
        throw new ToolError(`unknown tool ${call.function.name.slice(0, 100)}`);
      });
      return JSON.stringify({ error: 'unknown tool' });
    }
  }
}

export async function runOpenAiAgent(
  session: AgentSessionContext,
  options: OpenAiAgentOptions,
): Promise<void> {
  const log = options.log ?? silentLog;
  const system = str(session.config.system_prompt);
  const messages: ChatMessage[] = [
    { role: 'system', content: system ? `${SYSTEM_PROMPT}\n\n${system}` : SYSTEM_PROMPT },
    ...session.messages
      .filter((m) => m.role === 'user' || m.role === 'assistant')
      .map((m) => ({ role: m.role as 'user' | 'assistant', content: m.content })),
    { role: 'user', content: session.prompt },
  ];
  const maxSteps = options.maxSteps ?? 8;
  for (let step = 1; step <= maxSteps; step += 1) {
    session.status('thinking', `Asking the model (step ${step})`);
    let reply: AssistantMessage;
    try {
      reply = await complete(options, session, messages);
    } catch (err) {
      if (err instanceof ModelCallError) {
        log.warn({ event: 'satellite.agent.model_failed', reason: err.message }, 'agent model call failed');
      }
      throw err;
    }
    if (!reply.tool_calls) {
      await streamAnswer(session, reply.content ?? '');
      session.status('done', 'Answered', 1);
      return;
    }
    if (reply.content) session.thinking(reply.content);
    messages.push(reply);
    for (const call of reply.tool_calls) {
      const content = await runModelTool(session, options.tools, call);
      messages.push({ role: 'tool', tool_call_id: call.id, content });
    }
  }
  throw new Error(`The agent did not finish within ${maxSteps} model steps.`);
}
