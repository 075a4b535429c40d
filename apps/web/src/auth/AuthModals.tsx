import { isApiError, type User } from '@syfthub/client';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { useNavigate } from 'react-router';
import { Dialog } from '../components/Dialog';
import { useToast } from '../components/Toasts';
import { ErrorSummary, InputField } from '../components/ui';
import { useHub } from '../lib/ApiContext';
import { describeError, type FieldErrors } from '../lib/formErrors';
import { useCountdown } from '../lib/hooks';
import { useAuthConfig } from '../lib/queries';
import { useFormSubmit } from '../lib/useFormSubmit';
import {
  LIMITS,
  usernameFromEmail,
  validateEmail,
  validatePassword,
  validateRequired,
  validateUsername,
} from '../lib/validation';
import { useSession } from '../session/SessionProvider';
import { useAuthModal } from './AuthModalContext';
import { NewPasswordFields, OtpField, UsernameAvailability } from './parts';

type SignInResult = { user: User; access_token: string; refresh_token: string };

function useFinishSignIn() {
  const { signIn } = useSession();
  const { next, close } = useAuthModal();
  const navigate = useNavigate();
  const toast = useToast();
  return (auth: SignInResult) => {
    signIn(auth);
    toast.success(`Welcome, ${auth.user.full_name || auth.user.username}.`);
    const target = next;
    close();
    if (target) navigate(target, { replace: true });
  };
}

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

function RegisterForm() {
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

function VerifyForm({ email: initialEmail, notice }: { email: string; notice?: string | undefined }) {
  const hub = useHub();
  const finish = useFinishSignIn();
  const [email, setEmail] = useState(initialEmail);
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [info, setInfo] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [cooldown, startCooldown] = useCountdown();

  // A code was just sent when this view opens with a known address; only on open, hence no dependencies.
  useEffect(() => {
    if (initialEmail) startCooldown(60);
  }, []);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setInfo(null);
    if (validateEmail(email)) return setError('Enter the e-mail address you registered with.');
    if (!/^\d{6}$/.test(code)) return setError('Enter the 6-digit code from the e-mail.');
    setBusy(true);
    setError(null);
    try {
      finish(await hub.auth.verifyOtp(email.trim(), code));
    } catch (err) {
      if (isApiError(err) && err.code === 'OTP_MAX_ATTEMPTS') {
        setError('Too many attempts with this code. Request a new code and try again.');
      } else if (isApiError(err) && err.code === 'INVALID_OTP') {
        setError(`${err.message}. Check the code or request a new one.`);
      } else {
        setError(isApiError(err) ? describeError(err) : 'Verification failed.');
      }
    } finally {
      setBusy(false);
    }
  }

  async function resend() {
    if (validateEmail(email)) return setError('Enter the e-mail address you registered with.');
    setError(null);
    try {
      const result = await hub.auth.resendOtp(email.trim());
      setInfo(result.message);
      startCooldown(60);
    } catch (err) {
      setError(isApiError(err) ? describeError(err) : 'Could not send a new code.');
    }
  }

  return (
    <form onSubmit={submit} noValidate>
      {notice && <p className="alert alert-info">{notice}</p>}
      {info && (
        <p className="alert alert-info" role="status">
          {info}
        </p>
      )}
      {error && (
        <p className="alert alert-error" role="alert">
          {error}
        </p>
      )}
      <InputField
        label="E-mail"
        type="email"
        autoComplete="email"
        value={email}
        readOnly={!!initialEmail}
        onValue={setEmail}
      />
      <OtpField
        label="Verification code"
        hint="6 digits, valid for 10 minutes."
        pattern="\d{6}"
        value={code}
        onValue={setCode}
      />
      <button type="submit" className="button button-primary button-block" disabled={busy}>
        {busy ? 'Verifying…' : 'Verify and sign in'}
      </button>
      <p className="form-footer">
        <button type="button" className="link-button" onClick={resend} disabled={cooldown > 0}>
          {cooldown > 0 ? `Resend code in ${cooldown} s` : 'Resend code'}
        </button>
      </p>
    </form>
  );
}

function ResetForm({ email: initialEmail = '' }: { email?: string | undefined }) {
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

const TITLES = {
  login: 'Sign in to SyftHub',
  register: 'Create your account',
  verify: 'Verify your e-mail',
  reset: 'Reset your password',
} as const;

/** The login, register, OTP and reset modals (web.md §5.7); one dialog whose content follows the current view. */
export default function AuthModals() {
  const { view, close } = useAuthModal();
  const body = useRef<HTMLDivElement>(null);
  const kind = view?.kind;
  // Switching views inside the open dialog moves focus to the new form's first field.
  useEffect(() => {
    if (kind) body.current?.querySelector<HTMLElement>('[data-autofocus]')?.focus();
  }, [kind]);
  if (!view) return null;
  return (
    <Dialog open title={TITLES[view.kind]} onClose={close} size="small">
      <div ref={body}>
        {view.kind === 'login' && <LoginForm identifier={view.identifier} notice={view.notice} />}
        {view.kind === 'register' && <RegisterForm />}
        {view.kind === 'verify' && <VerifyForm key={view.email} email={view.email} notice={view.notice} />}
        {view.kind === 'reset' && <ResetForm email={view.email} />}
      </div>
    </Dialog>
  );
}
