import type { ChatStreamEvent, DonePayload, SourceSelection, SourceStatus } from '@syfthub/client';
import { seconds } from '../lib/format';

/** web.md §6.4: idle → preparing → streaming → complete | error | stopped. */
export type Phase = 'idle' | 'preparing' | 'streaming' | 'complete' | 'error' | 'stopped';

export type StepStatus = 'pending' | 'active' | 'done' | 'error';

export interface Step {
  id: 'retrieval' | 'reranking' | 'generation';
  label: string;
  status: StepStatus;
  detail: string | null;
}

export interface SourceRow {
  path: string;
  name: string;
  status: SourceStatus;
  documents: number;
  /** The search score of a source the aggregator picked (automatic selection). */
  score?: number;
}

export interface RunState {
  phase: Phase;
  /** One line for the indicator and the polite live region. */
  status: string;
  steps: Step[];
  totalSources: number;
  /** What automatic source selection did, when the question was sent without sources. */
  selection: SourceSelection | null;
  sources: SourceRow[];
  /** Display names by `owner/slug`, known from the request. */
  names: Record<string, string>;
  totalDocuments: number | null;
  retrievalMs: number | null;
  model: string | null;
  gotToken: boolean;
  /** The raw answer as streamed, markers included. */
  text: string;
  done: DonePayload | null;
  error: string | null;
  correlationId: string | null;
  warnings: string[];
}

export type RunAction =
  | { type: 'prepare'; names: Record<string, string> }
  /** Names learnt while preparing (members of a collective, once expanded). */
  | { type: 'names'; names: Record<string, string> }
  | { type: 'warning'; message: string }
  | { type: 'correlation'; id: string }
  | { type: 'event'; event: ChatStreamEvent }
  | { type: 'stop' }
  | { type: 'fail'; message: string; correlationId?: string | null }
  | { type: 'end' };

export const idleRun: RunState = {
  phase: 'idle',
  status: '',
  steps: [],
  totalSources: 0,
  selection: null,
  sources: [],
  names: {},
  totalDocuments: null,
  retrievalMs: null,
  model: null,
  gotToken: false,
  text: '',
  done: null,
  error: null,
  correlationId: null,
  warnings: [],
};

export const SOURCE_STATUS_LABELS: Record<SourceStatus, string> = {
  success: 'Success',
  timeout: 'Timed out',
  error: 'Error',
  access_denied: 'Access denied',
  payment_failed: 'Payment required',
};

export function isRunning(state: RunState): boolean {
  return state.phase === 'preparing' || state.phase === 'streaming';
}

function setStep(steps: Step[], id: Step['id'], patch: Partial<Step>): Step[] {
  return steps.map((step) => (step.id === id ? { ...step, ...patch } : step));
}

