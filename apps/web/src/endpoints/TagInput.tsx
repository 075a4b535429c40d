import { type KeyboardEvent, useId, useState } from 'react';
import { Icon } from '../components/Icon';
import { LIMITS, normalizeTag, validateTag } from '../lib/validation';
import type { Errors } from './formModel';

/** Chips for tags; invalid chips stay visible with the reason, so nothing typed is silently lost. */
export function TagInput({
  tags,
  onChange,
  errors,
}: {
  tags: string[];
  onChange: (tags: string[]) => void;
  errors: Errors;
}) {
  const [text, setText] = useState('');
  const inputId = useId();
  const listError = errors.tags;

  function commit(value: string) {
    const parts = value.split(',').map(normalizeTag).filter(Boolean);
    const next = [...tags];
    for (const part of parts) if (!next.includes(part)) next.push(part);
    onChange(next);
    setText('');
  }

  function onKeyDown(event: KeyboardEvent<HTMLInputElement>) {
    if (event.key === 'Enter' || event.key === ',') {
      event.preventDefault();
      if (text.trim()) commit(text);
    } else if (event.key === 'Backspace' && text === '' && tags.length > 0) {
      onChange(tags.slice(0, -1));
    }
  }

  return (
    <div className={`field${listError ? ' field-invalid' : ''}`}>
      <div className="field-label-row">
        <label htmlFor={inputId}>Tags</label>
        <span className={`counter${tags.length > LIMITS.tags ? ' counter-over' : ''}`}>
          {tags.length} / {LIMITS.tags}
        </span>
      </div>
      <div className="tag-input">
        <ul className="chips" aria-label="Current tags">
          {tags.map((tag, index) => {
            const problem = errors[`tags.${index}`] ?? validateTag(tag);
            return (
              <li key={tag} className={`chip${problem ? ' chip-invalid' : ''}`} title={problem ?? undefined}>
                {tag}
                {problem && <span className="chip-reason"> — {problem}</span>}
                <button
                  type="button"
                  className="chip-remove"
                  aria-label={`Remove tag ${tag}`}
                  onClick={() => onChange(tags.filter((_, i) => i !== index))}
                >
                  <Icon name="close" size={12} />
                </button>
              </li>
            );
          })}
        </ul>
        <input
          id={inputId}
          value={text}
          placeholder={tags.length === 0 ? 'Type a tag and press Enter' : 'Add another…'}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={onKeyDown}
          onBlur={() => text.trim() && commit(text)}
          aria-describedby={`${inputId}-hint${listError ? ` ${inputId}-error` : ''}`}
        />
      </div>
      <p id={`${inputId}-hint`} className="field-hint">
        Lowercase letters, digits and “-”, up to 30 characters each. Press Enter or comma to add.
      </p>
      {listError && (
        <p id={`${inputId}-error`} className="field-error">
          {listError}
        </p>
      )}
    </div>
  );
}
