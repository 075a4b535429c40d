import { randomUUID } from 'node:crypto';
import type { CallToolResult } from '@modelcontextprotocol/server';
import { type HubClient, isApiError } from '@syfthub/client';
import { currentCorrelationId, currentLogger } from '@syfthub/service';
import type { McpDeps } from '../deps';
import { HubSessionEndedError, HubUnavailableError } from '../grants/grants';
import { ToolFailure } from './endpoints';

/** Who a tool acts for: the access token's user, client and grant. */
export interface ToolUser {
  userId: number;
  email: string;
  grantId: string;
  clientId: string;
}

/** What every tool, prompt and resource handler gets: the deps, the user, and a hub client acting as them. */
export interface ToolEnv {
  deps: McpDeps;
  user: ToolUser;
  hub: HubClient;
}

/** A tool's JSON result (mcp.md §6 output convention). */
export type ToolOutput = { success: boolean } & Record<string, unknown>;

export const AUTH_FAILED = 'Authentication failed. Please re-authenticate with SyftHub.';

export const nowIso = () => new Date().toISOString();

/** The result both as structured content and as one text item with the same JSON; failures flagged `isError`. */
function toCallToolResult(output: ToolOutput): CallToolResult {
  return {
    content: [{ type: 'text', text: JSON.stringify(output) }],
    structuredContent: output,
    ...(output.success ? {} : { isError: true }),
  };
}

export interface ToolRun {
  name: string;
  /** The tool's failure shape around an error text. */
  failure: (error: string) => ToolOutput;
  /** Extra `mcp.tool.called` fields, known before the call (never the prompt itself). */
  logFields?: { prompt_length?: number; sources_count?: number };
}

class ToolTimeout extends Error {}

function errorText(error: unknown, timeoutSeconds: number): string | null {
  if (error instanceof ToolFailure) return error.message;
  if (error instanceof HubSessionEndedError || error instanceof HubUnavailableError) return error.message;
  if (error instanceof ToolTimeout)
    return `The request took longer than ${timeoutSeconds} s and was stopped.`;
  if (isApiError(error) && error.status === 401) return AUTH_FAILED;
  if (isApiError(error) && (error.status === 0 || error.status >= 500)) {
    return 'SyftHub is temporarily unavailable. Please try again shortly.';
  }
  return null;
}

/**
 * Runs a tool's work under the tool time limit and the client's cancellation, maps failures to the tool's error
 * shape, and records `mcp.tool.called` and the tool metrics.
 */
export async function runTool(
  env: ToolEnv,
  cancel: AbortSignal,
  run: ToolRun,
  work: (signal: AbortSignal) => Promise<ToolOutput>,
): Promise<CallToolResult> {
  const { deps, user } = env;
  const timeoutSeconds = deps.config.MCP_TOOL_TIMEOUT_SECONDS;
  const signal = AbortSignal.any([cancel, AbortSignal.timeout(timeoutSeconds * 1000)]);
  const started = performance.now();
  let output: ToolOutput;
  try {
    const aborted = new Promise<never>((_, reject) => {
      const fail = () => reject(cancel.aborted ? cancel.reason : new ToolTimeout());
      if (signal.aborted) fail();
      else signal.addEventListener('abort', fail, { once: true });
    });
    output = await Promise.race([work(signal), aborted]);
  } catch (error) {
    const known = errorText(error, timeoutSeconds);
    if (known === null) {
      const correlationId = currentCorrelationId() ?? randomUUID();
      (currentLogger() ?? deps.logger).error(
        { event: 'mcp.tool.failed', tool: run.name, error },
        'Tool failed unexpectedly',
      );
      output = run.failure(`Unexpected error (correlation id ${correlationId}).`);
    } else {
      output = run.failure(known);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const outcome = output.success ? 'success' : 'error';
  deps.mcpMetrics.toolCalls.inc({ tool: run.name, outcome });
  deps.mcpMetrics.toolDuration.observe({ tool: run.name }, seconds);
  (currentLogger() ?? deps.logger).info(
    {
      event: 'mcp.tool.called',
      tool: run.name,
      user_id: user.userId,
      client_id: user.clientId,
      duration_ms: Math.round(seconds * 1000),
      outcome,
      ...run.logFields,
    },
    'Tool called',
  );
  return toCallToolResult(output);
}
