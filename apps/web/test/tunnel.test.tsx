import { render, screen } from '@testing-library/react';
import { Route, Routes } from 'react-router';
import { describe, expect, it } from 'vitest';
import { EndpointCard } from '../src/components/EndpointCard';
import { isTunnelled } from '../src/components/ui';
import EndpointPage from '../src/pages/EndpointPage';
import { endpoint, fakeBackend, json, Providers, testApi } from './helpers';

// Tunnelled endpoints (tunnelling.md §1): published as `tunneling:<owner>`, reached through the hub's NATS tunnel.

const tunnelled = endpoint({
  connect: [{ type: 'http', enabled: true, description: '', config: { url: 'tunneling:alice' } }],
});

function backend(enabled: boolean) {
  return fakeBackend({
    'GET /api/v1/nats/status': () =>
      json(200, { enabled, websocket_url: enabled ? 'ws://hub.test/nats' : null }),
    'GET /api/v1/endpoints/by-path/alice/docs': () => json(200, tunnelled),
  });
}

describe('tunnelled endpoints', () => {
  it('are recognised by an enabled tunneling: connection only', () => {
    expect(isTunnelled(tunnelled)).toBe(true);
    expect(isTunnelled(endpoint())).toBe(false);
    expect(
      isTunnelled(
        endpoint({
          connect: [{ type: 'http', enabled: false, description: '', config: { url: 'tunneling:alice' } }],
        }),
      ),
    ).toBe(false);
  });

  it('carry a "Via hub tunnel" badge on their card, and none for HTTP endpoints', async () => {
    const { api } = testApi(backend(true).fetch);
    render(
      <Providers api={api}>
        <EndpointCard endpoint={tunnelled as never} />
        <EndpointCard endpoint={endpoint({ id: 8, slug: 'plain', name: 'Plain' }) as never} />
      </Providers>,
    );
    expect(await screen.findByText('Via hub tunnel')).toBeTruthy();
    expect(screen.getAllByText('Via hub tunnel')).toHaveLength(1);
  });

  it('say on their page that they are reached through the tunnel, or that this hub has none', async () => {
    for (const enabled of [true, false]) {
      const { api } = testApi(backend(enabled).fetch);
      const { unmount } = render(
        <Providers api={api} route="/alice/docs">
          <Routes>
            <Route path="/:owner/:slug" element={<EndpointPage />} />
          </Routes>
        </Providers>,
      );
      if (enabled) {
        expect(await screen.findByText('Via hub tunnel')).toBeTruthy();
        expect(screen.getByText(/its node runs behind NAT and dials out to the hub/)).toBeTruthy();
      } else {
        expect(await screen.findByText('Tunnel off')).toBeTruthy();
        expect(screen.getByText(/this hub runs none: chats cannot reach it here/)).toBeTruthy();
      }
      unmount();
    }
  });
});
