import { act, render, screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { useAuthModal } from '../src/auth/AuthModalContext';
import { useHub } from '../src/lib/ApiContext';
import { useSession } from '../src/session/SessionProvider';
import { baseUser, fakeBackend, json, Providers, testApi } from './helpers';

function Probe() {
  const { status, user } = useSession();
  const { view } = useAuthModal();
  const hub = useHub();
  return (
    <div>
      <p data-testid="status">{status}</p>
      <p data-testid="user">{user?.username ?? '-'}</p>
      <p data-testid="modal">{view?.kind ?? 'none'}</p>
      <button type="button" onClick={() => void hub.tokens.list().catch(() => undefined)}>
        load
      </button>
    </div>
  );
}

describe('session and token refresh (web.md §3)', () => {
  it('restores the session from stored tokens', async () => {
    const backend = fakeBackend({ 'GET /api/v1/auth/me': () => json(200, baseUser) });
    const { api } = testApi(backend.fetch, 'a1', 'r1');
    render(
      <Providers api={api}>
        <Probe />
      </Providers>,
    );
    expect(screen.getByTestId('status')).toHaveTextContent('loading');
    await waitFor(() => expect(screen.getByTestId('status')).toHaveTextContent('signed_in'));
    expect(screen.getByTestId('user')).toHaveTextContent('alice');
  });

  it('refreshes once on 401 at start and retries /auth/me', async () => {
    const backend = fakeBackend({
      'GET /api/v1/auth/me': ({ headers }) =>
        headers.get('Authorization') === 'Bearer a2'
          ? json(200, baseUser)
          : json(401, { detail: 'Could not validate credentials' }),
      'POST /api/v1/auth/refresh': () =>
        json(200, { access_token: 'a2', refresh_token: 'r2', token_type: 'bearer' }),
    });
    const { api, tokens } = testApi(backend.fetch, 'a1', 'r1');
    render(
      <Providers api={api}>
        <Probe />
      </Providers>,
    );
    await waitFor(() => expect(screen.getByTestId('status')).toHaveTextContent('signed_in'));
    expect(tokens).toEqual({ access: 'a2', refresh: 'r2' });
    expect(backend.calls.map((c) => c.path)).toEqual([
      '/api/v1/auth/me',
      '/api/v1/auth/refresh',
      '/api/v1/auth/me',
    ]);
  });

  it('an unrecoverable 401 clears the tokens, signs out and opens the login modal', async () => {
    let valid = true;
    const backend = fakeBackend({
      'GET /api/v1/auth/me': () => json(200, baseUser),
      'GET /api/v1/auth/tokens': () =>
        valid ? json(200, { tokens: [], total: 0 }) : json(401, { detail: 'Could not validate credentials' }),
      'POST /api/v1/auth/refresh': () => json(401, { detail: 'Session has been revoked' }),
    });
    const { api, tokens } = testApi(backend.fetch, 'a1', 'r1');
    render(
      <Providers api={api}>
        <Probe />
      </Providers>,
    );
    await waitFor(() => expect(screen.getByTestId('status')).toHaveTextContent('signed_in'));
    valid = false;
    act(() => screen.getByRole('button', { name: 'load' }).click());
    await waitFor(() => expect(screen.getByTestId('status')).toHaveTextContent('signed_out'));
    expect(screen.getByTestId('modal')).toHaveTextContent('login');
    expect(tokens).toEqual({ access: null, refresh: null });
    expect(backend.calls.filter((c) => c.path === '/api/v1/auth/refresh')).toHaveLength(1);
  });

  it('signs out when another tab clears the tokens', async () => {
    const backend = fakeBackend({ 'GET /api/v1/auth/me': () => json(200, baseUser) });
    const { api, tokens } = testApi(backend.fetch, 'a1', 'r1');
    render(
      <Providers api={api}>
        <Probe />
      </Providers>,
    );
    await waitFor(() => expect(screen.getByTestId('status')).toHaveTextContent('signed_in'));
    tokens.access = null;
    tokens.refresh = null;
    act(() => {
      window.dispatchEvent(new StorageEvent('storage', { key: 'syft_access_token', newValue: null }));
    });
    await waitFor(() => expect(screen.getByTestId('status')).toHaveTextContent('signed_out'));
  });
});
