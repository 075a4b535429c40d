import type { UserAggregator } from '@syfthub/client';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { ConfirmDialog, Dialog } from '../components/Dialog';
import { Icon } from '../components/Icon';
import { useToast } from '../components/Toasts';
import {
  Badge,
  DialogActions,
  EmptyState,
  ErrorState,
  ErrorSummary,
  InputField,
  Spinner,
} from '../components/ui';
import { config } from '../config';
import { useHub } from '../lib/ApiContext';
import type { FieldErrors } from '../lib/formErrors';
import { keys, useAggregators } from '../lib/queries';
import { useFormSubmit } from '../lib/useFormSubmit';
import { LIMITS, validateHttpUrl, validateRequired } from '../lib/validation';

function AggregatorDialog({
  editing,
  open,
  onClose,
}: {
  editing: UserAggregator | null;
  open: boolean;
  onClose: () => void;
}) {
  const hub = useHub();
  const toast = useToast();
  const queryClient = useQueryClient();
  const [name, setName] = useState(editing?.name ?? '');
  const [url, setUrl] = useState(editing?.url ?? '');
  const [makeDefault, setMakeDefault] = useState(false);
  const { errors, summary, busy, validated, submitting } = useFormSubmit();

  async function submit(event: FormEvent) {
    event.preventDefault();
    const found: FieldErrors = {};
    const nameError = validateRequired(name, 'Name', LIMITS.name);
    if (nameError) found.name = nameError;
    const urlError = validateHttpUrl(url);
    if (urlError) found.url = urlError;
    if (!validated(found)) return;
    await submitting(async () => {
      if (editing)
        await hub.aggregators.update(editing.id, {
          name: name.trim(),
          url: url.trim(),
          ...(makeDefault ? { is_default: true } : {}),
        });
      else await hub.aggregators.create({ name: name.trim(), url: url.trim(), is_default: makeDefault });
      await queryClient.invalidateQueries({ queryKey: keys.aggregators });
      toast.success(editing ? 'Aggregator updated.' : 'Aggregator added.');
      onClose();
    });
  }

  return (
    <Dialog
      open={open}
      onClose={onClose}
      title={editing ? 'Edit aggregator' : 'Add an aggregator'}
      size="small"
    >
      <form onSubmit={submit} noValidate>
        <ErrorSummary errors={errors} summary={summary} />
        <InputField label="Name" error={errors.name} value={name} onValue={setName} data-autofocus />
        <InputField
          label="URL"
          error={errors.url}
          hint="The aggregator's API base, e.g. https://agg.example.com/api/v1"
          type="url"
          value={url}
          onValue={setUrl}
          placeholder="https://"
        />
        {!editing?.is_default && (
          <label className="checkbox-field">
            <input type="checkbox" checked={makeDefault} onChange={(e) => setMakeDefault(e.target.checked)} />{' '}
            Use it for chat (make default)
          </label>
        )}
        <DialogActions busy={busy} label="Save" busyLabel="Saving…" onCancel={onClose} />
      </form>
    </Dialog>
  );
}

export function AggregatorsTab() {
  const hub = useHub();
  const toast = useToast();
  const queryClient = useQueryClient();
  const list = useAggregators();
  const [dialog, setDialog] = useState<{ editing: UserAggregator | null } | null>(null);
  const [deleting, setDeleting] = useState<UserAggregator | null>(null);
  const invalidate = () => queryClient.invalidateQueries({ queryKey: keys.aggregators });
  const makeDefault = useMutation({
    mutationFn: (aggregator: UserAggregator) => hub.aggregators.makeDefault(aggregator.id),
    onSuccess: (aggregator) => {
      toast.success(`“${aggregator.name}” is now your default aggregator.`);
      void invalidate();
    },
    onError: (error) => toast.error(error),
  });
  const remove = useMutation({
    mutationFn: (aggregator: UserAggregator) => hub.aggregators.delete(aggregator.id),
    onSuccess: () => {
      toast.success('Aggregator removed.');
      setDeleting(null);
      void invalidate();
    },
    onError: (error) => toast.error(error),
  });

  return (
    <section className="card form-section" aria-labelledby="aggregators-title">
      <div className="section-header">
        <h2 id="aggregators-title">Aggregators</h2>
        <button type="button" className="button button-primary" onClick={() => setDialog({ editing: null })}>
          <Icon name="plus" size={14} /> Add aggregator
        </button>
      </div>
      <p className="muted">
        Chat sends questions to your default aggregator; without one it uses this hub's built-in aggregator at{' '}
        <code>{config.aggregatorUrl}</code>.
      </p>
      {list.isPending ? (
        <Spinner label="Loading aggregators…" />
      ) : list.isError ? (
        <ErrorState error={list.error} retry={() => list.refetch()} />
      ) : list.data.aggregators.length === 0 ? (
        <EmptyState title="No custom aggregators" icon="⇄">
          Chat uses the built-in aggregator.
        </EmptyState>
      ) : (
        <ul className="plain-list aggregator-list">
          {list.data.aggregators.map((aggregator) => {
            const isDefault = aggregator.id === list.data.default_aggregator_id || aggregator.is_default;
            return (
              <li key={aggregator.id} className="aggregator-row">
                <div>
                  <strong>{aggregator.name}</strong> {isDefault && <Badge tone="success">✓ Default</Badge>}
                  <div className="small muted">
                    <code>{aggregator.url}</code>
                  </div>
                </div>
                <div className="row-actions">
                  {!isDefault && (
                    <button
                      type="button"
                      className="button button-small"
                      onClick={() => makeDefault.mutate(aggregator)}
                      disabled={makeDefault.isPending}
                    >
                      Make default<span className="visually-hidden"> {aggregator.name}</span>
                    </button>
                  )}
                  <button
                    type="button"
                    className="button button-small"
                    onClick={() => setDialog({ editing: aggregator })}
                  >
                    Edit<span className="visually-hidden"> {aggregator.name}</span>
                  </button>
                  <button
                    type="button"
                    className="button button-small button-danger-ghost"
                    onClick={() => setDeleting(aggregator)}
                  >
                    Delete<span className="visually-hidden"> {aggregator.name}</span>
                  </button>
                </div>
              </li>
            );
          })}
        </ul>
      )}
      {dialog && (
        <AggregatorDialog
          key={dialog.editing?.id ?? 'new'}
          editing={dialog.editing}
          open
          onClose={() => setDialog(null)}
        />
      )}
      <ConfirmDialog
        open={deleting !== null}
        title="Remove this aggregator?"
        message={<p>“{deleting?.name}” will no longer be used for chat.</p>}
        confirmLabel="Remove"
        busy={remove.isPending}
        onConfirm={() => deleting && remove.mutate(deleting)}
        onClose={() => setDeleting(null)}
      />
    </section>
  );
}
