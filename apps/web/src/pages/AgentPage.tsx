import { type FormEvent, type KeyboardEvent, useEffect, useRef, useState } from 'react';
import { Link, useParams } from 'react-router';
import { type AgentItem, type AgentPhase, isLive, isOver } from '../agent/agentReducer';
import { useAgentSession } from '../agent/useAgentSession';
import { Badge } from '../components/ui';
import { useDocumentTitle } from '../lib/hooks';

// `/agent/:owner/:slug` (agent-sessions.md §11, ours): one interactive session with an agent endpoint. The first
// input starts it; later inputs answer the agent; tool calls that need consent get Confirm / Deny.

const PHASE_LABEL: Record<AgentPhase, string> = {
  idle: 'Not started',
  connecting: 'Connecting…',
  running: 'Working…',
  awaiting_input: 'Waiting for your answer',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Cancelled',
  error: 'Error',
};

const PHASE_TONE: Record<AgentPhase, string> = {
  idle: 'neutral',
  connecting: 'violet',
  running: 'violet',
  awaiting_input: 'warning',
  completed: 'success',
  failed: 'danger',
  cancelled: 'neutral',
  error: 'danger',
};

function argumentsText(args: unknown): string {
  try {
    return JSON.stringify(args, null, 2);
  } catch {
    return String(args);
  }
}

function ToolCall({
  item,
  onAnswer,
  live,
}: {
  item: Extract<AgentItem, { kind: 'tool_call' }>;
  onAnswer: (toolCallId: string, confirmed: boolean) => void;
  live: boolean;
}) {
  const asking = item.needsConfirmation && item.answer === null && item.result === null && live;
  return (
    <article className="agent-item agent-tool" aria-label={`Tool call ${item.name}`}>
      <p className="agent-item-title">
        <span aria-hidden="true">🛠</span> <code>{item.name}</code>
        {item.description && <span className="muted"> — {item.description}</span>}
      </p>
      <details>
        <summary className="small muted">Arguments</summary>
        <pre className="agent-pre">{argumentsText(item.args)}</pre>
      </details>
      {asking && (
        <fieldset className="agent-confirm" aria-label={`Allow ${item.name}?`}>
          <legend>The agent asks before running this tool.</legend>
          <button
            type="button"
            className="button button-primary"
            onClick={() => onAnswer(item.toolCallId, true)}
          >
            Confirm
          </button>
          <button type="button" className="button" onClick={() => onAnswer(item.toolCallId, false)}>
            Deny
          </button>
        </fieldset>
      )}
      {item.answer && !item.result && (
        <p className="small muted">{item.answer === 'confirmed' ? 'Confirmed.' : 'Denied.'}</p>
      )}
      {item.result && (
        <details
          className={`agent-result agent-result-${item.result.status}`}
          open={item.result.status === 'error'}
        >
          <summary className="small">{item.result.status === 'success' ? '✓ Result' : '✕ Failed'}</summary>
          <pre className="agent-pre">{item.result.text}</pre>
        </details>
      )}
    </article>
  );
}

function Item({
  item,
  onAnswer,
  live,
}: {
  item: AgentItem;
  onAnswer: (toolCallId: string, confirmed: boolean) => void;
  live: boolean;
}) {
  switch (item.kind) {
    case 'user':
      return (
        <article className="message message-user" aria-label="You">
          <div className="bubble">{item.text}</div>
        </article>
      );
    case 'thinking':
      return (
        <details className="agent-item agent-thinking">
          <summary className="small muted">Thinking</summary>
          <p>{item.text}</p>
        </details>
      );
    case 'tool_call':
      return <ToolCall item={item} onAnswer={onAnswer} live={live} />;
    case 'message':
      return (
        <article className="message message-assistant" aria-label="Agent">
          <div className="bubble agent-message">{item.text}</div>
        </article>
      );
    case 'input_request':
      return (
        <p className="agent-item agent-question">
          <span aria-hidden="true">❓</span> {item.prompt}
        </p>
      );
    case 'failure':
      return <p className="agent-item agent-failure">{item.text}</p>;
  }
}

export default function AgentPage() {
  const { owner = '', slug = '' } = useParams();
  useDocumentTitle(`Agent ${owner}/${slug}`);
  const { state, start, reply, answer, cancel, reset } = useAgentSession(owner, slug);
  const [draft, setDraft] = useState('');
  const input = useRef<HTMLTextAreaElement>(null);
  const live = isLive(state.phase);
  const canType = state.phase === 'idle' || live;

  useEffect(() => {
    if (state.phase === 'awaiting_input' || state.phase === 'idle') input.current?.focus();
  }, [state.phase]);

  function submit(event?: FormEvent) {
    event?.preventDefault();
    const text = draft.trim();
    if (text === '' || !canType) return;
    setDraft('');
    if (state.phase === 'idle') void start(text);
    else reply(text);
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === 'Enter' && !event.shiftKey) submit(event);
  }

  function startOver() {
    reset();
    setDraft('');
    input.current?.focus();
  }

  return (
    <div className="page agent-page">
      <header className="agent-header">
        <div className="endpoint-title-row">
          <h1>{slug}</h1>
          <Badge tone="violet">agent</Badge>
          <span role="status" aria-live="polite">
            <Badge tone={PHASE_TONE[state.phase]}>{PHASE_LABEL[state.phase]}</Badge>
          </span>
        </div>
        <p className="endpoint-path">
          <Link to={`/${owner}/${slug}`}>
            @{owner} / {slug}
          </Link>
        </p>
        <div className="endpoint-actions">
          {(live || state.phase === 'connecting') && (
            <button type="button" className="button" onClick={cancel}>
              Cancel
            </button>
          )}
          {isOver(state.phase) && (
            <button type="button" className="button button-primary" onClick={startOver}>
              Start over
            </button>
          )}
        </div>
      </header>

      {state.error && (
        <div className="alert alert-error" role="alert">
          {state.error}
        </div>
      )}

      <section className="agent-log" role="log" aria-live="polite" aria-label="Session events">
        {state.items.length === 0 && (
          <p className="muted">
            Ask the agent something to start a session. It streams its steps as it works.
          </p>
        )}
        {state.items.map((item) => (
          <Item key={item.id} item={item} onAnswer={answer} live={live} />
        ))}
        {state.streaming && (
          <article className="message message-assistant" aria-label="Agent (writing)">
            <div className="bubble agent-message">{state.streaming}</div>
          </article>
        )}
        {state.status && live && (
          <p className="small muted agent-status">{state.status.detail || state.status.status}</p>
        )}
      </section>

      <form className="composer agent-composer" onSubmit={submit}>
        <label htmlFor="agent-input" className="visually-hidden">
          {state.phase === 'idle' ? 'Your question' : 'Your answer'}
        </label>
        <div className="composer-box">
          <textarea
            id="agent-input"
            ref={input}
            rows={2}
            value={draft}
            disabled={!canType}
            placeholder={
              state.phase === 'idle'
                ? 'Ask the agent…'
                : state.phase === 'awaiting_input'
                  ? 'Answer the agent…'
                  : 'Send the agent a message…'
            }
            onChange={(event) => setDraft(event.target.value)}
            onKeyDown={onKeyDown}
          />
          <div className="composer-toolbar">
            <button
              type="submit"
              className="button button-primary"
              disabled={!canType || draft.trim() === ''}
            >
              {state.phase === 'idle' ? 'Start' : 'Send'}
            </button>
          </div>
        </div>
      </form>
    </div>
  );
}
