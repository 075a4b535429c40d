import type { ApiToken, CreatedApiToken, TokenScope } from '@syfthub/client';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { ConfirmDialog, Dialog } from '../components/Dialog';
import { Icon } from '../components/Icon';
import { useToast } from '../components/Toasts';
import {
  Badge,
  CopyButton,
  DialogActions,
  EmptyState,
  ErrorState,
  ErrorSummary,
  InputField,
  RelativeTime,
  ResponsiveTable,
  Spinner,
} from '../components/ui';
import { useHub } from '../lib/ApiContext';
import { absoluteTime } from '../lib/format';
import type { FieldErrors } from '../lib/formErrors';
import { useTokens } from '../lib/queries';
import { useFormSubmit } from '../lib/useFormSubmit';
import { LIMITS, validateRequired } from '../lib/validation';

export const SCOPE_HELP: Record<TokenScope, string> = {
  full: 'Everything your account can do.',
  write: 'Everything except admin, token and password/account management.',
  read: 'View only.',
};

const EXPIRY_PRESETS = [
  { id: '7', label: '7 days', days: 7 },
  { id: '30', label: '30 days', days: 30 },
  { id: '90', label: '90 days', days: 90 },
  { id: '365', label: '1 year', days: 365 },
  { id: 'never', label: 'Never', days: null },
  { id: 'custom', label: 'Custom date', days: null },
] as const;

type ExpiryChoice = (typeof EXPIRY_PRESETS)[number]['id'];

function tokenStatus(token: ApiToken): { label: string; tone: string } {
  if (!token.is_active) return { label: 'Revoked', tone: 'neutral' };
  if (token.expires_at && Date.parse(token.expires_at) <= Date.now())
    return { label: 'Expired', tone: 'warning' };
  return { label: 'Active', tone: 'success' };
}

function CreateTokenDialog({
  open,
  onClose,
  onCreated,
}: {
  open: boolean;
  onClose: () => void;
  onCreated: (token: CreatedApiToken) => void;
}) {
  const hub = useHub();
  const [name, setName] = useState('');
  const [scope, setScope] = useState<TokenScope>('full');
  const [expiry, setExpiry] = useState<ExpiryChoice>('90');
  const [customDate, setCustomDate] = useState('');
  const { errors, summary, busy, validated, submitting } = useFormSubmit();

  function expiresAt(): string | null | 'invalid' {
    if (expiry === 'never') return null;
    if (expiry === 'custom') {
      const time = Date.parse(`${customDate}T23:59:59`);
      return Number.isNaN(time) || time <= Date.now() ? 'invalid' : new Date(time).toISOString();
    }
    const days = EXPIRY_PRESETS.find((p) => p.id === expiry)?.days ?? 90;
    return new Date(Date.now() + days * 24 * 3600 * 1000).toISOString();
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    const found: FieldErrors = {};
    const nameError = validateRequired(name, 'Name', LIMITS.tokenName);
    if (nameError) found.name = nameError;
    const expires = expiresAt();
    if (expires === 'invalid') found.expires_at = 'Choose a date in the future.';
    if (!validated(found) || expires === 'invalid') return;
    await submitting(async () => {
      const created = await hub.tokens.create({ name: name.trim(), scopes: [scope], expires_at: expires });
      setName('');
      onCreated(created);
    });
  }

  return (
    <Dialog open={open} onClose={onClose} title="Create an API token" size="medium">
      <form onSubmit={submit} noValidate>
        <ErrorSummary errors={errors} summary={summary} />
        <InputField
          label="Name"
          error={errors.name}
          hint="What the token is for, e.g. “laptop CLI” or “satellite”."
          value={name}
          onValue={setName}
          data-autofocus
        />
        <fieldset className="radio-group">
          <legend>Scope</legend>
          {(['full', 'write', 'read'] as TokenScope[]).map((value) => (
            <label key={value} className="radio-card">
              <input
                type="radio"
                name="scope"
                value={value}
                checked={scope === value}
                onChange={() => setScope(value)}
              />
              <span>
                <strong>{value}</strong>
                <span className="small muted"> — {SCOPE_HELP[value]}</span>
              </span>
            </label>
          ))}
        </fieldset>
        <fieldset className="radio-group">
          <legend>Expires</legend>
          <div className="segmented">
            {EXPIRY_PRESETS.map((preset) => (
              <label key={preset.id} className={expiry === preset.id ? 'segment segment-active' : 'segment'}>
                <input
                  type="radio"
                  name="expiry"
                  value={preset.id}
                  checked={expiry === preset.id}
                  onChange={() => setExpiry(preset.id)}
                />
                {preset.label}
              </label>
            ))}
          </div>
          {expiry === 'custom' && (
            <InputField
              label="Expiry date"
              error={errors.expires_at}
              type="date"
              min={new Date().toISOString().slice(0, 10)}
              value={customDate}
              onValue={setCustomDate}
            />
          )}
        </fieldset>
        <DialogActions busy={busy} label="Create token" busyLabel="Creating…" onCancel={onClose} />
      </form>
    </Dialog>
  );
}

