import { isApiError } from '@syfthub/client';
import { type FormEvent, useState } from 'react';
import { ErrorSummary, InputField } from '../components/ui';
import { useHub } from '../lib/ApiContext';
import { describeError, type FieldErrors } from '../lib/formErrors';
import { useFormSubmit } from '../lib/useFormSubmit';
import { validateEmail, validatePassword } from '../lib/validation';
import { useAuthModal } from './AuthModalContext';
import { NewPasswordFields, OtpField } from './parts';

export function ResetForm({ email: initialEmail = '' }: { email?: string | undefined }) {
  const hub = useHub();
  const { show } = useAuthModal();
  const [step, setStep] = useState<'request' | 'confirm'>('request');
  const [email, setEmail] = useState(initialEmail);
  const [code, setCode] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const { errors, setErrors, summary, setSummary, busy, validated, showApiError, submitting } =
    useFormSubmit();
  const [info, setInfo] = useState<string | null>(null);

  async function request(event: FormEvent) {
    event.preventDefault();
    const emailError = validateEmail(email);
    setErrors(emailError ? { email: emailError } : {});
    if (emailError) return;
    setSummary(null);
    await submitting(
      async () => {
        const result = await hub.auth.requestPasswordReset(email.trim());
        setInfo(result.message);
        setStep('confirm');
      },
      (error) => setSummary(isApiError(error) ? describeError(error) : 'Could not request a reset code.'),
    );
  }

  async function confirmReset(event: FormEvent) {
    event.preventDefault();
    const fieldErrors: FieldErrors = {};
    if (!/^\d{6}$/.test(code)) fieldErrors.code = 'Enter the 6-digit code from the e-mail.';
    const passwordError = validatePassword(password);
    if (passwordError) fieldErrors.new_password = passwordError;
    if (confirm !== password) fieldErrors.confirm = 'The passwords do not match.';
    if (!validated(fieldErrors)) return;
    await submitting(
      async () => {
        await hub.auth.confirmPasswordReset(email.trim(), code, password);
        show({
          kind: 'login',
          identifier: email.trim(),
          notice: 'Your password has been reset. Sign in with the new one.',
        });
      },
      (error) => {
        if (isApiError(error) && error.code === 'OTP_MAX_ATTEMPTS') {
          setSummary('Too many attempts with this code. Request a new code and try again.');
        } else showApiError(error);
      },
    );
  }

  if (step === 'request') {
    return (
      <form onSubmit={request} noValidate>
        <p className="muted">
          Enter your account's e-mail address and we will send you a code to choose a new password.
        </p>
        <ErrorSummary errors={{}} summary={summary} />
        <InputField
          label="E-mail"
          error={errors.email}
          type="email"
          autoComplete="email"
          value={email}
          onValue={setEmail}
          data-autofocus
        />
        <button type="submit" className="button button-primary button-block" disabled={busy}>
          {busy ? 'Sending…' : 'Send reset code'}
        </button>
        <p className="form-footer">
          <button type="button" className="link-button" onClick={() => show({ kind: 'login' })}>
            Back to sign in
          </button>
        </p>
      </form>
    );
  }
  return (
    <form onSubmit={confirmReset} noValidate>
      {info && (
        <p className="alert alert-info" role="status">
          {info}
        </p>
      )}
      <ErrorSummary errors={errors} summary={summary} />
      <OtpField label="Reset code" error={errors.code} value={code} onValue={setCode} />
      <NewPasswordFields
        label="New password"
        confirmLabel="Confirm new password"
        password={password}
        confirm={confirm}
        onPassword={setPassword}
        onConfirm={setConfirm}
        error={errors.new_password}
        confirmError={errors.confirm}
      />
      <button type="submit" className="button button-primary button-block" disabled={busy}>
        {busy ? 'Saving…' : 'Set new password'}
      </button>
    </form>
  );
}
