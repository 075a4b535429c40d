import type { EndpointPublic } from '@syfthub/client';
import { useQuery } from '@tanstack/react-query';
import { type KeyboardEvent, useEffect, useId, useMemo, useRef, useState } from 'react';
import { ChatCollectivesTab, useChatCollectives } from '../collectives/ChatCollectivesTab';
import { Dialog } from '../components/Dialog';
import { Icon } from '../components/Icon';
import { Tabs, tabPanelProps } from '../components/Tabs';
import { HealthDot, Spinner, TypeBadge } from '../components/ui';
import { useHub } from '../lib/ApiContext';
import { useDebounced } from '../lib/hooks';
import { useSession } from '../session/SessionProvider';
import { type EndpointChoice, useChatSelection } from './ChatSelection';
import { pickDefaultModel, useChatCatalog } from './catalog';
import { toChoice } from './resolve';

function matches(endpoint: EndpointPublic, query: string): boolean {
  const needle = query.trim().toLowerCase();
  if (!needle) return true;
  return [
    endpoint.name,
    endpoint.slug,
    endpoint.owner_username,
    `${endpoint.owner_username}/${endpoint.slug}`,
    ...endpoint.tags,
  ].some((text) => text.toLowerCase().includes(needle));
}

/** Model selector: a button opening a filterable listbox (ARIA combobox pattern). */
export function ModelPicker() {
  const { model, setModel } = useChatSelection();
  const catalog = useChatCatalog('model');
  const [open, setOpen] = useState(false);
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const inputRef = useRef<HTMLInputElement>(null);
  const popRef = useRef<HTMLDivElement>(null);
  const listId = useId();

  const models = catalog.data ?? [];
  useEffect(() => {
    if (!model && catalog.data) {
      const preferred = pickDefaultModel(catalog.data);
      if (preferred) setModel(toChoice(preferred));
    }
  }, [model, catalog.data, setModel]);

  const filtered = useMemo(() => models.filter((m) => matches(m, query)).slice(0, 50), [models, query]);

  useEffect(() => {
    if (!open) return;
    inputRef.current?.focus();
    function onPointer(event: PointerEvent) {
      if (
        !popRef.current?.contains(event.target as Node) &&
        !buttonRef.current?.contains(event.target as Node)
      )
        setOpen(false);
    }
    document.addEventListener('pointerdown', onPointer);
    return () => document.removeEventListener('pointerdown', onPointer);
  }, [open]);

  function choose(endpoint: EndpointPublic) {
    setModel(toChoice(endpoint));
    setOpen(false);
    setQuery('');
    buttonRef.current?.focus();
  }

  function onKeyDown(event: KeyboardEvent<HTMLInputElement>) {
    if (event.key === 'ArrowDown') {
      event.preventDefault();
      setActive((value) => Math.min(filtered.length - 1, value + 1));
    } else if (event.key === 'ArrowUp') {
      event.preventDefault();
      setActive((value) => Math.max(0, value - 1));
    } else if (event.key === 'Enter') {
      event.preventDefault();
      const endpoint = filtered[active];
      if (endpoint) choose(endpoint);
    } else if (event.key === 'Escape') {
      event.preventDefault();
      setOpen(false);
      buttonRef.current?.focus();
    }
  }

  return (
    <div className="picker">
      <button
        ref={buttonRef}
        type="button"
        className="button button-small picker-button"
        aria-haspopup="listbox"
        aria-expanded={open}
        onClick={() => {
          setActive(0);
          setOpen((value) => !value);
        }}
      >
        <span className="muted">Model:</span>{' '}
        <strong>{model ? model.name : catalog.isPending ? 'Loading…' : 'Choose a model'}</strong>
        <span aria-hidden="true"> ▾</span>
      </button>
      {open && (
        <div ref={popRef} className="popover picker-popover">
          <input
            ref={inputRef}
            role="combobox"
            aria-expanded="true"
            aria-controls={listId}
            aria-autocomplete="list"
            aria-activedescendant={filtered[active] ? `${listId}-${active}` : undefined}
            aria-label="Search models"
            placeholder="Search models…"
            value={query}
            onChange={(e) => {
              setQuery(e.target.value);
              setActive(0);
            }}
            onKeyDown={onKeyDown}
          />
          <div id={listId} role="listbox" aria-label="Models" className="listbox">
            {catalog.isPending && (
              <div className="option-note">
                <Spinner inline label="Loading models" /> Loading models…
              </div>
            )}
            {catalog.isError && <div className="option-note">Could not load models.</div>}
            {catalog.isSuccess && filtered.length === 0 && (
              <div className="option-note">No models match.</div>
            )}
            {filtered.map((endpoint, index) => {
              const path = `${endpoint.owner_username}/${endpoint.slug}`;
              return (
                <div
                  key={path}
                  id={`${listId}-${index}`}
                  role="option"
                  tabIndex={-1}
                  aria-selected={model?.path === path}
                  className={`option${index === active ? ' option-active' : ''}`}
                  onMouseDown={(e) => {
                    e.preventDefault();
                    choose(endpoint);
                  }}
                  onMouseEnter={() => setActive(index)}
                >
                  <span className="option-main">
                    <strong>{endpoint.name}</strong>
                    <span className="muted small">{path}</span>
                  </span>
                  <HealthDot status={endpoint.health_status} checkedAt={endpoint.health_checked_at} />
                </div>
              );
            })}
          </div>
        </div>
      )}
    </div>
  );
}

