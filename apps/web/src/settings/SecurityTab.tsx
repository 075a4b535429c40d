import { isApiError } from '@syfthub/client';
import { type FormEvent, useState } from 'react';
import { PasswordStrength } from '../auth/parts';
import { ErrorSummary, Field } from '../components/ui';
import { useHub } from '../lib/ApiContext';
import { type FieldErrors, mapApiError } from '../lib/formErrors';
import { PASSWORD_RULES, validatePassword } from '../lib/validation';

export function SecurityTab() {
  const hub = useHub();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [summary, setSummary] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const found: FieldErrors = {};
    if (!current) found.current_password = 'Enter your current password.';
    const weak = validatePassword(next);
    if (weak) found.new_password = weak;
    if (confirm !== next) found.confirm = 'The passwords do not match.';
    setErrors(found);
    setSummary(null);
    setDone(false);
    if (Object.keys(found).length > 0) return;
    setBusy(true);
    try {
      await hub.auth.changePassword(current, next);
      setDone(true);
      setCurrent('');
      setNext('');
      setConfirm('');
    } catch (error) {
      if (isApiError(error) && error.status === 400) setErrors({ current_password: error.message });
      else {
        const mapped = mapApiError(error);
        setErrors(mapped.fields);
        setSummary(mapped.summary);
      }
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="card form-section" onSubmit={submit} noValidate>
      <h2>Change password</h2>
      {done && (
        <p className="alert alert-success" role="status">
          Password changed. Your other sessions have been signed out.
        </p>
      )}
      <ErrorSummary errors={errors} summary={summary} />
      <Field label="Current password" error={errors.current_password}>
        {(props) => (
          <input
            {...props}
            type="password"
            autoComplete="current-password"
            value={current}
            onChange={(e) => setCurrent(e.target.value)}
          />
        )}
      </Field>
      <Field label="New password" error={errors.new_password} hint={<PasswordStrength password={next} />}>
        {(props) => (
          <input
            {...props}
            type="password"
            autoComplete="new-password"
            value={next}
            onChange={(e) => setNext(e.target.value)}
          />
        )}
      </Field>
      <Field label="Confirm new password" error={errors.confirm}>
        {(props) => (
          <input
            {...props}
            type="password"
            autoComplete="new-password"
            value={confirm}
            onChange={(e) => setConfirm(e.target.value)}
          />
        )}
      </Field>
      <ul className="small muted rules">
        {PASSWORD_RULES.map((rule) => (
          <li key={rule}>{rule}</li>
        ))}
      </ul>
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={busy}>
          {busy ? 'Changing…' : 'Change password'}
        </button>
      </div>
    </form>
  );
}
