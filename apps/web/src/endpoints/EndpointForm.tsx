import { type Endpoint, type EndpointType, isApiError, type Visibility } from '@syfthub/client';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useMemo, useRef, useState } from 'react';
import { Link, useBlocker, useNavigate } from 'react-router';
import { ConfirmDialog, Dialog } from '../components/Dialog';
import { useToast } from '../components/Toasts';
import { ErrorSummary, Field } from '../components/ui';
import { useHub } from '../lib/ApiContext';
import { mapApiError } from '../lib/formErrors';
import { useDebounced } from '../lib/hooks';
import { deriveSlug, LIMITS, validateSlug } from '../lib/validation';
import { useSession } from '../session/SessionProvider';
import { ConnectionsEditor } from './ConnectionsEditor';
import {
  createBody,
  type EndpointDraft,
  type Errors,
  fieldForLoc,
  isDirty,
  updateBody,
  validateDraft,
} from './formModel';
import { PoliciesEditor } from './PoliciesEditor';
import { ReadmeEditor } from './ReadmeEditor';
import { TagInput } from './TagInput';

const TYPE_OPTIONS: { value: EndpointType; label: string }[] = [
  { value: 'data_source', label: 'Data source' },
  { value: 'model', label: 'Model' },
  { value: 'model_data_source', label: 'Model + data source' },
  { value: 'agent', label: 'Agent' },
];

const VISIBILITY_OPTIONS: { value: Visibility; label: string; help: string }[] = [
  { value: 'public', label: 'Public', help: 'Everyone can find and use it.' },
  { value: 'internal', label: 'Internal', help: 'Any signed-in SyftHub user.' },
  { value: 'private', label: 'Private', help: 'Only you (and hub admins).' },
];

/** Live availability of a new slug among the caller's own endpoints. */
function SlugAvailability({ slug }: { slug: string }) {
  const hub = useHub();
  const debounced = useDebounced(slug, 400);
  const valid = debounced !== '' && validateSlug(debounced) === null;
  const query = useQuery({
    queryKey: ['slug-exists', debounced],
    queryFn: ({ signal }) => hub.endpoints.slugExists(debounced, signal),
    enabled: valid,
    retry: false,
  });
  if (!valid || query.isPending || query.isError) return null;
  return query.data ? (
    <span className="small text-danger" role="status">
      ✗ You already have an endpoint at this slug.
    </span>
  ) : (
    <span className="small text-success" role="status">
      ✓ Available
    </span>
  );
}

