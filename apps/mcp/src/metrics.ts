import type { Metrics } from '@syfthub/service';
import type { Counter, Histogram } from 'prom-client';

/** The MCP service's own metrics (mcp.md §9), registered on the service registry. */
export interface McpMetrics {
  toolCalls: Counter<'tool' | 'outcome'>;
  toolDuration: Histogram<'tool'>;
  tokensIssued: Counter<'grant_type'>;
  authorizations: Counter<'outcome'>;
}

export function createMcpMetrics(metrics: Metrics): McpMetrics {
  return {
    toolCalls: metrics.counter({
      name: 'mcp_tool_calls_total',
      help: 'MCP tool calls by tool and outcome (success, error).',
      labelNames: ['tool', 'outcome'],
    }),
    toolDuration: metrics.histogram({
      name: 'mcp_tool_duration_seconds',
      help: 'MCP tool call duration in seconds.',
      labelNames: ['tool'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 150],
    }),
    tokensIssued: metrics.counter({
      name: 'oauth_tokens_issued_total',
      help: 'Access tokens issued by grant type.',
      labelNames: ['grant_type'],
    }),
    authorizations: metrics.counter({
      name: 'oauth_authorizations_total',
      help: 'Completed sign-in + consent forms by outcome (allowed, denied, login_failed).',
      labelNames: ['outcome'],
    }),
  };
}
