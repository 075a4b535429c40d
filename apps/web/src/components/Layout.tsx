import { type KeyboardEvent, Suspense, useEffect, useId, useRef, useState } from 'react';
import { Link, NavLink, Outlet, useLocation, useNavigate, useSearchParams } from 'react-router';
import { type AuthView, useAuthModal } from '../auth/AuthModalContext';
import { config } from '../config';
import { lazyPage } from '../lib/lazyPage';
import { type ThemeChoice, useTheme } from '../lib/theme';
import { useSession } from '../session/SessionProvider';
import { ErrorBoundary } from './ErrorBoundary';
import { Icon, type IconName } from './Icon';
import { Avatar, PageSpinner } from './ui';

const AuthModals = lazyPage(() => import('../auth/AuthModals'));

/** `?auth=login|register|reset` opens the matching modal over any page (web.md §1), then leaves the URL. */
function AuthUrlWatcher() {
  const [params, setParams] = useSearchParams();
  const { open } = useAuthModal();
  const { status } = useSession();
  const auth = params.get('auth');
  useEffect(() => {
    if (!auth || status === 'loading') return;
    const next = params.get('next');
    const views: Record<string, AuthView> = {
      login: { kind: 'login' },
      register: { kind: 'register' },
      reset: { kind: 'reset' },
    };
    const view = views[auth];
    if (view && status === 'signed_out')
      open(view, next?.startsWith('/') && !next.startsWith('//') ? next : null);
    const rest = new URLSearchParams(params);
    rest.delete('auth');
    rest.delete('next');
    setParams(rest, { replace: true });
  }, [auth, params, setParams, open, status]);
  return null;
}

function ThemeToggle() {
  const [theme, setTheme] = useTheme();
  const order: ThemeChoice[] = ['system', 'light', 'dark'];
  const next = order[(order.indexOf(theme) + 1) % order.length] ?? 'system';
  const icon: IconName = theme === 'light' ? 'sun' : theme === 'dark' ? 'moon' : 'system';
  return (
    <button
      type="button"
      className="icon-button"
      onClick={() => setTheme(next)}
      aria-label={`Theme: ${theme}. Switch to ${next}`}
      title={`Theme: ${theme}`}
    >
      <Icon name={icon} />
    </button>
  );
}

/** ARIA menu button pattern: arrows move, Esc closes and returns focus to the button. */
function UserMenu() {
  const { user, signOut } = useSession();
  const navigate = useNavigate();
  const [open, setOpen] = useState(false);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const menuRef = useRef<HTMLDivElement>(null);
  const menuId = useId();

  useEffect(() => {
    if (!open) return;
    menuRef.current?.querySelector<HTMLElement>('[role="menuitem"]')?.focus();
    function onPointer(event: PointerEvent) {
      if (
        !menuRef.current?.contains(event.target as Node) &&
        !buttonRef.current?.contains(event.target as Node)
      ) {
        setOpen(false);
      }
    }
    document.addEventListener('pointerdown', onPointer);
    return () => document.removeEventListener('pointerdown', onPointer);
  }, [open]);

  if (!user) return null;

  function close(focusButton = true) {
    setOpen(false);
    if (focusButton) buttonRef.current?.focus();
  }

  function onKeyDown(event: KeyboardEvent<HTMLDivElement>) {
    const items = Array.from(menuRef.current?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? []);
    const index = items.indexOf(document.activeElement as HTMLElement);
    if (event.key === 'Escape') {
      event.preventDefault();
      close();
    } else if (event.key === 'ArrowDown') {
      event.preventDefault();
      items[(index + 1) % items.length]?.focus();
    } else if (event.key === 'ArrowUp') {
      event.preventDefault();
      items[(index - 1 + items.length) % items.length]?.focus();
    } else if (event.key === 'Home') {
      event.preventDefault();
      items[0]?.focus();
    } else if (event.key === 'End') {
      event.preventDefault();
      items[items.length - 1]?.focus();
    } else if (event.key === 'Tab') {
      setOpen(false);
    }
  }

  const go = (to: string) => {
    close(false);
    navigate(to);
  };

  return (
    <div className="user-menu">
      <button
        ref={buttonRef}
        type="button"
        className="user-menu-button"
        // The visible name is hidden on narrow screens; the button keeps it as its accessible name.
        aria-label={`${user.full_name || user.username}: account menu`}
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? menuId : undefined}
        onClick={() => setOpen((value) => !value)}
        onKeyDown={(event) => {
          if (event.key === 'ArrowDown') {
            event.preventDefault();
            setOpen(true);
          }
        }}
      >
        <Avatar url={user.avatar_url} name={user.full_name || user.username} size={28} />
        <span className="user-menu-name">{user.full_name || user.username}</span>
        <span aria-hidden="true">▾</span>
      </button>
      {open && (
        <div
          ref={menuRef}
          id={menuId}
          role="menu"
          className="menu"
          aria-label="Account"
          onKeyDown={onKeyDown}
        >
          <div className="menu-header" role="none">
            <strong>{user.full_name}</strong>
            <span className="muted small">@{user.username}</span>
          </div>
          <button type="button" role="menuitem" tabIndex={-1} onClick={() => go(`/${user.username}`)}>
            Profile
          </button>
          <button type="button" role="menuitem" tabIndex={-1} onClick={() => go('/my/endpoints')}>
            My endpoints
          </button>
          <button type="button" role="menuitem" tabIndex={-1} onClick={() => go('/settings/profile')}>
            Settings
          </button>
          {user.role === 'admin' && (
            <button type="button" role="menuitem" tabIndex={-1} onClick={() => go('/admin')}>
              Admin
            </button>
          )}
          <hr role="none" />
          <button
            type="button"
            role="menuitem"
            tabIndex={-1}
            onClick={async () => {
              close(false);
              await signOut();
              navigate('/');
            }}
          >
            Sign out
          </button>
        </div>
      )}
    </div>
  );
}

