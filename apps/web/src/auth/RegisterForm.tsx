import { isApiError } from '@syfthub/client';
import { type FormEvent, useState } from 'react';
import { ErrorSummary, InputField } from '../components/ui';
import { useHub } from '../lib/ApiContext';
import type { FieldErrors } from '../lib/formErrors';
import { useFormSubmit } from '../lib/useFormSubmit';
import {
  LIMITS,
  usernameFromEmail,
  validateEmail,
  validatePassword,
  validateRequired,
  validateUsername,
} from '../lib/validation';
import { useAuthModal } from './AuthModalContext';
import { NewPasswordFields, UsernameAvailability } from './parts';
import { useFinishSignIn } from './useFinishSignIn';

export function RegisterForm() {
  const hub = useHub();
  const { show } = useAuthModal();
  const finish = useFinishSignIn();
  const [fullName, setFullName] = useState('');
  const [email, setEmail] = useState('');
  const [username, setUsername] = useState('');
  const [usernameEdited, setUsernameEdited] = useState(false);
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [terms, setTerms] = useState(false);
  const { errors, setErrors, summary, busy, validated, showApiError, submitting } = useFormSubmit();
  const [suggestion, setSuggestion] = useState<string | null>(null);

  function onEmail(value: string) {
    setEmail(value);
    if (!usernameEdited) setUsername(usernameFromEmail(value));
  }

  function validate(): FieldErrors {
    const result: FieldErrors = {};
    const checks: [string, string | null][] = [
      ['full_name', validateRequired(fullName, 'Full name', LIMITS.fullName)],
      ['email', validateEmail(email)],
      ['username', validateUsername(username)],
      ['password', validatePassword(password)],
      ['confirm', confirm !== password ? 'The passwords do not match.' : null],
      ['terms', terms ? null : 'Please accept the terms to continue.'],
    ];
    for (const [field, message] of checks) if (message) result[field] = message;
    return result;
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    setSuggestion(null);
    if (!validated(validate())) return;
    await submitting(
      async () => {
        const result = await hub.auth.register({
          full_name: fullName.trim(),
          email: email.trim(),
          username: username.trim().toLowerCase(),
          password,
        });
        if (result.access_token && result.refresh_token) {
          finish({
            user: result.user,
            access_token: result.access_token,
            refresh_token: result.refresh_token,
          });
        } else if (result.requires_email_verification) {
          show({
            kind: 'verify',
            email: result.user.email,
            notice: 'We sent a 6-digit code to your e-mail address.',
          });
        }
      },
      (error) => {
        showApiError(error);
        if (isApiError(error) && error.status === 409 && error.field === 'username') {
          setSuggestion(
            `${username.trim().toLowerCase().slice(0, 46)}${Math.floor(100 + Math.random() * 900)}`,
          );
        }
      },
    );
  }

  return (
    <form onSubmit={submit} noValidate>
      <ErrorSummary errors={errors} summary={summary} />
      <InputField
        label="Full name"
        error={errors.full_name}
        autoComplete="name"
        value={fullName}
        onValue={setFullName}
        data-autofocus
      />
      <InputField
        label="E-mail"
        error={errors.email}
        type="email"
        autoComplete="email"
        value={email}
        onValue={onEmail}
      />
      <InputField
        label="Username"
        error={errors.username}
        hint={
          <>
            <UsernameAvailability username={username} />
            {suggestion && (
              <>
                {' '}
                <button
                  type="button"
                  className="link-button"
                  onClick={() => {
                    setUsername(suggestion);
                    setUsernameEdited(true);
                    setSuggestion(null);
                    setErrors(({ username: _dropped, ...rest }) => rest);
                  }}
                >
                  Use “{suggestion}”
                </button>
              </>
            )}
          </>
        }
        autoComplete="username"
        value={username}
        onValue={(value) => {
          setUsername(value);
          setUsernameEdited(true);
        }}
      />
      <NewPasswordFields
        label="Password"
        confirmLabel="Confirm password"
        password={password}
        confirm={confirm}
        onPassword={setPassword}
        onConfirm={setConfirm}
        error={errors.password}
        confirmError={errors.confirm}
      />
      <div className={`field checkbox-field${errors.terms ? ' field-invalid' : ''}`}>
        <label>
          <input
            type="checkbox"
            checked={terms}
            onChange={(e) => setTerms(e.target.checked)}
            aria-invalid={errors.terms ? true : undefined}
            aria-describedby={errors.terms ? 'terms-error' : undefined}
          />{' '}
          I agree to the terms of use and the privacy policy.
        </label>
        {errors.terms && (
          <p id="terms-error" className="field-error">
            {errors.terms}
          </p>
        )}
      </div>
      <button type="submit" className="button button-primary button-block" disabled={busy}>
        {busy ? 'Creating account…' : 'Create account'}
      </button>
      <p className="form-footer">
        Already have an account?{' '}
        <button type="button" className="link-button" onClick={() => show({ kind: 'login' })}>
          Sign in
        </button>
      </p>
    </form>
  );
}
