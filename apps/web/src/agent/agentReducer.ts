// What the agent page shows, built from the session's frames (agent-sessions.md §5): one reducer so the page and
// its tests agree on every transition.

export type AgentPhase =
  | 'idle'
  | 'connecting'
  | 'running'
  | 'awaiting_input'
  | 'completed'
  | 'failed'
  | 'cancelled'
  | 'error';

export type AgentItem =
  | { kind: 'user'; id: string; text: string }
  | { kind: 'thinking'; id: string; text: string }
  | {
      kind: 'tool_call';
      id: string;
      toolCallId: string;
      name: string;
      args: unknown;
      description: string | null;
      needsConfirmation: boolean;
      /** The user's answer once given (buttons disappear). */
      answer: 'confirmed' | 'denied' | null;
      result: { status: 'success' | 'error'; text: string } | null;
    }
  | { kind: 'message'; id: string; text: string }
  | { kind: 'input_request'; id: string; prompt: string }
  | { kind: 'failure'; id: string; text: string };

export interface AgentState {
  phase: AgentPhase;
  sessionId: string | null;
  items: AgentItem[];
  /** Tokens of the answer being written (cleared by the complete message). */
  streaming: string;
  status: { status: string; detail: string } | null;
  /** A problem to show in the alert banner. */
  error: string | null;
}

export const INITIAL_AGENT_STATE: AgentState = {
  phase: 'idle',
  sessionId: null,
  items: [],
  streaming: '',
  status: null,
  error: null,
};

export type AgentAction =
  | { type: 'start'; prompt: string }
  | { type: 'sent'; text: string }
  | { type: 'answered'; toolCallId: string; answer: 'confirmed' | 'denied' }
  | { type: 'frame'; frame: { type: string; session_id?: string; payload?: unknown } }
  | { type: 'closed'; code: number }
  | { type: 'cancel' }
  | { type: 'reset' };

const TERMINAL: ReadonlySet<AgentPhase> = new Set(['completed', 'failed', 'cancelled', 'error']);

export function isLive(phase: AgentPhase): boolean {
  return phase === 'running' || phase === 'awaiting_input';
}

export function isOver(phase: AgentPhase): boolean {
  return TERMINAL.has(phase);
}

function text(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value, null, 2) ?? '';
  } catch {
    return String(value);
  }
}

/** Why a socket closed, in words, when no frame said so (agent-sessions.md §7.1 close codes). */
function closeReason(code: number): string {
  if (code === 1009) return 'The message was too large for the session.';
  if (code === 1013) return 'Too many agent sessions right now; try again later.';
  if (code === 1006) return 'The connection to the aggregator was lost.';
  return `The session ended unexpectedly (code ${code}).`;
}

function onFrame(
  state: AgentState,
  frame: { type: string; session_id?: string; payload?: unknown },
): AgentState {
  const p = (frame.payload ?? {}) as Record<string, unknown>;
  const id = `${state.items.length}-${frame.type}`;
  const running: AgentPhase = state.phase === 'cancelled' ? 'cancelled' : 'running';
  switch (frame.type) {
    case 'session.created':
      return { ...state, phase: 'running', sessionId: frame.session_id ?? (p.session_id as string) ?? null };
    case 'agent.thinking':
      return {
        ...state,
        phase: running,
        items: [...state.items, { kind: 'thinking', id, text: text(p.content) }],
      };
    case 'agent.tool_call':
      return {
        ...state,
        phase: running,
        items: [
          ...state.items,
          {
            kind: 'tool_call',
            id,
            toolCallId: text(p.tool_call_id),
            name: text(p.tool_name),
            args: p.arguments ?? {},
            description: typeof p.description === 'string' ? p.description : null,
            needsConfirmation: p.requires_confirmation === true,
            answer: null,
            result: null,
          },
        ],
      };
    case 'agent.tool_result':
      return {
        ...state,
        phase: running,
        items: state.items.map((item) =>
          item.kind === 'tool_call' && item.toolCallId === p.tool_call_id && item.result === null
            ? {
                ...item,
                result:
                  p.status === 'error'
                    ? { status: 'error', text: text(p.error ?? 'failed') }
                    : { status: 'success', text: text(p.result ?? '') },
              }
            : item,
        ),
      };
    case 'agent.token':
      return { ...state, phase: running, streaming: state.streaming + text(p.token ?? '') };
    case 'agent.message':
      return {
        ...state,
        phase: running,
        streaming: '',
        items: [...state.items, { kind: 'message', id, text: text(p.content) }],
      };
    case 'agent.status':
      return { ...state, phase: running, status: { status: text(p.status), detail: text(p.detail ?? '') } };
    case 'agent.request_input':
      return {
        ...state,
        phase: state.phase === 'cancelled' ? 'cancelled' : 'awaiting_input',
        items: [...state.items, { kind: 'input_request', id, prompt: text(p.prompt) }],
      };
    case 'session.completed':
      return { ...state, phase: 'completed', status: null, streaming: '' };
    case 'session.failed': {
      if (state.phase === 'cancelled') return { ...state, status: null, streaming: '' };
      const message = text(p.error ?? 'The agent failed.');
      return {
        ...state,
        phase: 'failed',
        status: null,
        streaming: '',
        error: message,
        items: [...state.items, { kind: 'failure', id, text: message }],
      };
    }
    case 'agent.error':
      if (p.recoverable === true) return { ...state, error: text(p.message) };
      return { ...state, phase: 'error', status: null, error: text(p.message ?? 'The session failed.') };
    default:
      return state;
  }
}

export function agentReducer(state: AgentState, action: AgentAction): AgentState {
  switch (action.type) {
    case 'start':
      return {
        ...INITIAL_AGENT_STATE,
        phase: 'connecting',
        items: [{ kind: 'user', id: '0-user', text: action.prompt }],
      };
    case 'sent':
      return {
        ...state,
        phase: 'running',
        error: null,
        items: [...state.items, { kind: 'user', id: `${state.items.length}-user`, text: action.text }],
      };
    case 'answered':
      return {
        ...state,
        error: null,
        items: state.items.map((item) =>
          item.kind === 'tool_call' && item.toolCallId === action.toolCallId
            ? { ...item, answer: action.answer }
            : item,
        ),
      };
    case 'frame':
      return onFrame(state, action.frame);
    case 'cancel':
      return { ...state, phase: 'cancelled', status: null };
    case 'closed':
      if (isOver(state.phase)) return state;
      return { ...state, phase: 'error', status: null, error: closeReason(action.code) };
    case 'reset':
      return INITIAL_AGENT_STATE;
  }
}
