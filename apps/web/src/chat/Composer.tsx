import type { EndpointPublic } from '@syfthub/client';
import { type FormEvent, type KeyboardEvent, useId, useMemo, useRef, useState } from 'react';
import { Icon } from '../components/Icon';
import { useChatSelection } from './ChatSelection';
import { useChatCatalog } from './catalog';
import { AddSourcesDialog, ModelPicker, SourceChips, SuggestedSources } from './pickers';
import { toChoice } from './resolve';

const MENTION_AT_CARET = /(^|\s)@([\w.-]*(?:\/[\w.-]*)?)$/;

interface ComposerProps {
  onSubmit: (text: string) => void;
  running?: boolean;
  onStop?: () => void;
  variant: 'hero' | 'chat';
  label: string;
  placeholder?: string;
  /** Example prompts offered as one-click fills. */
  examples?: string[];
}

/**
 * The question input with model selector, "Add sources", source chips, suggestions and `@` mentions (web.md §5.1,
 * §6.1). Mentions follow the ARIA combobox pattern on the textarea; a mentioned source is removed again when its
 * `@owner/slug` is deleted from the text.
 */
export function Composer({
  onSubmit,
  running = false,
  onStop,
  variant,
  label,
  placeholder,
  examples,
}: ComposerProps) {
  const { model, addSource, removeSource } = useChatSelection();
  const sourcesCatalog = useChatCatalog('data_source');
  const [text, setText] = useState('');
  const [mention, setMention] = useState<{ query: string; start: number } | null>(null);
  const [active, setActive] = useState(0);
  const [dialogOpen, setDialogOpen] = useState(false);
  const mentioned = useRef(new Set<string>());
  const textarea = useRef<HTMLTextAreaElement>(null);
  const listId = useId();
  const inputId = useId();

  const options = useMemo(() => {
    if (!mention) return [];
    const needle = mention.query.toLowerCase();
    return (sourcesCatalog.data ?? [])
      .filter((endpoint) =>
        [endpoint.name, `${endpoint.owner_username}/${endpoint.slug}`].some((value) =>
          value.toLowerCase().includes(needle),
        ),
      )
      .slice(0, 8);
  }, [mention, sourcesCatalog.data]);
  const listOpen = mention !== null && options.length > 0;

  function updateMention(value: string, caret: number) {
    const match = MENTION_AT_CARET.exec(value.slice(0, caret));
    if (match) {
      const query = match[2] ?? '';
      setMention({ query, start: caret - query.length - 1 });
      setActive(0);
    } else {
      setMention(null);
    }
  }

  function onChange(value: string, caret: number) {
    setText(value);
    updateMention(value, caret);
    for (const path of [...mentioned.current]) {
      if (!value.includes(`@${path}`)) {
        mentioned.current.delete(path);
        removeSource(path);
      }
    }
  }

  function pick(endpoint: EndpointPublic) {
    if (!mention) return;
    const choice = toChoice(endpoint);
    const caret = textarea.current?.selectionStart ?? text.length;
    const before = text.slice(0, mention.start);
    const after = text.slice(caret);
    const inserted = `@${choice.path} `;
    setText(`${before}${inserted}${after}`);
    mentioned.current.add(choice.path);
    addSource(choice);
    setMention(null);
    const position = before.length + inserted.length;
    requestAnimationFrame(() => textarea.current?.setSelectionRange(position, position));
  }

  function submit(event?: FormEvent) {
    event?.preventDefault();
    const question = text.trim();
    if (!question || running || !model) return;
    onSubmit(question);
    setText('');
    setMention(null);
    mentioned.current.clear();
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (listOpen) {
      if (event.key === 'ArrowDown') {
        event.preventDefault();
        setActive((value) => (value + 1) % options.length);
        return;
      }
      if (event.key === 'ArrowUp') {
        event.preventDefault();
        setActive((value) => (value - 1 + options.length) % options.length);
        return;
      }
      if (event.key === 'Enter' || event.key === 'Tab') {
        const endpoint = options[active];
        if (endpoint) {
          event.preventDefault();
          pick(endpoint);
          return;
        }
      }
      if (event.key === 'Escape') {
        event.preventDefault();
        setMention(null);
        return;
      }
    }
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      submit();
    }
  }

  return (
    <form className={`composer composer-${variant}`} onSubmit={submit}>
      <label htmlFor={inputId} className="visually-hidden">
        {label}
      </label>
      <div className="composer-box">
        <textarea
          ref={textarea}
          id={inputId}
          rows={variant === 'hero' ? 3 : 2}
          value={text}
          placeholder={placeholder ?? 'Ask a question… Type @ to add a data source'}
          onChange={(e) => onChange(e.target.value, e.target.selectionStart)}
          onKeyDown={onKeyDown}
          onClick={(e) => updateMention(text, e.currentTarget.selectionStart)}
          onBlur={() => window.setTimeout(() => setMention(null), 150)}
          role="combobox"
          aria-autocomplete="list"
          aria-expanded={listOpen}
          aria-controls={listOpen ? listId : undefined}
          aria-activedescendant={listOpen ? `${listId}-${active}` : undefined}
          aria-describedby={`${inputId}-help`}
        />
        {listOpen && (
          <div id={listId} role="listbox" aria-label="Data sources" className="listbox mention-list">
            {options.map((endpoint, index) => (
              <div
                key={`${endpoint.owner_username}/${endpoint.slug}`}
                id={`${listId}-${index}`}
                role="option"
                tabIndex={-1}
                aria-selected={index === active}
                className={`option${index === active ? ' option-active' : ''}`}
                onMouseDown={(e) => {
                  e.preventDefault();
                  pick(endpoint);
                }}
              >
                <span className="option-main">
                  <strong>{endpoint.name}</strong>
                  <span className="muted small">
                    {endpoint.owner_username}/{endpoint.slug}
                  </span>
                </span>
              </div>
            ))}
          </div>
        )}
        <div className="composer-toolbar">
          <ModelPicker />
          <button type="button" className="button button-small" onClick={() => setDialogOpen(true)}>
            <Icon name="plus" size={14} /> Add sources
          </button>
          <span className="toolbar-spacer" />
          {running ? (
            <button type="button" className="button button-danger" onClick={onStop}>
              <Icon name="stop" size={14} /> Stop
            </button>
          ) : (
            <button type="submit" className="button button-primary" disabled={!text.trim() || !model}>
              <Icon name="send" size={14} /> {variant === 'hero' ? 'Ask' : 'Send'}
            </button>
          )}
        </div>
      </div>
      <p id={`${inputId}-help`} className="visually-hidden">
        Press Enter to send, Shift+Enter for a new line. Type @ followed by a name to add a data source.
      </p>
      <SourceChips />
      <SuggestedSources text={text} />
      {examples && examples.length > 0 && (
        <div className="examples">
          <span className="small muted">Try:</span>
          {examples.map((example) => (
            <button
              key={example}
              type="button"
              className="chip chip-example"
              onClick={() => {
                setText(example);
                textarea.current?.focus();
              }}
            >
              {example}
            </button>
          ))}
        </div>
      )}
      <AddSourcesDialog open={dialogOpen} onClose={() => setDialogOpen(false)} />
    </form>
  );
}
