import { parseAnnotatedResponse, streamingDisplayText, stripCitationMarkers } from '@syfthub/client';
import { useMemo, useState } from 'react';
import { CopyButton } from '../components/ui';
import { seconds } from '../lib/format';
import { LazyMarkdown } from '../markdown/LazyMarkdown';
import { isRunning, type RunState, runSummary, SOURCE_STATUS_LABELS, type Step } from './runReducer';
import { type CitedSource, SourceHoverCard } from './SourceCard';
import type { AssistantTurn, UserTurn } from './useConversation';

const STEP_ICONS: Record<Step['status'], string> = { pending: '○', active: '◌', done: '✓', error: '✕' };
const STEP_TEXT: Record<Step['status'], string> = {
  pending: 'pending',
  active: 'in progress',
  done: 'done',
  error: 'failed',
};
const SOURCE_ICONS: Record<string, string> = {
  success: '✓',
  timeout: '⏱',
  error: '✕',
  access_denied: '⊘',
  payment_failed: '$',
};

export function UserMessage({ turn }: { turn: UserTurn }) {
  return (
    <article className="message message-user" aria-label="Your message">
      <div className="bubble">{turn.content}</div>
      <p className="message-meta small muted">
        {turn.model.name}
        {turn.sources.length > 0 && ` · ${turn.sources.map((source) => source.name).join(', ')}`}
      </p>
    </article>
  );
}

/** The "chain of thought" step list above an answer (web.md §6.4). */
export function StepIndicator({ run }: { run: RunState }) {
  const running = isRunning(run);
  const [expanded, setExpanded] = useState(false);
  if (run.phase === 'preparing' && run.steps.length === 0) {
    return (
      <div className="steps">
        <p className="step step-active">
          <span className="step-icon spinning" aria-hidden="true">
            ◌
          </span>
          Preparing…
        </p>
      </div>
    );
  }
  const list = (
    <ol className="steps-list">
      {run.steps.map((step) => (
        <li key={step.id} className={`step step-${step.status}`}>
          <span className={`step-icon${step.status === 'active' ? ' spinning' : ''}`} aria-hidden="true">
            {STEP_ICONS[step.status]}
          </span>
          <span className="step-label">
            {step.label}
            <span className="visually-hidden"> ({STEP_TEXT[step.status]})</span>
          </span>
          {step.detail && <span className="step-detail muted">{step.detail}</span>}
          {step.id === 'retrieval' && run.sources.length > 0 && (
            <ul className="source-rows">
              {run.sources.map((source) => (
                <li key={source.path} className={`source-row source-${source.status}`}>
                  <span aria-hidden="true">{SOURCE_ICONS[source.status] ?? '•'}</span>
                  <span className="source-row-name" title={source.path}>
                    {source.name}
                  </span>
                  <span className="source-row-status">{SOURCE_STATUS_LABELS[source.status]}</span>
                  <span className="muted">
                    {source.documents} doc{source.documents === 1 ? '' : 's'}
                  </span>
                  {source.score !== undefined && (
                    <span className="muted small">picked for you · relevance {source.score.toFixed(2)}</span>
                  )}
                </li>
              ))}
            </ul>
          )}
        </li>
      ))}
    </ol>
  );
  if (running || run.phase === 'error') return <div className="steps">{list}</div>;
  return (
    <div className="steps steps-collapsed">
      <button
        type="button"
        className="link-button small"
        aria-expanded={expanded}
        onClick={() => setExpanded((v) => !v)}
      >
        {expanded ? '▾' : '▸'} {runSummary(run)}
      </button>
      {expanded && list}
    </div>
  );
}

function sourcesOf(run: RunState): CitedSource[] {
  return Object.entries(run.done?.sources ?? {}).map(([title, doc]) => ({
    title,
    slug: doc.slug,
    content: doc.content,
  }));
}

function SourcesSection({ sources }: { sources: CitedSource[] }) {
  const [all, setAll] = useState(false);
  if (sources.length === 0) return null;
  const shown = all ? sources : sources.slice(0, 3);
  return (
    <section className="answer-sources" aria-label="Sources">
      <h3 className="small muted">Sources</h3>
      <ul className="pills">
        {shown.map((source, index) => (
          <li key={source.title}>
            <SourceHoverCard source={source} className="pill" label={`Source ${index + 1}: ${source.title}`}>
              <span className="pill-number">{index + 1}</span>{' '}
              <span className="pill-title">{source.title}</span>
            </SourceHoverCard>
          </li>
        ))}
        {sources.length > 3 && (
          <li>
            <button
              type="button"
              className="pill pill-more"
              aria-expanded={all}
              onClick={() => setAll((v) => !v)}
            >
              {all ? 'Show fewer' : `+${sources.length - 3} more`}
            </button>
          </li>
        )}
      </ul>
    </section>
  );
}