/**
 * "Add sources": a searchable list of data sources with toggles (web.md §6.1), and a Collectives tab when any
 * collective exists (collectives.md §12.9).
 */
export function AddSourcesDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const catalog = useChatCatalog('data_source');
  const { collectives } = useChatCollectives();
  const { hasSource, toggleSource, sources } = useChatSelection();
  const [query, setQuery] = useState('');
  const [tab, setTab] = useState<'sources' | 'collectives'>('sources');
  const filtered = (catalog.data ?? []).filter((endpoint) => matches(endpoint, query));
  const showCollectives = collectives.length > 0;
  const current = showCollectives ? tab : 'sources';
  return (
    <Dialog
      open={open}
      onClose={onClose}
      title="Add data sources"
      description="Answers will be grounded in the documents these sources return."
      size="medium"
      footer={
        <button type="button" className="button button-primary" onClick={onClose}>
          Done ({sources.length} selected)
        </button>
      }
    >
      {showCollectives && (
        <Tabs
          items={[
            { id: 'sources', label: 'Data sources' },
            { id: 'collectives', label: 'Collectives' },
          ]}
          selected={current}
          onSelect={setTab}
          label="Source kinds"
          idPrefix="add-sources"
        />
      )}
      <input
        type="search"
        className="input-block"
        aria-label={current === 'collectives' ? 'Search collectives' : 'Search data sources'}
        placeholder={current === 'collectives' ? 'Search collectives…' : 'Search data sources…'}
        value={query}
        onChange={(e) => setQuery(e.target.value)}
        data-autofocus
      />
      {current === 'collectives' ? (
        <div {...tabPanelProps('add-sources', 'collectives')}>
          <ChatCollectivesTab query={query} />
        </div>
      ) : (
        <fieldset className="source-list">
          <legend className="visually-hidden">Data sources</legend>
          {catalog.isPending && <Spinner label="Loading data sources…" />}
          {catalog.isError && <p className="muted">Could not load data sources.</p>}
          {catalog.isSuccess && filtered.length === 0 && <p className="muted">No data sources match.</p>}
          {filtered.map((endpoint) => {
            const choice = toChoice(endpoint);
            return (
              <label key={choice.path} className="source-option">
                <input
                  type="checkbox"
                  checked={hasSource(choice.path)}
                  onChange={() => toggleSource(choice)}
                />
                <span className="option-main">
                  <strong>{endpoint.name}</strong>
                  <span className="muted small">{choice.path}</span>
                  {endpoint.description && <span className="small">{endpoint.description}</span>}
                </span>
                <TypeBadge type={endpoint.type} />
              </label>
            );
          })}
        </fieldset>
      )}
    </Dialog>
  );
}

export function SourceChips() {
  const { sources, removeSource, picked, removePicked } = useChatSelection();
  if (sources.length === 0 && picked.length > 0) {
    // Automatic selection (docs/auto-sources.md): what the hub chose for the last question, removable.
    return (
      <div className="picked-sources">
        <span className="small muted" id="picked-sources-label">
          Sources: picked for you
        </span>
        <ul className="chips" aria-labelledby="picked-sources-label">
          {picked.map((source) => (
            <li key={source.path} className="chip chip-picked">
              <span title={`${source.path} · relevance ${source.score.toFixed(2)}`}>{source.name}</span>
              <button
                type="button"
                className="chip-remove"
                aria-label={`Remove ${source.name}`}
                onClick={() => removePicked(source.path)}
              >
                <Icon name="close" size={12} />
              </button>
            </li>
          ))}
        </ul>
      </div>
    );
  }
  if (sources.length === 0) return null;
  return (
    <ul className="chips" aria-label="Selected data sources">
      {sources.map((source) => (
        <li key={source.path} className="chip">
          <span title={source.path}>{source.name}</span>
          <button
            type="button"
            className="chip-remove"
            aria-label={`Remove ${source.name}`}
            onClick={() => removeSource(source.path)}
          >
            <Icon name="close" size={12} />
          </button>
        </li>
      ))}
    </ul>
  );
}

/** Up to five data sources relevant to what is being typed (web.md §6.1, suggested sources). */
export function SuggestedSources({ text }: { text: string }) {
  const hub = useHub();
  const { status } = useSession();
  const { hasSource, addSource } = useChatSelection();
  const query = useDebounced(text.replace(/@\S+/g, ' ').trim(), 400);
  const enabled = status !== 'loading' && query.length >= 3;
  const result = useQuery({
    queryKey: ['suggest', query],
    queryFn: ({ signal }) =>
      hub.endpoints.search({ query: query.slice(0, 1000), top_k: 10, type: 'data_source' }, signal),
    enabled,
    staleTime: 60_000,
    retry: false,
  });
  if (!enabled || !result.data) return null;
  const suggestions: EndpointChoice[] = result.data.results
    .filter(
      (item) =>
        item.relevance_score >= 0.2 && (item.type === 'data_source' || item.type === 'model_data_source'),
    )
    .map(toChoice)
    .filter((choice) => !hasSource(choice.path))
    .slice(0, 5);
  if (suggestions.length === 0) return null;
  return (
    <div className="suggestions">
      <span className="small muted">Suggested sources:</span>
      {suggestions.map((choice) => (
        <button
          key={choice.path}
          type="button"
          className="chip chip-suggest"
          onClick={() => addSource(choice)}
        >
          <Icon name="plus" size={12} /> {choice.name}
        </button>
      ))}
    </div>
  );
}
