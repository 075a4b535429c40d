import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { AddSourcesDialog } from '../src/chat/pickers';
import { formatAmount, formatEstimate } from '../src/collectives/price';
import ChatPage from '../src/pages/ChatPage';
import { baseUser, endpoint, fakeBackend, json, Providers, sseResponse, testApi } from './helpers';

// Collectives in the web app (collectives.md §12.9, §13.3): price text, the Collectives tab of "Add sources", and
// chat expansion of `collective/<slug>` with the caller's token and the limit check.

function collective(overrides: Record<string, unknown> = {}) {
  return {
    id: 1,
    owner_id: 1,
    name: 'Legal Library',
    slug: 'legal',
    shared_endpoint_path: 'collective/legal',
    description: 'Contracts and case law',
    about: '',
    auto_approve: false,
    icon_url: null,
    tags: ['law'],
    verified: true,
    member_count: 2,
    owner_count: 2,
    created_at: '2026-01-01T00:00:00.000Z',
    updated_at: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}

const shared = {
  id: 9,
  collective_id: 1,
  collective_slug: 'legal',
  name: 'Case law',
  slug: 'cases',
  shared_endpoint_path: 'collective/legal/cases',
  description: '',
  members: [],
  member_count: 2,
  active_member_count: 1,
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
};

describe('collective prices', () => {
  it('formats amounts and joins currencies', () => {
    expect(formatAmount(10000, 'IDR')).toBe('10,000 IDR');
    expect(formatAmount(0.12345, 'USD')).toBe('0.12 USD');
    expect(
      formatEstimate({
        estimated_price: [
          { currency: 'IDR', amount: 2500 },
          { currency: 'USD', amount: 0.5 },
        ],
      }),
    ).toBe('2,500 IDR + 0.5 USD');
    expect(formatEstimate({ estimated_price: [] })).toBe('Free');
  });
});

describe('Add sources → Collectives', { timeout: 30_000 }, () => {
  function renderDialog(collectives: unknown[]) {
    const backend = fakeBackend({
      'GET /api/v1/endpoints/public': () => json(200, [endpoint()]),
      'GET /api/v1/collectives': () => json(200, collectives),
      'GET /api/v1/collectives/shared-endpoints/bulk': () => json(200, [shared]),
    });
    const { api } = testApi(backend.fetch);
    render(
      <Providers api={api}>
        <AddSourcesDialog open onClose={() => {}} />
      </Providers>,
    );
    return backend;
  }

  it('is hidden when there is no collective', async () => {
    const backend = renderDialog([]);
    await waitFor(() =>
      expect(backend.calls.some((c) => c.path.startsWith('/api/v1/collectives'))).toBe(true),
    );
    // Let the answered list render before checking that no tab appeared.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(screen.queryByRole('tab', { name: 'Collectives' })).toBeNull();
  });

  it('offers the whole collective and its shared endpoints, filtered by name, description or slug', async () => {
    renderDialog([
      collective(),
      collective({ id: 2, name: 'Health', slug: 'health', description: 'Clinics', tags: [] }),
    ]);
    await userEvent.click(await screen.findByRole('tab', { name: 'Collectives' }));
    expect(await screen.findByText('Legal Library')).toBeInTheDocument();
    expect(screen.getByText(/collective\/legal\/cases · 1 of 2 endpoints/)).toBeInTheDocument();
    const search = screen.getByRole('searchbox', { name: 'Search collectives' });
    await userEvent.type(search, 'clinic');
    expect(screen.queryByText('Legal Library')).toBeNull();
    expect(screen.getByText('Health')).toBeInTheDocument();
    await userEvent.clear(search);
    await userEvent.type(search, 'legal');
    expect(screen.getByText('Legal Library')).toBeInTheDocument();
    expect(screen.queryByText('Health')).toBeNull();
    const whole = screen.getAllByRole('checkbox')[0] as HTMLInputElement;
    await userEvent.click(whole);
    expect(whole.checked).toBe(true);
    expect((screen.getAllByRole('checkbox')[1] as HTMLInputElement).disabled).toBe(true);
  });
});

describe('chat with a collective', { timeout: 30_000 }, () => {
  const model = endpoint({ id: 1, name: 'Assistant', slug: 'assistant', type: 'model' });
  const docs = endpoint({ id: 2, name: 'Documents', slug: 'docs' });
  const wiki = endpoint({ id: 3, name: 'Wiki', slug: 'wiki', owner_username: 'bob' });

  function select(sources: unknown[]) {
    window.localStorage.setItem(
      'syft_chat_model',
      JSON.stringify({ path: 'alice/assistant', name: 'Assistant', type: 'model' }),
    );
    window.sessionStorage.setItem('syft_chat_sources', JSON.stringify(sources));
  }

  function hub(members: string[]) {
    return fakeBackend({
      'GET /api/v1/auth/me': () => json(200, baseUser),
      'GET /api/v1/users/me/aggregators': () => json(200, { aggregators: [], default_aggregator_id: null }),
      'GET /api/v1/endpoints': () => json(200, []),
      'GET /api/v1/endpoints/public': () => json(200, []),
      'GET /api/v1/collectives': () => json(200, []),
      'GET /api/v1/collectives/by-slug/legal/endpoint-paths': () => json(200, members),
      'GET /api/v1/endpoints/by-path/alice/assistant': () => json(200, model),
      'GET /api/v1/endpoints/by-path/alice/docs': () => json(200, docs),
      'GET /api/v1/endpoints/by-path/bob/wiki': () => json(200, wiki),
      'GET /api/v1/token': ({ url }) =>
        json(200, { target_token: `tok-${url.searchParams.get('aud')}`, expires_in: 60 }),
      'POST /aggregator/api/v1/chat/stream': () =>
        sseResponse([
          ['token', { content: 'ok' }],
          [
            'done',
            {
              sources: {},
              retrieval_info: [],
              metadata: { retrieval_time_ms: 1, generation_time_ms: 1, total_time_ms: 2 },
              response: 'ok',
            },
          ],
        ]),
    });
  }

  it('expands collective/<slug> with the caller token and sends every member', async () => {
    select([{ path: 'collective/legal', name: 'Legal Library', type: 'collective' }]);
    const backend = hub(['alice/docs', 'bob/wiki']);
    const { api } = testApi(backend.fetch, 'a1', 'r1');
    render(
      <Providers api={api} route="/chat">
        <ChatPage />
      </Providers>,
    );
    await userEvent.type(await screen.findByRole('combobox', { name: 'Message' }), 'What is in it?{Enter}');
    await waitFor(() =>
      expect(backend.calls.some((c) => c.path === '/aggregator/api/v1/chat/stream')).toBe(true),
    );
    const expansion = backend.calls.find(
      (c) => c.path === '/api/v1/collectives/by-slug/legal/endpoint-paths',
    );
    expect(expansion?.auth).toBe('Bearer a1');
    const request = backend.calls.find((c) => c.path === '/aggregator/api/v1/chat/stream')?.body as {
      data_sources: { slug: string; owner_username: string }[];
    };
    expect(request.data_sources.map((s) => `${s.owner_username}/${s.slug}`)).toEqual([
      'alice/docs',
      'bob/wiki',
    ]);
  });

  it('says so and sends nothing when the collective is larger than the limit', async () => {
    select([{ path: 'collective/legal', name: 'Legal Library', type: 'collective' }]);
    const backend = hub(Array.from({ length: 51 }, (_, i) => `alice/s${i}`));
    const { api } = testApi(backend.fetch, 'a1', 'r1');
    render(
      <Providers api={api} route="/chat">
        <ChatPage />
      </Providers>,
    );
    await userEvent.type(await screen.findByRole('combobox', { name: 'Message' }), 'Everything?{Enter}');
    const article = await screen.findByRole('article', { name: 'Answer from Assistant' });
    await within(article).findByText(/This selection expands to 51 data sources; the limit is 50\./);
    expect(backend.calls.some((c) => c.path === '/aggregator/api/v1/chat/stream')).toBe(false);
  });
});
