import { type KeyboardEvent, useId, useState } from 'react';
import { Icon } from '../components/Icon';
import { Tabs, tabPanelProps } from '../components/Tabs';
import { Field } from '../components/ui';
import { LIMITS, normalizeTag, validateTag } from '../lib/validation';
import { LazyMarkdown } from '../markdown/LazyMarkdown';
import {
  type ConnectionDraft,
  type Errors,
  emptyConnection,
  emptyPolicy,
  type PolicyDraft,
  resolvedConnectionUrl,
} from './formModel';

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

export function ReadmeEditor({
  value,
  onChange,
  error,
}: {
  value: string;
  onChange: (value: string) => void;
  error?: string | undefined;
}) {
  const [tab, setTab] = useState<'write' | 'preview'>('write');
  return (
    <div className={`field readme-editor${error ? ' field-invalid' : ''}`}>
      <div className="field-label-row">
        <span className="label" id="readme-label">
          README
        </span>
        <span className={`counter${value.length > LIMITS.readme ? ' counter-over' : ''}`}>
          {value.length.toLocaleString()} / {LIMITS.readme.toLocaleString()}
        </span>
      </div>
      <Tabs
        items={[
          { id: 'write', label: 'Write' },
          { id: 'preview', label: 'Preview' },
        ]}
        selected={tab}
        onSelect={setTab}
        label="README editor"
        idPrefix="readme"
      />
      <div {...tabPanelProps('readme', tab)} className="readme-panel">
        {tab === 'write' ? (
          <textarea
            aria-labelledby="readme-label"
            aria-describedby={error ? 'readme-error' : undefined}
            aria-invalid={error ? true : undefined}
            rows={14}
            value={value}
            onChange={(e) => onChange(e.target.value)}
            placeholder="# My endpoint&#10;&#10;What it does, what data it covers, how to use it…"
          />
        ) : value.trim() ? (
          <div className="card">
            <LazyMarkdown shiftHeadings>{value}</LazyMarkdown>
          </div>
        ) : (
          <p className="muted">Nothing to preview yet.</p>
        )}
      </div>
      {error && (
        <p id="readme-error" className="field-error">
          {error}
        </p>
      )}
    </div>
  );
}

const CONNECTION_TYPES = ['http', 'https', 'websocket'];

export function ConnectionsEditor({
  connections,
  onChange,
  errors,
  domain,
}: {
  connections: ConnectionDraft[];
  onChange: (connections: ConnectionDraft[]) => void;
  errors: Errors;
  domain: string | null;
}) {
  const update = (index: number, patch: Partial<ConnectionDraft>) =>
    onChange(connections.map((item, i) => (i === index ? { ...item, ...patch } : item)));
  return (
    <fieldset className="group">
      <legend>
        Connections{' '}
        <span className="muted small">
          ({connections.length} / {LIMITS.connections})
        </span>
      </legend>
      <p className="field-hint">
        How clients reach this endpoint. Leave empty for a listing without a satellite.
      </p>
      {errors.connect && <p className="field-error">{errors.connect}</p>}
      {connections.map((connection, index) => {
        const custom = !CONNECTION_TYPES.includes(connection.type);
        const preview = resolvedConnectionUrl(connection.url, connection.type, domain);
        return (
          <div key={connection.key} className="repeat-item card">
            <div className="repeat-item-header">
              <strong>Connection {index + 1}</strong>
              <button
                type="button"
                className="button button-small button-danger-ghost"
                onClick={() => onChange(connections.filter((_, i) => i !== index))}
              >
                Remove<span className="visually-hidden"> connection {index + 1}</span>
              </button>
            </div>
            <div className="grid-2">
              <Field label="Type" error={errors[`connect.${index}.type`]}>
                {(props) => (
                  <select
                    {...props}
                    value={custom ? 'custom' : connection.type}
                    onChange={(e) =>
                      update(index, { type: e.target.value === 'custom' ? '' : e.target.value })
                    }
                  >
                    <option value="http">HTTP</option>
                    <option value="https">HTTPS</option>
                    <option value="websocket">WebSocket</option>
                    <option value="custom">Custom…</option>
                  </select>
                )}
              </Field>
              {custom && (
                <Field label="Custom type">
                  {(props) => (
                    <input
                      {...props}
                      value={connection.type}
                      onChange={(e) => update(index, { type: e.target.value })}
                    />
                  )}
                </Field>
              )}
              <label className="checkbox-inline">
                <input
                  type="checkbox"
                  checked={connection.enabled}
                  onChange={(e) => update(index, { enabled: e.target.checked })}
                />{' '}
                Enabled
              </label>
            </div>
            <Field
              label="URL"
              error={errors[`connect.${index}.url`]}
              hint={
                <>
                  An absolute URL, or a path relative to your domain.{' '}
                  {preview ? (
                    <>
                      Resolves to <code>{preview}</code>
                    </>
                  ) : (
                    'Set your domain in Settings → Profile, or let your satellite report it.'
                  )}
                </>
              }
            >
              {(props) => (
                <input
                  {...props}
                  value={connection.url}
                  placeholder="https://satellite.example.com or /path"
                  onChange={(e) => update(index, { url: e.target.value })}
                />
              )}
            </Field>
            <div className="grid-2">
              <Field label="Description" error={errors[`connect.${index}.description`]}>
                {(props) => (
                  <input
                    {...props}
                    value={connection.description}
                    onChange={(e) => update(index, { description: e.target.value })}
                  />
                )}
              </Field>
              <Field label="Tenant name" error={errors[`connect.${index}.tenant`]}>
                {(props) => (
                  <input
                    {...props}
                    value={connection.tenant}
                    onChange={(e) => update(index, { tenant: e.target.value })}
                  />
                )}
              </Field>
            </div>
            <details open={connection.extra.trim() !== '{}' || !!errors[`connect.${index}.extra`]}>
              <summary className="small">Advanced configuration (JSON)</summary>
              <Field
                label="Extra config keys"
                error={errors[`connect.${index}.extra`]}
                hint="A JSON object of at most 16 KiB."
              >
                {(props) => (
                  <textarea
                    {...props}
                    className="mono"
                    rows={4}
                    value={connection.extra}
                    onChange={(e) => update(index, { extra: e.target.value })}
                  />
                )}
              </Field>
            </details>
          </div>
        );
      })}
      {connections.length < LIMITS.connections && (
        <button
          type="button"
          className="button button-small"
          onClick={() => onChange([...connections, emptyConnection()])}
        >
          <Icon name="plus" size={14} /> Add connection
        </button>
      )}
    </fieldset>
  );
}

