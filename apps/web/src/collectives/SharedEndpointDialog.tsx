import type { Collective, CollectiveMember, SharedEndpoint } from '@syfthub/client';
import { deriveSharedSlug } from '@syfthub/contracts';
import { useState } from 'react';
import { Dialog } from '../components/Dialog';
import { ErrorSummary, Field, InputField } from '../components/ui';
import { useHub } from '../lib/ApiContext';
import { useFormSubmit } from '../lib/useFormSubmit';
import { useRefreshCollectives } from './queries';

/**
 * Create or edit a Collective API (collectives.md §12.6). Only approved members can be picked; on edit, members
 * that are no longer approved are named and dropped on save. The slug is sent only when typed, so a name that
 * derives to the reserved `all` gets the hub's suffixed slug.
 */
export function SharedEndpointDialog({
  collective,
  approved,
  editing,
  onClose,
}: {
  collective: Collective;
  approved: CollectiveMember[];
  editing: SharedEndpoint | null;
  onClose: () => void;
}) {
  const hub = useHub();
  const refresh = useRefreshCollectives();
  const approvedIds = new Set(approved.map((m) => m.endpoint_id));
  const [name, setName] = useState(editing?.name ?? '');
  const [description, setDescription] = useState(editing?.description ?? '');
  const [slug, setSlug] = useState<string | null>(null);
  const [chosen, setChosen] = useState<number[]>(
    editing ? editing.members.map((m) => m.endpoint_id).filter((id) => approvedIds.has(id)) : [],
  );
  const gone = editing?.members.filter((m) => !approvedIds.has(m.endpoint_id)) ?? [];
  const { errors, summary, busy, validated, submitting } = useFormSubmit();
  const preview = editing ? editing.slug : (slug ?? deriveSharedSlug(name));

  function toggle(id: number) {
    setChosen(chosen.includes(id) ? chosen.filter((x) => x !== id) : [...chosen, id]);
  }

  async function save() {
    const found: Record<string, string> = {};
    if (!name.trim()) found.name = 'Give it a name.';
    if (chosen.length === 0) found.endpoint_ids = 'Pick at least one endpoint.';
    if (!validated(found)) return;
    await submitting(async () => {
      if (editing) {
        await hub.collectives.updateShared(collective.id, editing.slug, {
          name: name.trim(),
          description: description.trim(),
          endpoint_ids: chosen,
        });
      } else {
        await hub.collectives.createShared(collective.id, {
          name: name.trim(),
          description: description.trim(),
          endpoint_ids: chosen,
          ...(slug !== null ? { slug: slug.trim() } : {}),
        });
      }
      await refresh();
      onClose();
    });
  }

  return (
    <Dialog
      open
      onClose={onClose}
      title={editing ? `Edit ${editing.name}` : 'New Collective API'}
      size="large"
      footer={
        <button type="button" className="button button-primary" disabled={busy} onClick={save}>
          {busy ? 'Saving…' : 'Save'}
        </button>
      }
    >
      <ErrorSummary errors={errors} summary={summary} />
      <InputField
        label="Name"
        value={name}
        onValue={setName}
        error={errors.name}
        maxLength={100}
        data-autofocus
      />
      <InputField
        label="Slug"
        value={preview}
        onValue={setSlug}
        disabled={editing !== null}
        error={errors.slug}
        hint={`collective/${collective.slug}/${preview || '<slug>'}`}
      />
      <Field label="Description" error={errors.description} counter={{ value: description.length, max: 500 }}>
        {(props) => (
          <textarea
            {...props}
            rows={2}
            value={description}
            onChange={(e) => setDescription(e.target.value)}
          />
        )}
      </Field>
      {gone.length > 0 && (
        <p className="alert alert-warning">
          No longer approved, removed on save:{' '}
          {gone.map((m) => m.endpoint_name ?? `#${m.endpoint_id}`).join(', ')}
        </p>
      )}
      <fieldset className="source-list">
        <legend>Endpoints</legend>
        {errors.endpoint_ids && <p className="field-error">{errors.endpoint_ids}</p>}
        {approved.map((member) => (
          <label key={member.endpoint_id} className="source-option">
            <input
              type="checkbox"
              checked={chosen.includes(member.endpoint_id)}
              onChange={() => toggle(member.endpoint_id)}
            />
            <span className="option-main">
              <strong>{member.endpoint_name ?? `Endpoint #${member.endpoint_id}`}</strong>
              <span className="muted small">@{member.endpoint_owner_username}</span>
            </span>
          </label>
        ))}
      </fieldset>
    </Dialog>
  );
}
