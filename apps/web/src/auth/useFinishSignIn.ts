import type { User } from '@syfthub/client';
import { useNavigate } from 'react-router';
import { useToast } from '../components/Toasts';
import { useSession } from '../session/SessionProvider';
import { useAuthModal } from './AuthModalContext';

type SignInResult = { user: User; access_token: string; refresh_token: string };

export function useFinishSignIn() {
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