const POLICY_SUGGESTIONS = [
  'signed_in_only',
  'access_list',
  'rate_limit',
  'per_request_fee',
  'token_fee',
  'xendit',
];

export function PoliciesEditor({
  policies,
  onChange,
  errors,
}: {
  policies: PolicyDraft[];
  onChange: (policies: PolicyDraft[]) => void;
  errors: Errors;
}) {
  const listId = useId();
  const update = (index: number, patch: Partial<PolicyDraft>) =>
    onChange(policies.map((item, i) => (i === index ? { ...item, ...patch } : item)));
  return (
    <fieldset className="group">
      <legend>
        Policies{' '}
        <span className="muted small">
          ({policies.length} / {LIMITS.policies})
        </span>
      </legend>
      <p className="field-hint">
        Declarations your satellite enforces (pricing, access rules). Endpoints without policies are open to
        guests.
      </p>
      <datalist id={listId}>
        {POLICY_SUGGESTIONS.map((type) => (
          <option key={type} value={type} />
        ))}
      </datalist>
      {errors.policies && <p className="field-error">{errors.policies}</p>}
      {policies.map((policy, index) => (
        <div key={policy.key} className="repeat-item card">
          <div className="repeat-item-header">
            <strong>Policy {index + 1}</strong>
            <button
              type="button"
              className="button button-small button-danger-ghost"
              onClick={() => onChange(policies.filter((_, i) => i !== index))}
            >
              Remove<span className="visually-hidden"> policy {index + 1}</span>
            </button>
          </div>
          <div className="grid-3">
            <Field label="Type" error={errors[`policies.${index}.type`]}>
              {(props) => (
                <input
                  {...props}
                  list={listId}
                  value={policy.type}
                  onChange={(e) => update(index, { type: e.target.value })}
                />
              )}
            </Field>
            <Field label="Version" error={errors[`policies.${index}.version`]}>
              {(props) => (
                <input
                  {...props}
                  value={policy.version}
                  onChange={(e) => update(index, { version: e.target.value })}
                />
              )}
            </Field>
            <label className="checkbox-inline">
              <input
                type="checkbox"
                checked={policy.enabled}
                onChange={(e) => update(index, { enabled: e.target.checked })}
              />{' '}
              Enabled
            </label>
          </div>
          <Field label="Description" error={errors[`policies.${index}.description`]}>
            {(props) => (
              <input
                {...props}
                value={policy.description}
                onChange={(e) => update(index, { description: e.target.value })}
              />
            )}
          </Field>
          <fieldset className="radio-group">
            <legend className="small">Applies to</legend>
            <label>
              <input
                type="radio"
                name={`${policy.key}-applies`}
                checked={policy.appliesTo === 'everyone'}
                onChange={() => update(index, { appliesTo: 'everyone' })}
              />{' '}
              Everyone
            </label>
            <label>
              <input
                type="radio"
                name={`${policy.key}-applies`}
                checked={policy.appliesTo === 'list'}
                onChange={() => update(index, { appliesTo: 'list' })}
              />{' '}
              Specific people (by e-mail)
            </label>
          </fieldset>
          {policy.appliesTo === 'list' && (
            <Field
              label="E-mail addresses"
              error={errors[`policies.${index}.emails`]}
              hint="One per line or comma-separated."
            >
              {(props) => (
                <textarea
                  {...props}
                  rows={3}
                  value={policy.emails}
                  onChange={(e) => update(index, { emails: e.target.value })}
                />
              )}
            </Field>
          )}
          <Field
            label="Configuration (JSON)"
            error={errors[`policies.${index}.config`]}
            hint="A JSON object of at most 16 KiB."
          >
            {(props) => (
              <textarea
                {...props}
                className="mono"
                rows={4}
                value={policy.config}
                onChange={(e) => update(index, { config: e.target.value })}
              />
            )}
          </Field>
        </div>
      ))}
      {policies.length < LIMITS.policies && (
        <button
          type="button"
          className="button button-small"
          onClick={() => onChange([...policies, emptyPolicy()])}
        >
          <Icon name="plus" size={14} /> Add policy
        </button>
      )}
    </fieldset>
  );
}