function displayName(state: RunState, path: string): string {
  return state.names[path] || path.split('/').pop() || path;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

function onEvent(state: RunState, event: ChatStreamEvent): RunState {
  switch (event.type) {
    case 'retrieval_start': {
      const generation: Step = { id: 'generation', label: 'Generation', status: 'pending', detail: null };
      const selection = event.source_selection ?? null;
      const names = { ...state.names };
      for (const source of selection?.sources ?? []) names[source.path] = source.name;
      if (event.sources === 0)
        return { ...state, selection, names, totalSources: 0, steps: [generation], status: 'Preparing…' };
      const status = selection
        ? `Searching ${plural(event.sources, 'data source')} picked for you…`
        : `Searching ${plural(event.sources, 'data source')}…`;
      return {
        ...state,
        selection,
        names,
        totalSources: event.sources,
        status,
        steps: [{ id: 'retrieval', label: 'Retrieval', status: 'active', detail: status }, generation],
      };
    }
    case 'source_complete': {
      const sources = [
        ...state.sources,
        {
          path: event.path,
          name: displayName(state, event.path),
          status: event.status,
          documents: event.documents,
          ...(event.relevance_score === undefined ? {} : { score: event.relevance_score }),
        },
      ];
      const status = `Retrieved from ${sources.length} of ${state.totalSources} sources…`;
      return { ...state, sources, status, steps: setStep(state.steps, 'retrieval', { detail: status }) };
    }
    case 'reranking_start': {
      const reranking: Step = {
        id: 'reranking',
        label: 'Ranking documents',
        status: 'active',
        detail: plural(event.documents, 'document'),
      };
      const without = state.steps.filter((step) => step.id !== 'reranking');
      const at = without.findIndex((step) => step.id === 'generation');
      const steps =
        at === -1 ? [...without, reranking] : [...without.slice(0, at), reranking, ...without.slice(at)];
      return { ...state, steps, status: 'Ranking documents…' };
    }
    case 'reranking_complete':
      return {
        ...state,
        steps: setStep(state.steps, 'reranking', {
          status: 'done',
          detail: `${plural(event.documents, 'document')} · ${seconds(event.time_ms)}`,
        }),
      };
    case 'retrieval_complete': {
      const found =
        event.total_documents > 0
          ? `Found ${plural(event.total_documents, 'relevant document')}`
          : 'No relevant documents found';
      return {
        ...state,
        totalDocuments: event.total_documents,
        retrievalMs: event.time_ms,
        steps: setStep(state.steps, 'retrieval', {
          status: 'done',
          detail: `${found} · ${seconds(event.time_ms)}`,
        }),
      };
    }
    case 'generation_start': {
      const model = event.model ?? null;
      const name = model ? displayName(state, model) : null;
      const steps = state.steps.map((step) =>
        step.id === 'generation'
          ? {
              ...step,
              status: 'active' as const,
              detail: name ? `Generating response with ${name}…` : 'Generating response…',
            }
          : { ...step, status: step.status === 'error' ? step.status : ('done' as const) },
      );
      return { ...state, model, steps, status: 'Generating response…' };
    }
    case 'generation_heartbeat': {
      if (state.gotToken) return state;
      const label = `Generating response… ${Math.round(event.elapsed_ms / 1000)} s`;
      return { ...state, status: label, steps: setStep(state.steps, 'generation', { detail: label }) };
    }
    case 'token': {
      if (state.gotToken) return { ...state, text: state.text + event.content };
      return {
        ...state,
        phase: 'streaming',
        gotToken: true,
        text: state.text + event.content,
        status: 'Writing response…',
        steps: setStep(state.steps, 'generation', { status: 'active', detail: 'Writing response…' }),
      };
    }
    case 'done':
      return {
        ...state,
        phase: 'complete',
        done: event.payload,
        status: 'Response complete',
        steps: state.steps.map((step) => ({ ...step, status: step.status === 'error' ? 'error' : 'done' })),
      };
    case 'error':
      return {
        ...state,
        phase: 'error',
        error: event.message,
        status: 'The response failed',
        steps: state.steps.map((step) => (step.status === 'active' ? { ...step, status: 'error' } : step)),
      };
  }
}

/** The step indicator's state machine, driven by the aggregator's events (web.md §6.4). */
export function runReducer(state: RunState, action: RunAction): RunState {
  switch (action.type) {
    case 'prepare':
      return { ...idleRun, phase: 'preparing', status: 'Preparing…', names: action.names };
    case 'names':
      return { ...state, names: { ...state.names, ...action.names } };
    case 'warning':
      return { ...state, warnings: [...state.warnings, action.message] };
    case 'correlation':
      return { ...state, correlationId: action.id };
    case 'event':
      // Nothing may follow a terminal state: late events of an aborted or finished stream are ignored.
      return isRunning(state) ? onEvent(state, action.event) : state;
    case 'stop':
      return isRunning(state)
        ? {
            ...state,
            phase: 'stopped',
            status: 'Stopped',
            steps: state.steps.map((step) =>
              step.status === 'active' ? { ...step, status: 'pending' } : step,
            ),
          }
        : state;
    case 'fail':
      return isRunning(state)
        ? {
            ...state,
            phase: 'error',
            error: action.message,
            status: 'The response failed',
            correlationId: action.correlationId ?? state.correlationId,
            steps: state.steps.map((step) =>
              step.status === 'active' ? { ...step, status: 'error' } : step,
            ),
          }
        : state;
    case 'end':
      return isRunning(state)
        ? runReducer(state, {
            type: 'fail',
            message: 'The connection closed before the answer was complete.',
          })
        : state;
  }
}

/** The collapsed one-line summary once an answer is complete. */
export function runSummary(state: RunState): string {
  const parts: string[] = [
    state.totalSources > 0
      ? `Searched ${plural(state.totalSources, 'source')}${state.selection ? ' picked for you' : ''}`
      : state.selection
        ? 'No data source matched'
        : 'Answered without data sources',
  ];
  if (state.totalDocuments !== null && state.totalSources > 0)
    parts.push(plural(state.totalDocuments, 'document'));
  const total = state.done?.metadata?.total_time_ms;
  if (typeof total === 'number') parts.push(seconds(total));
  return parts.join(' · ');
}