export function EndpointForm({
  original,
  creating,
  endpoint,
}: {
  original: EndpointDraft;
  creating: boolean;
  endpoint?: Endpoint;
}) {
  const hub = useHub();
  const toast = useToast();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const { user } = useSession();
  const [draft, setDraft] = useState(original);
  const [errors, setErrors] = useState<Errors>({});
  const [summary, setSummary] = useState<string | null>(null);
  const [correlationId, setCorrelationId] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState(false);
  const [deleteOpen, setDeleteOpen] = useState(false);
  const [deleteText, setDeleteText] = useState('');
  const [deleting, setDeleting] = useState(false);
  const dirty = useMemo(() => isDirty(original, draft, creating), [original, draft, creating]);

  // A ref, not state: the navigation right after a save happens before the re-render that would see `saved`.
  const savedRef = useRef(false);
  const blocker = useBlocker(
    ({ currentLocation, nextLocation }) =>
      dirty && !savedRef.current && currentLocation.pathname !== nextLocation.pathname,
  );
  useEffect(() => {
    if (!dirty || saved) return;
    const onBeforeUnload = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener('beforeunload', onBeforeUnload);
    return () => window.removeEventListener('beforeunload', onBeforeUnload);
  }, [dirty, saved]);

  const set = <K extends keyof EndpointDraft>(key: K, value: EndpointDraft[K]) =>
    setDraft((current) => {
      const next = { ...current, [key]: value };
      if (key === 'name' && creating && !current.slugEdited) next.slug = deriveSlug(String(value));
      return next;
    });

  async function submit(event: FormEvent) {
    event.preventDefault();
    const found = validateDraft(draft, creating);
    setErrors(found);
    setSummary(null);
    setCorrelationId(null);
    if (Object.keys(found).length > 0) return;
    setSaving(true);
    try {
      const result = creating
        ? await hub.endpoints.create(createBody(draft))
        : await hub.endpoints.updateBySlug(original.slug, updateBody(original, draft));
      savedRef.current = true;
      setSaved(true);
      await queryClient.invalidateQueries({ queryKey: ['endpoints'] });
      await queryClient.invalidateQueries({ queryKey: ['endpoint'] });
      toast.success(creating ? `“${result.name}” published.` : `“${result.name}” saved.`);
      navigate(`/${user?.username ?? result.owner_username}/${result.slug}`);
    } catch (error) {
      if (isApiError(error) && error.status === 400 && /slug already exists/i.test(error.message)) {
        setErrors({ slug: 'You already have an endpoint with this slug. Choose another.' });
      } else {
        const mapped = mapApiError(error, fieldForLoc);
        setErrors(mapped.fields);
        setSummary(mapped.summary);
        setCorrelationId(mapped.correlationId);
      }
    } finally {
      setSaving(false);
    }
  }

  async function remove() {
    setDeleting(true);
    try {
      await hub.endpoints.deleteBySlug(original.slug);
      savedRef.current = true;
      setSaved(true);
      await queryClient.invalidateQueries({ queryKey: ['endpoints'] });
      toast.success(`“${original.name}” deleted.`);
      navigate('/my/endpoints');
    } catch (error) {
      toast.error(error);
    } finally {
      setDeleting(false);
    }
  }

  const summaryErrors = Object.fromEntries(
    Object.entries(errors).filter(([key]) => key !== 'slug' || creating),
  );

  return (
    <form className="endpoint-form" onSubmit={submit} noValidate>
      <ErrorSummary errors={summaryErrors} summary={summary} correlationId={correlationId} />
      <section className="card form-section">
        <h2>Basics</h2>
        <Field label="Name" error={errors.name} counter={{ value: draft.name.length, max: LIMITS.name }}>
          {(props) => (
            <input {...props} value={draft.name} onChange={(e) => set('name', e.target.value)} required />
          )}
        </Field>
        <Field
          label="Slug"
          error={errors.slug}
          hint={
            creating ? (
              <>
                Your endpoint will live at{' '}
                <code>
                  /{user?.username}/{draft.slug || '…'}
                </code>
                . <SlugAvailability slug={draft.slug} />
              </>
            ) : (
              'The slug cannot change after publishing.'
            )
          }
        >
          {(props) => (
            <input
              {...props}
              value={draft.slug}
              readOnly={!creating}
              onChange={(e) =>
                setDraft((d) => ({ ...d, slug: e.target.value.toLowerCase(), slugEdited: true }))
              }
            />
          )}
        </Field>
        <Field
          label="Type"
          error={errors.type}
          hint={creating ? undefined : 'The type cannot change after publishing.'}
        >
          {(props) => (
            <select
              {...props}
              value={draft.type}
              disabled={!creating}
              onChange={(e) => set('type', e.target.value as EndpointType)}
            >
              {TYPE_OPTIONS.map((option) => (
                <option key={option.value} value={option.value}>
                  {option.label}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field
          label="Description"
          error={errors.description}
          counter={{ value: draft.description.length, max: LIMITS.description }}
        >
          {(props) => (
            <textarea
              {...props}
              rows={3}
              value={draft.description}
              onChange={(e) => set('description', e.target.value)}
            />
          )}
        </Field>
        <fieldset className="radio-group">
          <legend>Visibility</legend>
          {VISIBILITY_OPTIONS.map((option) => (
            <label key={option.value} className="radio-card">
              <input
                type="radio"
                name="visibility"
                value={option.value}
                checked={draft.visibility === option.value}
                onChange={() => set('visibility', option.value)}
              />
              <span>
                <strong>{option.label}</strong>
                <span className="small muted"> — {option.help}</span>
              </span>
            </label>
          ))}
          {errors.visibility && <p className="field-error">{errors.visibility}</p>}
        </fieldset>
        <Field label="Version" error={errors.version} hint="Semantic version, e.g. 1.0.0.">
          {(props) => (
            <input {...props} value={draft.version} onChange={(e) => set('version', e.target.value)} />
          )}
        </Field>
        <TagInput tags={draft.tags} onChange={(tags) => set('tags', tags)} errors={errors} />
        {!creating && (
          <label className="checkbox-field">
            <input
              type="checkbox"
              checked={draft.archived}
              onChange={(e) => set('archived', e.target.checked)}
            />{' '}
            Archived
            <span className="field-hint">
              Archived endpoints are hidden from listings and search but stay reachable by link. You can
              unarchive at any time.
            </span>
          </label>
        )}
      </section>
      <section className="card form-section">
        <ReadmeEditor
          value={draft.readme}
          onChange={(readme) => set('readme', readme)}
          error={errors.readme}
        />
      </section>
      <section className="card form-section">
        <ConnectionsEditor
          connections={draft.connections}
          onChange={(connections) => set('connections', connections)}
          errors={errors}
          domain={user?.domain ?? null}
        />
        {draft.connections.length > 0 && (
          <p className="alert alert-info small">
            An endpoint with connections needs a satellite that reports health. Without reports it turns
            inactive after about 90 seconds and disappears from listings (it stays visible here). Endpoints
            without connections stay listed.
          </p>
        )}
      </section>
      <section className="card form-section">
        <PoliciesEditor
          policies={draft.policies}
          onChange={(policies) => set('policies', policies)}
          errors={errors}
        />
      </section>
      <div className="form-actions sticky-actions">
        <button type="submit" className="button button-primary" disabled={saving || (!creating && !dirty)}>
          {saving ? 'Saving…' : creating ? 'Publish endpoint' : 'Save changes'}
        </button>
        <Link to="/my/endpoints" className="button">
          Cancel
        </Link>
        <span className="toolbar-spacer" />
        {!creating && endpoint && (
          <button type="button" className="button button-danger-ghost" onClick={() => setDeleteOpen(true)}>
            Delete endpoint
          </button>
        )}
      </div>
      <Dialog
        open={deleteOpen}
        onClose={() => setDeleteOpen(false)}
        title="Delete this endpoint?"
        size="small"
        footer={
          <>
            <button type="button" className="button" onClick={() => setDeleteOpen(false)}>
              Cancel
            </button>
            <button
              type="button"
              className="button button-danger"
              disabled={deleteText !== original.slug || deleting}
              onClick={remove}
            >
              {deleting ? 'Deleting…' : 'Delete permanently'}
            </button>
          </>
        }
      >
        <p>This deletes the endpoint, its stars and its uptime history. It cannot be undone.</p>
        <Field
          label={
            <>
              Type <code>{original.slug}</code> to confirm
            </>
          }
        >
          {(props) => (
            <input
              {...props}
              value={deleteText}
              onChange={(e) => setDeleteText(e.target.value)}
              autoComplete="off"
            />
          )}
        </Field>
      </Dialog>
      <ConfirmDialog
        open={blocker.state === 'blocked'}
        title="Leave without saving?"
        message="Your changes to this endpoint have not been saved."
        confirmLabel="Leave"
        onConfirm={() => blocker.proceed?.()}
        onClose={() => blocker.reset?.()}
      />
    </form>
  );
}
