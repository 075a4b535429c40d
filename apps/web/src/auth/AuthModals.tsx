import { useEffect, useRef } from 'react';
import { Dialog } from '../components/Dialog';
import { useAuthModal } from './AuthModalContext';
import { LoginForm } from './LoginForm';
import { RegisterForm } from './RegisterForm';
import { ResetForm } from './ResetForm';
import { VerifyForm } from './VerifyForm';

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
