import type { User } from '@syfthub/client';
import { useQueryClient } from '@tanstack/react-query';
import {
  createContext,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
} from 'react';
import { useAuthModal } from '../auth/AuthModalContext';
import { useApi } from '../lib/ApiContext';
import { ACCESS_KEY } from '../lib/tokens';

export type SessionStatus = 'loading' | 'signed_in' | 'signed_out';

export interface Session {
  status: SessionStatus;
  user: User | null;
  /** Stores the tokens of a login, registration or OTP verification and marks the session signed in. */
  signIn(auth: { user: User; access_token: string; refresh_token: string }): void;
  signOut(): Promise<void>;
  /** Replaces the cached user after a profile change. */
  setUser(user: User): void;
}

const SessionContext = createContext<Session | null>(null);

function currentPath(): string {
  return `${window.location.pathname}${window.location.search}`;
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const authModal = useAuthModal();
  const [user, setUserState] = useState<User | null>(null);
  const [status, setStatus] = useState<SessionStatus>(() =>
    api.tokens.getAccessToken() ? 'loading' : 'signed_out',
  );
  const statusRef = useRef(status);
  statusRef.current = status;

  const loadUser = useCallback(async () => {
    try {
      const me = await api.hub.auth.me();
      setUserState(me);
      setStatus('signed_in');
    } catch {
      setUserState(null);
      setStatus('signed_out');
    }
  }, [api]);

  useEffect(() => {
    if (statusRef.current === 'loading') void loadUser();
  }, [loadUser]);

  const { open: openAuth } = authModal;
  useEffect(
    () =>
      api.onSessionExpired(() => {
        const wasSignedIn = statusRef.current === 'signed_in';
        setUserState(null);
        setStatus('signed_out');
        queryClient.clear();
        if (wasSignedIn) {
          openAuth({ kind: 'login', notice: 'Your session has ended. Please sign in again.' }, currentPath());
        }
      }),
    [api, queryClient, openAuth],
  );

  // Other tabs sign in, refresh and sign out through the same storage keys (web.md §3.2, cross-tab).
  useEffect(() => {
    function onStorage(event: StorageEvent) {
      if (event.key !== ACCESS_KEY && event.key !== null) return;
      const token = api.tokens.getAccessToken();
      if (!token && statusRef.current !== 'signed_out') {
        setUserState(null);
        setStatus('signed_out');
        queryClient.clear();
      } else if (token && statusRef.current === 'signed_out') {
        setStatus('loading');
        void loadUser();
      }
    }
    window.addEventListener('storage', onStorage);
    return () => window.removeEventListener('storage', onStorage);
  }, [api, queryClient, loadUser]);

  const signIn = useCallback<Session['signIn']>(
    (auth) => {
      api.tokens.setTokens(auth);
      queryClient.clear();
      setUserState(auth.user);
      setStatus('signed_in');
    },
    [api, queryClient],
  );

  const signOut = useCallback(async () => {
    const token = api.tokens.getAccessToken();
    if (token) await api.hub.auth.logout(token).catch(() => undefined);
    api.tokens.clear();
    queryClient.clear();
    setUserState(null);
    setStatus('signed_out');
  }, [api, queryClient]);

  const value = useMemo<Session>(
    () => ({ status, user, signIn, signOut, setUser: setUserState }),
    [status, user, signIn, signOut],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession must be used inside <SessionProvider>');
  return session;
}
