import { type KeyboardEvent, type ReactNode, useId, useState } from 'react';
import { Icon } from '../components/Icon';
import { Tabs, tabPanelProps } from '../components/Tabs';
import { Field, InputField } from '../components/ui';
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

/** A list of repeated items (connections, policies) with its count, hint, list error and an add button. */
function RepeatGroup({
  title,
  count,
  limit,
  hint,
  error,
  addLabel,
  onAdd,
  children,
}: {
  title: string;
  count: number;
  limit: number;
  hint: ReactNode;
  error: string | undefined;
  addLabel: string;
  onAdd: () => void;
  children: ReactNode;
}) {
  return (
    <fieldset className="group">
      <legend>
        {title}{' '}
        <span className="muted small">
          ({count} / {limit})
        </span>
      </legend>
      <p className="field-hint">{hint}</p>
      {error && <p className="field-error">{error}</p>}
      {children}
      {count < limit && (
        <button type="button" className="button button-small" onClick={onAdd}>
          <Icon name="plus" size={14} /> {addLabel}
        </button>
      )}
    </fieldset>
  );
}

/** One item of a `RepeatGroup`: "Connection 2" with its Remove button. */
function RepeatItem({
  noun,
  index,
  onRemove,
  children,
}: {
  noun: string;
  index: number;
  onRemove: () => void;
  children: ReactNode;
}) {
  return (
    <div className="repeat-item card">
      <div className="repeat-item-header">
        <strong>
          {noun} {index + 1}
        </strong>
        <button type="button" className="button button-small button-danger-ghost" onClick={onRemove}>
          Remove
          <span className="visually-hidden">
            {' '}
            {noun.toLowerCase()} {index + 1}
          </span>
        </button>
      </div>
      {children}
    </div>
  );
}

function EnabledCheckbox({ checked, onChange }: { checked: boolean; onChange: (checked: boolean) => void }) {
  return (
    <label className="checkbox-inline">
      <input type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} /> Enabled
    </label>
  );
}

function JsonField({
  label,
  error,
  value,
  onValue,
}: {
  label: string;
  error: string | undefined;
  value: string;
  onValue: (value: string) => void;
}) {
  return (
    <Field label={label} error={error} hint="A JSON object of at most 16 KiB.">
      {(props) => (
        <textarea
          {...props}
          className="mono"
          rows={4}
          value={value}
          onChange={(e) => onValue(e.target.value)}
        />
      )}
    </Field>
  );
}

/** Replaces the item at `index` with `patch` applied. */
function patchAt<T>(items: T[], index: number, patch: Partial<T>): T[] {
  return items.map((item, i) => (i === index ? { ...item, ...patch } : item));
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
    onChange(patchAt(connections, index, patch));
  return (
    <RepeatGroup
      title="Connections"
      count={connections.length}
      limit={LIMITS.connections}
      hint="How clients reach this endpoint. Leave empty for a listing without a satellite."
      error={errors.connect}
      addLabel="Add connection"
      onAdd={() => onChange([...connections, emptyConnection()])}
    >
      {connections.map((connection, index) => {
        const custom = !CONNECTION_TYPES.includes(connection.type);
        const preview = resolvedConnectionUrl(connection.url, connection.type, domain);
        return (
          <RepeatItem
            key={connection.key}
            noun="Connection"
            index={index}
            onRemove={() => onChange(connections.filter((_, i) => i !== index))}
          >
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
                <InputField
                  label="Custom type"
                  value={connection.type}
                  onValue={(type) => update(index, { type })}
                />
              )}
              <EnabledCheckbox
                checked={connection.enabled}
                onChange={(enabled) => update(index, { enabled })}
              />
            </div>
            <InputField
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
              value={connection.url}
              placeholder="https://satellite.example.com or /path"
              onValue={(url) => update(index, { url })}
            />
            <div className="grid-2">
              <InputField
                label="Description"
                error={errors[`connect.${index}.description`]}
                value={connection.description}
                onValue={(description) => update(index, { description })}
              />
              <InputField
                label="Tenant name"
                error={errors[`connect.${index}.tenant`]}
                value={connection.tenant}
                onValue={(tenant) => update(index, { tenant })}
              />
            </div>
            <details open={connection.extra.trim() !== '{}' || !!errors[`connect.${index}.extra`]}>
              <summary className="small">Advanced configuration (JSON)</summary>
              <JsonField
                label="Extra config keys"
                error={errors[`connect.${index}.extra`]}
                value={connection.extra}
                onValue={(extra) => update(index, { extra })}
              />
            </details>
          </RepeatItem>
        );
      })}
    </RepeatGroup>
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
  const update = (index: number, patch: Partial<PolicyDraft>) => onChange(patchAt(policies, index, patch));
  return (
    <RepeatGroup
      title="Policies"
      count={policies.length}
      limit={LIMITS.policies}
      hint={
        <>
          Declarations your satellite enforces (pricing, access rules). Endpoints without policies are open to
          guests.
        </>
      }
      error={errors.policies}
      addLabel="Add policy"
      onAdd={() => onChange([...policies, emptyPolicy()])}
    >
      <datalist id={listId}>
        {POLICY_SUGGESTIONS.map((type) => (
          <option key={type} value={type} />
        ))}
      </datalist>
      {policies.map((policy, index) => (
        <RepeatItem
          key={policy.key}
          noun="Policy"
          index={index}
          onRemove={() => onChange(policies.filter((_, i) => i !== index))}
        >
          <div className="grid-3">
            <InputField
              label="Type"
              error={errors[`policies.${index}.type`]}
              list={listId}
              value={policy.type}
              onValue={(type) => update(index, { type })}
            />
            <InputField
              label="Version"
              error={errors[`policies.${index}.version`]}
              value={policy.version}
              onValue={(version) => update(index, { version })}
            />
            <EnabledCheckbox checked={policy.enabled} onChange={(enabled) => update(index, { enabled })} />
          </div>
          <InputField
            label="Description"
            error={errors[`policies.${index}.description`]}
            value={policy.description}
            onValue={(description) => update(index, { description })}
          />
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
          <JsonField
            label="Configuration (JSON)"
            error={errors[`policies.${index}.config`]}
            value={policy.config}
            onValue={(config) => update(index, { config })}
          />
        </RepeatItem>
      ))}
    </RepeatGroup>
  );
}
