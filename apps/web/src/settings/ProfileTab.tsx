import { isApiError, type UserUpdate } from '@syfthub/client';
import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useAuthModal } from '../auth/AuthModalContext';
import { UsernameAvailability } from '../auth/parts';
import { Tabs } from '../components/Tabs';
import { useToast } from '../components/Toasts';
import { Avatar, ErrorSummary, InputField } from '../components/ui';
import { useHub } from '../lib/ApiContext';
import type { FieldErrors } from '../lib/formErrors';
import { useDebounced } from '../lib/hooks';
import { useFormSubmit } from '../lib/useFormSubmit';
import {
  LIMITS,
  validateAvatarUrl,
  validateDomain,
  validateEmail,
  validateMaxLength,
  validateRequired,
  validateUsername,
} from '../lib/validation';
import { LazyMarkdown } from '../markdown/LazyMarkdown';
import { useSession } from '../session/SessionProvider';

function EmailAvailability({ email, current }: { email: string; current: string }) {
  const hub = useHub();
  const debounced = useDebounced(email.trim().toLowerCase(), 400);
  const check = debounced !== current && validateEmail(debounced) === null;
  const query = useQuery({
    queryKey: ['check-email', debounced],
    queryFn: ({ signal }) => hub.users.checkEmail(debounced, signal),
    enabled: check,
    retry: false,
  });
  if (!check || !query.data) return null;
  return query.data.available ? (
    <span className="small text-success" role="status">
      ✓ Available
    </span>
  ) : (
    <span className="small text-danger" role="status">
      ✗ Already used by another account
    </span>
  );
}

