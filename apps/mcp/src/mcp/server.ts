import { McpServer } from '@modelcontextprotocol/server';
import type { McpDeps } from '../deps';
import { VERSION } from '../version';
import { registerAskPrompt } from './prompt';
import { registerReadmeResources } from './resources';
import type { ToolEnv, ToolUser } from './tool-runner';
import { registerChatTool } from './tools/chat';
import { registerDiscoverTool } from './tools/discover';
import { registerGetEndpointTool } from './tools/get-endpoint';
import { registerRetrieveTool } from './tools/retrieve';
import { registerSearchTool } from './tools/search';

const INSTRUCTIONS =
  'SyftHub is a hub of AI endpoints: models and data sources published by their owners. Find endpoints with ' +
  'search_endpoints or discover_syfthub_endpoints (and inspect one with get_endpoint) before calling ' +
  'chat_with_syfthub, which answers a prompt with a model grounded in data sources, or retrieve_documents, ' +
  'which returns passages only. Endpoints are named by their path, owner/slug. Endpoint READMEs are also ' +
  'available as resources.';

/** One server instance per request, bound to the caller (the transport is stateless; mcp.md §5.1). */
export function createMcpServer(deps: McpDeps, user: ToolUser): McpServer {
  const env: ToolEnv = {
    deps,
    user,
    hub: deps.hub.asUser({
      getAccessToken: () => deps.grants.hubAccessToken(user.grantId),
      refresh: (failed) => deps.grants.refreshHubAccess(user.grantId, failed),
    }),
  };
  const server = new McpServer(
    { name: 'syfthub', title: 'SyftHub', version: VERSION },
    {
      capabilities: {
        tools: { listChanged: false },
        prompts: { listChanged: false },
        resources: { subscribe: false, listChanged: false },
      },
      instructions: INSTRUCTIONS,
    },
  );
  registerDiscoverTool(server, env);
  registerChatTool(server, env);
  registerSearchTool(server, env);
  registerGetEndpointTool(server, env);
  registerRetrieveTool(server, env);
  registerAskPrompt(server);
  registerReadmeResources(server, env);
  return server;
}
