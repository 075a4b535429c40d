import { isApiError } from '@syfthub/client';
import { type FormEvent, useEffect, useState } from 'react';
import { InputField } from '../components/ui';
import { useHub } from '../lib/ApiContext';
import { describeError } from '../lib/formErrors';
import { useCountdown } from '../lib/hooks';
import { validateEmail } from '../lib/validation';
import { OtpField } from './parts';
import { useFinishSignIn } from './useFinishSignIn';

export function VerifyForm({ email: initialEmail, notice }: { email: string; notice?: string | undefined }) {
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
