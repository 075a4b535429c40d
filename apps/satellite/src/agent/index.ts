export {
  AgentBridge,
  type AgentBridgeOptions,
  type AgentLookup,
  isAgentMessage,
  MAX_AGENT_SESSIONS,
  type TokenCheck,
} from './bridge';
export { type OpenAiAgentOptions, runOpenAiAgent } from './llm';
export { createReferenceAgent, type ReferenceAgentOptions } from './reference';
export { type AgentHandler, AgentSessionContext, SessionCancelledError, type UserInput } from './session';
export { DocumentTools, type SearchHit, ToolError } from './tools';
