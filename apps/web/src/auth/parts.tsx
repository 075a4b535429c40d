import { useQuery } from '@tanstack/react-query';
import { InputField } from '../components/ui';
import { useHub } from '../lib/ApiContext';
import { useDebounced } from '../lib/hooks';
import { PASSWORD_RULES, passwordStrength, validatePassword, validateUsername } from '../lib/validation';

export function PasswordStrength({ password }: { password: string }) {
  const { score, label } = passwordStrength(password);
  const valid = password !== '' && validatePassword(password) === null;
  return (
    <span className="strength">
      <span className={`strength-meter strength-${score}`} aria-hidden="true">
        {[1, 2, 3, 4].map((step) => (
          <span key={step} className={step <= score ? 'on' : ''} />
        ))}
      </span>
      <span className="small">
        Strength: {label}. {valid ? 'Meets the rules.' : `Rules: ${PASSWORD_RULES.join(', ').toLowerCase()}.`}
      </span>
    </span>
  );
}

/** Live availability of a username (debounced `GET /users/check-username/{u}`); says nothing while invalid. */
export function UsernameAvailability({ username, current }: { username: string; current?: string }) {
  const hub = useHub();
  const debounced = useDebounced(username.trim().toLowerCase(), 400);
  const check = debounced !== '' && debounced !== current && validateUsername(debounced) === null;
  const query = useQuery({
    queryKey: ['check-username', debounced],
    queryFn: ({ signal }) => hub.users.checkUsername(debounced, signal),
    enabled: check,
    staleTime: 30_000,
    retry: false,
  });
  if (!check) return null;
  if (query.isPending) return <span className="small muted">Checking availability…</span>;
  if (query.isError) return null;
  return query.data.available ? (
    <span className="small text-success" role="status">
      ✓ @{query.data.username} is available
    </span>
  ) : (
    <span className="small text-danger" role="status">
      ✗ @{query.data.username} is taken
    </span>
  );
}

/** A new password with its strength, then the same again to confirm it. */
export function NewPasswordFields({
  label,
  confirmLabel,
  password,
  confirm,
  onPassword,
  onConfirm,
  error,
  confirmError,
}: {
  label: string;
  confirmLabel: string;
  password: string;
  confirm: string;
  onPassword: (value: string) => void;
  onConfirm: (value: string) => void;
  error: string | undefined;
  confirmError: string | undefined;
}) {
  return (
    <>
      <InputField
        label={label}
        error={error}
        hint={<PasswordStrength password={password} />}
        type="password"
        autoComplete="new-password"
        value={password}
        onValue={onPassword}
      />
      <InputField
        label={confirmLabel}
        error={confirmError}
        type="password"
        autoComplete="new-password"
        value={confirm}
        onValue={onConfirm}
      />
    </>
  );
}

/** The 6-digit code from an e-mail: digits only, filled in by the browser where it can, focused on open. */
export function OtpField({
  value,
  onValue,
  ...field
}: {
  label: string;
  value: string;
  onValue: (value: string) => void;
  error?: string | undefined;
  hint?: string;
  pattern?: string;
}) {
  return (
    <InputField
      {...field}
      className="otp-input"
      inputMode="numeric"
      autoComplete="one-time-code"
      maxLength={6}
      value={value}
      onValue={(typed) => onValue(typed.replace(/\D/g, '').slice(0, 6))}
      data-autofocus
    />
  );
}
