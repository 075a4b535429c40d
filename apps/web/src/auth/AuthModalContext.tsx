import { createContext, type ReactNode, useCallback, useContext, useMemo, useState } from 'react';

export type AuthView =
  | { kind: 'login'; identifier?: string; notice?: string }
  | { kind: 'register' }
  | { kind: 'verify'; email: string; notice?: string }
  | { kind: 'reset'; email?: string };

interface AuthModalState {
  view: AuthView | null;
  /** Where to go after signing in (the protected route that sent the visitor here). */
  next: string | null;
  open(view: AuthView, next?: string | null): void;
  /** Switches view inside the open modal, keeping `next`. */
  show(view: AuthView): void;
  close(): void;
}

const AuthModalContext = createContext<AuthModalState | null>(null);

export function AuthModalProvider({ children }: { children: ReactNode }) {
  const [view, setView] = useState<AuthView | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const open = useCallback((nextView: AuthView, nextPath: string | null = null) => {
    setView(nextView);
    setNext(nextPath);
  }, []);
  const close = useCallback(() => {
    setView(null);
    setNext(null);
  }, []);
  const value = useMemo(() => ({ view, next, open, show: setView, close }), [view, next, open, close]);
  return <AuthModalContext.Provider value={value}>{children}</AuthModalContext.Provider>;
}

export function useAuthModal(): AuthModalState {
  const value = useContext(AuthModalContext);
  if (!value) throw new Error('useAuthModal must be used inside <AuthModalProvider>');
  return value;
}
