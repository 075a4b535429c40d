import { isApiError } from '@syfthub/client';
import { type FormEvent, useState } from 'react';
import { NewPasswordFields } from '../auth/parts';
import { ErrorSummary, InputField } from '../components/ui';
import { useHub } from '../lib/ApiContext';
import type { FieldErrors } from '../lib/formErrors';
import { useFormSubmit } from '../lib/useFormSubmit';
import { PASSWORD_RULES, validatePassword } from '../lib/validation';

export function SecurityTab() {
  const hub = useHub();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const { errors, setErrors, summary, busy, validated, showApiError, submitting } = useFormSubmit();
  const [done, setDone] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const found: FieldErrors = {};
    if (!current) found.current_password = 'Enter your current password.';
    const weak = validatePassword(next);
    if (weak) found.new_password = weak;
    if (confirm !== next) found.confirm = 'The passwords do not match.';
    setDone(false);
    if (!validated(found)) return;
    await submitting(
      async () => {
        await hub.auth.changePassword(current, next);
        setDone(true);
        setCurrent('');
        setNext('');
        setConfirm('');
      },
      (error) => {
        if (isApiError(error) && error.status === 400) setErrors({ current_password: error.message });
        else showApiError(error);
      },
    );
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
      <InputField
        label="Current password"
        error={errors.current_password}
        type="password"
        autoComplete="current-password"
        value={current}
        onValue={setCurrent}
      />
      <NewPasswordFields
        label="New password"
        confirmLabel="Confirm new password"
        password={next}
        confirm={confirm}
        onPassword={setNext}
        onConfirm={setConfirm}
        error={errors.new_password}
        confirmError={errors.confirm}
      />
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
