import { isApiError } from '@syfthub/client';
import { type FormEvent, useState } from 'react';
import { ErrorSummary, InputField } from '../components/ui';
import { useHub } from '../lib/ApiContext';
import { describeError, type FieldErrors } from '../lib/formErrors';
import { useAuthConfig } from '../lib/queries';
import { useFormSubmit } from '../lib/useFormSubmit';
import { useAuthModal } from './AuthModalContext';
import { useFinishSignIn } from './useFinishSignIn';

export function LoginForm({
  identifier: initial = '',
  notice,
}: {
  identifier?: string | undefined;
  notice?: string | undefined;
}) {
  const hub = useHub();
  const { show } = useAuthModal();
  const config = useAuthConfig();
  const finish = useFinishSignIn();
  const [identifier, setIdentifier] = useState(initial);
  const [password, setPassword] = useState('');
  const { errors, summary, setSummary, busy, validated, submitting } = useFormSubmit();

  async function submit(event: FormEvent) {
    event.preventDefault();
    const fieldErrors: FieldErrors = {};
    if (!identifier.trim()) fieldErrors.identifier = 'Enter your e-mail or username.';
    if (!password) fieldErrors.password = 'Enter your password.';
    if (!validated(fieldErrors)) return;
    await submitting(
      async () => finish(await hub.auth.login(identifier.trim(), password)),
      async (error) => {
        if (isApiError(error) && error.status === 401) {
          setSummary(
            error.message === 'Account is deactivated'
              ? 'This account is deactivated.'
              : 'Incorrect e-mail/username or password.',
          );
        } else if (isApiError(error) && error.status === 403 && error.code === 'EMAIL_NOT_VERIFIED') {
          const email = identifier.includes('@') ? identifier.trim() : '';
          if (email) await hub.auth.resendOtp(email).catch(() => undefined);
          show({
            kind: 'verify',
            email,
            notice: email
              ? 'Your e-mail address is not verified yet. We sent you a new code.'
              : 'Your e-mail address is not verified yet. Enter it to receive a new code.',
          });
        } else {
          setSummary(isApiError(error) ? describeError(error) : 'Could not sign in.');
        }
      },
    );
  }

  return (
    <form onSubmit={submit} noValidate>
      {notice && <p className="alert alert-info">{notice}</p>}
      <ErrorSummary errors={{}} summary={summary} />
      <InputField
        label="E-mail or username"
        error={errors.identifier}
        name="username"
        autoComplete="username"
        value={identifier}
        onValue={setIdentifier}
        data-autofocus
      />
      <InputField
        label="Password"
        error={errors.password}
        type="password"
        name="password"
        autoComplete="current-password"
        value={password}
        onValue={setPassword}
      />
      {config.data?.password_reset_enabled && (
        <p className="form-aside">
          <button
            type="button"
            className="link-button"
            onClick={() =>
              show(identifier.includes('@') ? { kind: 'reset', email: identifier.trim() } : { kind: 'reset' })
            }
          >
            Forgot password?
          </button>
        </p>
      )}
      <button type="submit" className="button button-primary button-block" disabled={busy}>
        {busy ? 'Signing in…' : 'Sign in'}
      </button>
      <p className="form-footer">
        New to SyftHub?{' '}
        <button type="button" className="link-button" onClick={() => show({ kind: 'register' })}>
          Create an account
        </button>
      </p>
    </form>
  );
}