export function ProfileTab() {
  const hub = useHub();
  const toast = useToast();
  const { user, setUser } = useSession();
  const [fullName, setFullName] = useState(user?.full_name ?? '');
  const [username, setUsername] = useState(user?.username ?? '');
  const [email, setEmail] = useState(user?.email ?? '');
  const [avatar, setAvatar] = useState(user?.avatar_url ?? '');
  const [bio, setBio] = useState(user?.bio ?? '');
  const [bioTab, setBioTab] = useState<'write' | 'preview'>('write');
  const [emailPublic, setEmailPublic] = useState(user?.is_email_public ?? false);
  const [domain, setDomain] = useState(user?.domain ?? '');
  const [currentPassword, setCurrentPassword] = useState('');
  const { errors, setErrors, summary, busy, validated, showApiError, submitting } = useFormSubmit();
  const authModal = useAuthModal();
  if (!user) return null;
  // The hub asks for the password before it moves the account to another address (password resets go there).
  const emailChanged = email.trim().toLowerCase() !== user.email;

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!user) return;
    const found: FieldErrors = {};
    const check = (field: string, message: string | null) => {
      if (message) found[field] = message;
    };
    check('full_name', validateRequired(fullName, 'Full name', LIMITS.fullName));
    check('username', validateUsername(username));
    check('email', validateEmail(email));
    check('avatar_url', validateAvatarUrl(avatar));
    check('bio', validateMaxLength(bio, 'Bio', LIMITS.bio));
    check('domain', validateDomain(domain));
    if (emailChanged && !currentPassword) {
      found.current_password = 'Enter your current password to change the e-mail address.';
    }
    if (!validated(found)) return;
    const body: UserUpdate = {};
    if (fullName.trim() !== user.full_name) body.full_name = fullName.trim();
    if (username.trim().toLowerCase() !== user.username) body.username = username.trim().toLowerCase();
    if (emailChanged) {
      body.email = email.trim();
      body.current_password = currentPassword;
    }
    if (avatar.trim() !== (user.avatar_url ?? '')) body.avatar_url = avatar.trim();
    if (bio !== (user.bio ?? '')) body.bio = bio === '' ? null : bio;
    if (emailPublic !== user.is_email_public) body.is_email_public = emailPublic;
    if (domain.trim() !== (user.domain ?? '')) body.domain = domain.trim() === '' ? null : domain.trim();
    if (Object.keys(body).length === 0) {
      toast.info('Nothing to save.');
      return;
    }
    await submitting(
      async () => {
        const updated = await hub.users.updateMe(body);
        setUser(updated);
        setDomain(updated.domain ?? '');
        setCurrentPassword('');
        toast.success('Profile saved.');
        if (body.email && !updated.is_email_verified) {
          authModal.open({
            kind: 'verify',
            email: updated.email,
            notice: 'We sent a code to your new address. Enter it to verify the address.',
          });
        }
      },
      (error) => {
        if (isApiError(error) && error.status === 400) setErrors({ current_password: error.message });
        else showApiError(error);
      },
    );
  }

  return (
    <form className="card form-section" onSubmit={submit} noValidate>
      <h2>Profile</h2>
      <ErrorSummary errors={errors} summary={summary} />
      <div className="avatar-row">
        <Avatar url={validateAvatarUrl(avatar) ? null : avatar} name={fullName || username} size={64} />
        <InputField
          label="Avatar URL"
          error={errors.avatar_url}
          hint="An https:// image address."
          type="url"
          value={avatar}
          onValue={setAvatar}
        />
      </div>
      <InputField
        label="Full name"
        error={errors.full_name}
        autoComplete="name"
        value={fullName}
        onValue={setFullName}
      />
      <InputField
        label="Username"
        error={errors.username}
        hint={
          <>
            Changing it changes the address of your profile and of every endpoint you own.{' '}
            <UsernameAvailability username={username} current={user.username} />
          </>
        }
        autoComplete="username"
        value={username}
        onValue={setUsername}
      />
      <InputField
        label="E-mail"
        error={errors.email}
        hint={<EmailAvailability email={email} current={user.email} />}
        type="email"
        autoComplete="email"
        value={email}
        onValue={setEmail}
      />
      {emailChanged && (
        <InputField
          label="Current password"
          error={errors.current_password}
          hint="Needed to move your account to another e-mail address."
          type="password"
          autoComplete="current-password"
          value={currentPassword}
          onValue={setCurrentPassword}
        />
      )}
      <label className="checkbox-field">
        <input type="checkbox" checked={emailPublic} onChange={(e) => setEmailPublic(e.target.checked)} />{' '}
        Show e-mail on my public profile
      </label>
      <div className={`field${errors.bio ? ' field-invalid' : ''}`}>
        <div className="field-label-row">
          <span className="label" id="bio-label">
            Bio (Markdown)
          </span>
          <span className={`counter${bio.length > LIMITS.bio ? ' counter-over' : ''}`}>
            {bio.length} / {LIMITS.bio}
          </span>
        </div>
        <Tabs
          items={[
            { id: 'write', label: 'Write' },
            { id: 'preview', label: 'Preview' },
          ]}
          selected={bioTab}
          onSelect={setBioTab}
          label="Bio editor"
          idPrefix="bio"
        />
        {bioTab === 'write' ? (
          <textarea
            aria-labelledby="bio-label"
            rows={5}
            value={bio}
            onChange={(e) => setBio(e.target.value)}
            aria-invalid={errors.bio ? true : undefined}
            aria-describedby={errors.bio ? 'bio-error' : undefined}
          />
        ) : bio.trim() ? (
          <div className="card">
            <LazyMarkdown shiftHeadings>{bio}</LazyMarkdown>
          </div>
        ) : (
          <p className="muted">Nothing to preview yet.</p>
        )}
        {errors.bio && (
          <p id="bio-error" className="field-error">
            {errors.bio}
          </p>
        )}
      </div>
      <InputField
        label="Domain"
        error={errors.domain}
        hint="Your satellite's base URL, e.g. https://satellite.example.com. Satellites set it automatically."
        value={domain}
        onValue={setDomain}
        placeholder="https://…"
      />
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={busy}>
          {busy ? 'Saving…' : 'Save profile'}
        </button>
      </div>
    </form>
  );
}