function Details({ run }: { run: RunState }) {
  const done = run.done;
  if (!done) return null;
  const billing = done.billing;
  return (
    <details className="answer-details">
      <summary>Details</summary>
      {done.retrieval_info.length > 0 && (
        <table className="table table-compact">
          <caption className="visually-hidden">Retrieval per data source</caption>
          <thead>
            <tr>
              <th scope="col">Source</th>
              <th scope="col">Status</th>
              <th scope="col">Documents</th>
              <th scope="col">Message</th>
            </tr>
          </thead>
          <tbody>
            {done.retrieval_info.map((info) => (
              <tr key={info.path}>
                <td>{run.names[info.path] ?? info.path}</td>
                <td>{SOURCE_STATUS_LABELS[info.status] ?? info.status}</td>
                <td>{info.documents_retrieved}</td>
                <td>{info.error_message ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <dl className="details-list">
        {done.metadata && (
          <>
            <dt>Timing</dt>
            <dd>
              retrieval {seconds(done.metadata.retrieval_time_ms)} · generation{' '}
              {seconds(done.metadata.generation_time_ms)} · total {seconds(done.metadata.total_time_ms)}
            </dd>
          </>
        )}
        {done.usage && (
          <>
            <dt>Usage</dt>
            <dd>
              {done.usage.prompt_tokens} prompt + {done.usage.completion_tokens} completion ={' '}
              {done.usage.total_tokens} tokens
            </dd>
          </>
        )}
        {billing && (
          <>
            <dt>Billing</dt>
            <dd>
              {billing.total_cost !== null
                ? `${billing.total_cost} ${billing.currency ?? ''}`
                : 'Mixed or unknown total'}
              <ul>
                {billing.entries.map((entry, index) => (
                  <li key={`${entry.source}-${index}`}>
                    {entry.source}: {entry.policy_type ?? 'policy'} {entry.status ?? ''} {entry.amount ?? ''}{' '}
                    {entry.currency ?? ''}
                  </li>
                ))}
              </ul>
            </dd>
          </>
        )}
      </dl>
    </details>
  );
}

export function AssistantMessage({
  turn,
  onRetry,
  isLast,
}: {
  turn: AssistantTurn;
  onRetry: () => void;
  isLast: boolean;
}) {
  const { run } = turn;
  const running = isRunning(run);
  const sources = useMemo(() => sourcesOf(run), [run]);
  const rendered = useMemo(() => {
    if (run.phase === 'complete' && run.done?.response) {
      const parsed = parseAnnotatedResponse(run.done.response);
      return { text: parsed.text, citations: { spans: parsed.spans, sources } };
    }
    return {
      text: running ? streamingDisplayText(run.text) : stripCitationMarkers(run.text),
      citations: undefined,
    };
  }, [run.phase, run.done, run.text, running, sources]);

  return (
    <article
      className="message message-assistant"
      aria-label={`Answer from ${turn.model.name}`}
      aria-busy={running}
    >
      <StepIndicator run={run} />
      {run.warnings.length > 0 && (
        <ul className="alert alert-warning warnings">
          {run.warnings.map((warning) => (
            <li key={warning}>⚠ {warning}</li>
          ))}
        </ul>
      )}
      {run.selection && run.selection.status !== 'selected' && run.selection.message && (
        <p className="muted small selection-note">{run.selection.message}</p>
      )}
      {rendered.text && (
        <div className={`answer${run.phase === 'streaming' ? ' answer-streaming' : ''}`}>
          <LazyMarkdown
            highlight={run.phase === 'complete'}
            {...(rendered.citations ? { citations: rendered.citations } : {})}
          >
            {rendered.text}
          </LazyMarkdown>
        </div>
      )}
      {run.phase === 'stopped' && <p className="badge badge-neutral stopped-label">Stopped</p>}
      {run.phase === 'error' && (
        <div className="alert alert-error chat-error">
          <p>
            <strong>The answer failed.</strong> {run.error}
          </p>
          {run.correlationId && (
            <p className="small muted">
              Reference: <code>{run.correlationId}</code>
            </p>
          )}
          {isLast && (
            <button type="button" className="button button-small" onClick={onRetry}>
              Retry
            </button>
          )}
        </div>
      )}
      {run.phase === 'complete' && <SourcesSection sources={sources} />}
      {run.phase === 'complete' && <Details run={run} />}
      {!running && run.text && (
        <div className="message-actions">
          <CopyButton text={stripCitationMarkers(run.text)} label="Copy answer" />
          {isLast && run.phase !== 'error' && (
            <button type="button" className="button button-small" onClick={onRetry}>
              Retry
            </button>
          )}
        </div>
      )}
    </article>
  );
}
