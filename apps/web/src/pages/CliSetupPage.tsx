import { Suspense, useState } from 'react';
import { useSearchParams } from 'react-router';
import { useAuthModal } from '../auth/AuthModalContext';
import AuthModals from '../auth/AuthModals';
import { LoginForm } from '../auth/LoginForm';
import { Field, InlineError, PageSpinner } from '../components/ui';
import { useHub } from '../lib/ApiContext';
import { useDocumentTitle } from '../lib/hooks';
import { validateRequired } from '../lib/validation';
import { useSession } from '../session/SessionProvider';

/** web.md §5.11 step 1: the port and state the CLI passed, or null when either is unusable. */
export function parseCliParams(params: URLSearchParams): { port: number; state: string } | null {
  const portText = params.get('port') ?? '';
  const state = params.get('state') ?? '';
  if (!/^\d{1,5}$/.test(portText)) return null;
  const port = Number(portText);
  if (port < 1024 || port > 65535) return null;
  if (!/^[A-Za-z0-9._~-]{1,256}$/.test(state)) return null;
  return { port, state };
}

/** The CLI's local listener; the host is fixed so a crafted link cannot send the token elsewhere. */
export function cliCallbackUrl(port: number, token: string, state: string): string {
  const url = new URL(`http://127.0.0.1:${port}/cli/done`);
  url.searchParams.set('token', token);
  url.searchParams.set('state', state);
  return url.toString();
}

function Shell({ children }: { children: React.ReactNode }) {
  return (
    <main id="main" className="cli-setup">
      <div className="cli-card card">
        <p className="brand">
          <img src="/favicon.svg" alt="" width={28} height={28} /> SyftHub
        </p>
        {children}
      </div>
    </main>
  );
}

export default function CliSetupPage() {
  useDocumentTitle('CLI setup');
  const [params] = useSearchParams();
  const hub = useHub();
  const { status, user } = useSession();
  const authModal = useAuthModal();
  const [name, setName] = useState('syft CLI');
  const [error, setError] = useState<unknown>(null);
  const [nameError, setNameError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [cancelled, setCancelled] = useState(false);
  const [redirecting, setRedirecting] = useState(false);
  const cli = parseCliParams(params);

  if (!cli) {
    return (
      <Shell>
        <h1>This link is not valid</h1>
        <p className="muted">
          The CLI setup link is missing its port or state, or they are malformed. Run{' '}
          <code>syft node init</code> again to get a fresh link.
        </p>
      </Shell>
    );
  }
  if (cancelled) {
    return (
      <Shell>
        <h1>Cancelled</h1>
        <p>No token was created. You can close this window.</p>
      </Shell>
    );
  }
  if (status === 'loading') return <PageSpinner />;

  async function create() {
    if (!cli) return;
    const problem = validateRequired(name, 'Name', 100);
    setNameError(problem);
    if (problem) return;
    setBusy(true);
    setError(null);
    try {
      const created = await hub.tokens.create({ name: name.trim(), scopes: ['full'] });
      setRedirecting(true);
      window.location.assign(cliCallbackUrl(cli.port, created.token, cli.state));
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  }

  return (
    <Shell>
      <h1>Connect the SyftHub CLI</h1>
      {status !== 'signed_in' ? (
        <>
          <p className="muted">Sign in to create a token for the CLI running on this computer.</p>
          <LoginForm />
          {authModal.view && (
            <Suspense fallback={null}>
              <AuthModals />
            </Suspense>
          )}
        </>
      ) : redirecting ? (
        <p role="status">Handing the token to the CLI… You can close this window once the CLI confirms.</p>
      ) : (
        <>
          <p>
            Signed in as <strong>@{user?.username}</strong>. Create a token for the SyftHub CLI:
          </p>
          <InlineError error={error} />
          <Field label="Token name" error={nameError}>
            {(props) => <input {...props} value={name} onChange={(e) => setName(e.target.value)} />}
          </Field>
          <p className="small">
            Scope: <strong>full</strong> — the CLI can do everything your account can, including publishing
            endpoints and managing tokens. You can revoke it any time in Settings → API tokens.
          </p>
          <div className="form-actions">
            <button type="button" className="button button-primary" onClick={create} disabled={busy}>
              {busy ? 'Creating…' : 'Create token and continue'}
            </button>
            <button type="button" className="button" onClick={() => setCancelled(true)}>
              Cancel
            </button>
          </div>
        </>
      )}
    </Shell>
  );
}
