import './collectives.css';
import { deriveCollectiveSlug } from '@syfthub/contracts';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { ErrorSummary, InputField } from '../components/ui';
import { useHub } from '../lib/ApiContext';
import { useDocumentTitle } from '../lib/hooks';
import { useFormSubmit } from '../lib/useFormSubmit';
import { CollectiveFields, type CollectiveForm, emptyForm, formBody, localErrors } from './CollectiveFields';
import { useRefreshCollectives } from './queries';

const STEPS = ['Details', 'Membership', 'Review'] as const;

/** `/collectives/create` (collectives.md §12.4): details, membership policy, review, then the admin page. */
export default function CreateCollectivePage() {
  useDocumentTitle('Create a collective');
  const hub = useHub();
  const navigate = useNavigate();
  const refresh = useRefreshCollectives();
  const [step, setStep] = useState(0);
  const [form, setForm] = useState<CollectiveForm>(emptyForm);
  // Editing the slug pins it; until then it follows the name with the hub's own derivation.
  const [slug, setSlug] = useState<string | null>(null);
  const [autoApprove, setAutoApprove] = useState(false);
  const { errors, summary, busy, validated, submitting } = useFormSubmit();
  const preview = slug ?? (form.name.trim() ? deriveCollectiveSlug(form.name) : '');

  function next() {
    if (step === 0 && !validated(localErrors(form))) return;
    setStep(step + 1);
  }

  async function create() {
    await submitting(async () => {
      const created = await hub.collectives.create({
        ...formBody(form),
        auto_approve: autoApprove,
        ...(slug !== null ? { slug: slug.trim() } : {}),
      });
      await refresh();
      navigate(`/c/${created.slug}/admin`);
    });
  }

  return (
    <div className="page page-narrow">
      <header className="page-header">
        <h1>Create a collective</h1>
        <ol className="wizard-steps" aria-label="Steps">
          {STEPS.map((label, index) => (
            <li
              key={label}
              aria-current={index === step ? 'step' : undefined}
              className={index === step ? 'wizard-step-current' : ''}
            >
              {label}
            </li>
          ))}
        </ol>
      </header>
      <form
        className="card form"
        onSubmit={(e) => {
          e.preventDefault();
          if (step < STEPS.length - 1) next();
          else void create();
        }}
      >
        <ErrorSummary errors={errors} summary={summary} />
        {step === 0 && (
          <>
            <CollectiveFields form={form} onChange={setForm} errors={errors} />
            <InputField
              label="Slug"
              value={preview}
              onValue={(value) => setSlug(value)}
              error={errors.slug}
              hint={`Your collective will live at /c/${preview || '<slug>'}`}
            />
          </>
        )}
        {step === 1 && (
          <fieldset className="choices">
            <legend>How do data sources join?</legend>
            <label className="choice">
              <input
                type="radio"
                name="membership"
                checked={!autoApprove}
                onChange={() => setAutoApprove(false)}
              />
              <span>
                <strong>Request to join</strong>
                <span className="muted small"> You approve each request.</span>
              </span>
            </label>
            <label className="choice">
              <input
                type="radio"
                name="membership"
                checked={autoApprove}
                onChange={() => setAutoApprove(true)}
              />
              <span>
                <strong>Open</strong>
                <span className="muted small"> Requests are approved at once.</span>
              </span>
            </label>
          </fieldset>
        )}
        {step === 2 && (
          <dl className="facts">
            <dt>Name</dt>
            <dd>{form.name.trim()}</dd>
            <dt>Address</dt>
            <dd>/c/{preview}</dd>
            <dt>Membership</dt>
            <dd>{autoApprove ? 'Open' : 'Request to join'}</dd>
            <dt>Tags</dt>
            <dd>{formBody(form).tags.join(', ') || '—'}</dd>
          </dl>
        )}
        <div className="form-actions">
          {step > 0 && (
            <button type="button" className="button" onClick={() => setStep(step - 1)} disabled={busy}>
              Back
            </button>
          )}
          <button type="submit" className="button button-primary" disabled={busy}>
            {step < STEPS.length - 1 ? 'Next' : busy ? 'Creating…' : 'Create collective'}
          </button>
        </div>
      </form>
    </div>
  );
}