function Sidebar({ onNavigate }: { onNavigate: () => void }) {
  const { status } = useSession();
  const items: { to: string; label: string; icon: IconName; end?: boolean }[] = [
    { to: '/', label: 'Chat', icon: 'chat', end: true },
    { to: '/browse', label: 'Browse', icon: 'browse' },
    { to: '/collectives', label: 'Collectives', icon: 'collectives' },
    ...(status === 'signed_in'
      ? [{ to: '/my/endpoints', label: 'My endpoints', icon: 'endpoints' as const }]
      : []),
    { to: '/build', label: 'Build', icon: 'build' },
    { to: '/about', label: 'About', icon: 'about' },
  ];
  return (
    <nav aria-label="Main" className="sidebar-nav">
      <ul>
        {items.map((item) => (
          <li key={item.to}>
            <NavLink to={item.to} end={item.end ?? false} onClick={onNavigate} className="nav-link">
              <Icon name={item.icon} />
              <span>{item.label}</span>
            </NavLink>
          </li>
        ))}
        <li>
          <a href={config.docsUrl} className="nav-link" target="_blank" rel="noopener noreferrer">
            <Icon name="docs" />
            <span>Docs</span>
            <span className="visually-hidden"> (opens in a new tab)</span>
            <Icon name="external" size={14} />
          </a>
        </li>
      </ul>
    </nav>
  );
}

export function Layout() {
  const { status } = useSession();
  const authModal = useAuthModal();
  const location = useLocation();
  const [drawerOpen, setDrawerOpen] = useState(false);
  const menuButton = useRef<HTMLButtonElement>(null);

  // Navigating closes the drawer; a route change also moves focus to the main landmark for screen readers.
  useEffect(() => {
    setDrawerOpen(false);
  }, [location.pathname]);

  useEffect(() => {
    if (!drawerOpen) return;
    function onKey(event: globalThis.KeyboardEvent) {
      if (event.key === 'Escape') {
        setDrawerOpen(false);
        menuButton.current?.focus();
      }
    }
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [drawerOpen]);

  return (
    <div className={`app${drawerOpen ? ' drawer-open' : ''}`}>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <button
          ref={menuButton}
          type="button"
          className="icon-button menu-toggle"
          aria-label="Open navigation"
          aria-expanded={drawerOpen}
          aria-controls="sidebar"
          onClick={() => setDrawerOpen((value) => !value)}
        >
          <Icon name="menu" />
        </button>
        <Link to="/" className="brand">
          <img src="/favicon.svg" alt="" width={28} height={28} />
          <span>{config.appTitle}</span>
        </Link>
        <div className="topbar-spacer" />
        <ThemeToggle />
        {status === 'signed_in' ? (
          <UserMenu />
        ) : status === 'signed_out' ? (
          <div className="row">
            <button
              type="button"
              className="button button-ghost"
              onClick={() => authModal.open({ kind: 'login' })}
            >
              Sign in
            </button>
            <button
              type="button"
              className="button button-primary"
              onClick={() => authModal.open({ kind: 'register' })}
            >
              Create account
            </button>
          </div>
        ) : null}
      </header>
      <aside id="sidebar" className="sidebar" aria-label="Sidebar">
        <Sidebar onNavigate={() => setDrawerOpen(false)} />
      </aside>
      {drawerOpen && (
        <div className="drawer-backdrop" aria-hidden="true" onClick={() => setDrawerOpen(false)} />
      )}
      <main id="main" className="main" tabIndex={-1}>
        <ErrorBoundary resetKey={location.pathname}>
          <Suspense fallback={<PageSpinner />}>
            <Outlet />
          </Suspense>
        </ErrorBoundary>
      </main>
      <AuthUrlWatcher />
      {authModal.view && (
        <Suspense fallback={null}>
          <AuthModals />
        </Suspense>
      )}
    </div>
  );
}
