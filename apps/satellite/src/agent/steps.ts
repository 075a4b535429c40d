import { performance } from 'node:perf_hooks';
import type { AgentSessionContext } from './session';
import { ToolError } from './tools';

// Steps both flavours of the reference agent share.

export const READ_DOCUMENT_DESCRIPTION =
  'Reads a whole document and gives its full text to the model. Confirm to allow it.';
/** Runs one tool with its `tool_call` / `tool_result` pair; a ToolError becomes an error result. */
export async function runTool<T>(
  session: AgentSessionContext,
  toolCallId: string,
  work: () => T | Promise<T>,
  summarise: (value: T) => unknown = (value) => value,
): Promise<T | null> {
  const started = performance.now();
  try {
    const value = await work();
    session.toolResult({
      toolCallId,
      status: 'success',
      result: summarise(value),
      durationMs: performance.now() - started,
    });
    return value;
  } catch (err) {
    if (!(err instanceof ToolError)) throw err;
    session.toolResult({
      toolCallId,
      status: 'error',
      error: err.message,
      durationMs: performance.now() - started,
    });
    return null;
  }
}

/** Streams `text` as word-sized `agent.token` events, then the whole `agent.message`. */
export async function streamAnswer(session: AgentSessionContext, text: string): Promise<void> {
  for (const piece of text.match(/\S+\s*/g) ?? []) {
    session.token(piece);
    // Lets cancels and other sessions in between long answers.
    await new Promise((resolve) => setImmediate(resolve));
  }
  session.message(text);
}