function RenameCell({ token }: { token: ApiToken }) {
  const hub = useHub();
  const toast = useToast();
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(token.name);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (editing) input.current?.focus();
  }, [editing]);
  const rename = useMutation({
    mutationFn: () => hub.tokens.rename(token.id, name.trim()),
    onSuccess: () => {
      setEditing(false);
      void queryClient.invalidateQueries({ queryKey: ['tokens'] });
    },
    onError: (error) => toast.error(error),
  });
  if (!editing) {
    return (
      <span className="token-name">
        <strong>{token.name}</strong>
        {token.is_active && (
          <button type="button" className="link-button small" onClick={() => setEditing(true)}>
            Rename<span className="visually-hidden"> {token.name}</span>
          </button>
        )}
      </span>
    );
  }
  return (
    <form
      className="inline-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (name.trim() && name.trim().length <= LIMITS.tokenName) rename.mutate();
      }}
    >
      <input ref={input} aria-label="Token name" value={name} onChange={(e) => setName(e.target.value)} />
      <button type="submit" className="button button-small button-primary" disabled={rename.isPending}>
        Save
      </button>
      <button type="button" className="button button-small" onClick={() => setEditing(false)}>
        Cancel
      </button>
    </form>
  );
}

export function TokensTab() {
  const hub = useHub();
  const toast = useToast();
  const queryClient = useQueryClient();
  const [includeRevoked, setIncludeRevoked] = useState(false);
  const list = useTokens(includeRevoked);
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<CreatedApiToken | null>(null);
  const [revoking, setRevoking] = useState<ApiToken | null>(null);
  const revoke = useMutation({
    mutationFn: (token: ApiToken) => hub.tokens.revoke(token.id),
    onSuccess: (_result, token) => {
      toast.success(`Token “${token.name}” revoked.`);
      setRevoking(null);
      void queryClient.invalidateQueries({ queryKey: ['tokens'] });
    },
    onError: (error) => toast.error(error),
  });

  return (
    <section className="card form-section" aria-labelledby="tokens-title">
      <div className="section-header">
        <h2 id="tokens-title">API tokens</h2>
        <button type="button" className="button button-primary" onClick={() => setCreating(true)}>
          <Icon name="plus" size={14} /> Create token
        </button>
      </div>
      <p className="muted">
        Personal access tokens let the CLI, SDKs and satellites act as you. Treat them like passwords.
      </p>
      <label className="checkbox-field">
        <input
          type="checkbox"
          checked={includeRevoked}
          onChange={(e) => setIncludeRevoked(e.target.checked)}
        />{' '}
        Include revoked tokens
      </label>
      {list.isPending ? (
        <Spinner label="Loading tokens…" />
      ) : list.isError ? (
        <ErrorState error={list.error} retry={() => list.refetch()} />
      ) : list.data.tokens.length === 0 ? (
        <EmptyState title="No API tokens yet" icon="🔑">
          Create one to use the <code>syft</code> CLI, the SDKs or a satellite.
        </EmptyState>
      ) : (
        <ResponsiveTable
          caption="API tokens"
          columns={['Name', 'Token', 'Scopes', 'Created', 'Last used', 'Expires', 'Status']}
        >
          {list.data.tokens.map((token) => {
            const status = tokenStatus(token);
            return (
              <tr key={token.id}>
                <td data-label="Name">
                  <RenameCell token={token} />
                </td>
                <td data-label="Token">
                  <code>{token.token_prefix}…</code>
                </td>
                <td data-label="Scopes">
                  {token.scopes.map((scope) => (
                    <Badge key={scope} tone={scope === 'full' ? 'violet' : 'neutral'}>
                      {scope}
                    </Badge>
                  ))}
                </td>
                <td data-label="Created">
                  <RelativeTime iso={token.created_at} />
                </td>
                <td data-label="Last used">
                  {token.last_used_at ? (
                    <>
                      <RelativeTime iso={token.last_used_at} />
                      {token.last_used_ip && <div className="small muted">{token.last_used_ip}</div>}
                    </>
                  ) : (
                    <span className="muted">Never</span>
                  )}
                </td>
                <td data-label="Expires">
                  {token.expires_at ? (
                    <time dateTime={token.expires_at}>{absoluteTime(token.expires_at)}</time>
                  ) : (
                    'Never'
                  )}
                </td>
                <td data-label="Status">
                  <Badge tone={status.tone}>{status.label}</Badge>
                </td>
                <td data-label="Actions">
                  {token.is_active && (
                    <button
                      type="button"
                      className="button button-small button-danger-ghost"
                      onClick={() => setRevoking(token)}
                    >
                      Revoke<span className="visually-hidden"> {token.name}</span>
                    </button>
                  )}
                </td>
              </tr>
            );
          })}
        </ResponsiveTable>
      )}
      <CreateTokenDialog
        open={creating}
        onClose={() => setCreating(false)}
        onCreated={(token) => {
          setCreating(false);
          setCreated(token);
          void queryClient.invalidateQueries({ queryKey: ['tokens'] });
        }}
      />
      <Dialog
        open={created !== null}
        onClose={() => setCreated(null)}
        title="Your new API token"
        size="medium"
      >
        <p className="alert alert-warning">
          Copy it now: this is the only time the token is shown. If you lose it, revoke it and create a new
          one.
        </p>
        <div className="copy-row token-reveal">
          <code data-testid="new-token">{created?.token}</code>
          {created && <CopyButton text={created.token} label="Copy token" />}
        </div>
        <div className="form-actions">
          <button type="button" className="button button-primary" onClick={() => setCreated(null)}>
            I have copied it
          </button>
        </div>
      </Dialog>
      <ConfirmDialog
        open={revoking !== null}
        title="Revoke this token?"
        message={<p>Anything using “{revoking?.name}” will stop working immediately.</p>}
        confirmLabel="Revoke token"
        busy={revoke.isPending}
        onConfirm={() => revoking && revoke.mutate(revoking)}
        onClose={() => setRevoking(null)}
      />
    </section>
  );
}
