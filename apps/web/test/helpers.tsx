import { QueryClientProvider } from '@tanstack/react-query';
import { type ReactNode, useState } from 'react';
import { MemoryRouter } from 'react-router';
import { AuthModalProvider } from '../src/auth/AuthModalContext';
import { ChatSelectionProvider } from '../src/chat/ChatSelection';
import { ToastProvider } from '../src/components/Toasts';
import { ApiProvider } from '../src/lib/ApiContext';
import { type Api, createApi } from '../src/lib/api';
import { createQueryClient } from '../src/lib/queryClient';
import { SessionProvider } from '../src/session/SessionProvider';

export type Handler = (request: {
  method: string;
  url: URL;
  body: unknown;
  headers: Headers;
}) => Response | Promise<Response>;

export function json(status: number, body?: unknown, headers: Record<string, string> = {}): Response {
  if (status === 204) return new Response(null, { status });
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  });
}

/**
 * A fake hub and aggregator: routes are `"METHOD /path"` keys; the first matching handler answers, everything else
 * is a 404 in the hub's envelope. Every request is recorded.
 */
export function fakeBackend(routes: Record<string, Handler>) {
  const calls: { method: string; path: string; auth: string | null; body: unknown }[] = [];
  const fetchImpl = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = new URL(String(input), 'http://hub.test');
    const method = init?.method ?? 'GET';
    const headers = new Headers(init?.headers);
    let body: unknown;
    if (typeof init?.body === 'string') {
      try {
        body = JSON.parse(init.body);
      } catch {
        body = init.body;
      }
    }
    calls.push({ method, path: url.pathname + url.search, auth: headers.get('Authorization'), body });
    if (init?.signal?.aborted) throw new DOMException('Aborted', 'AbortError');
    const handler = routes[`${method} ${url.pathname}`];
    if (!handler) return json(404, { detail: 'Not Found' });
    return handler({ method, url, body, headers });
  };
  return { fetch: fetchImpl as typeof fetch, calls };
}

export function memoryTokens(access: string | null = null, refresh: string | null = null) {
  const state = { access, refresh };
  return {
    state,
    store: {
      getAccessToken: () => state.access,
      getRefreshToken: () => state.refresh,
      setTokens(pair: { access_token: string; refresh_token: string }) {
        state.access = pair.access_token;
        state.refresh = pair.refresh_token;
      },
      clear() {
        state.access = null;
        state.refresh = null;
      },
    },
  };
}

export function testApi(
  fetchImpl: typeof fetch,
  access: string | null = null,
  refresh: string | null = null,
) {
  const tokens = memoryTokens(access, refresh);
  const api = createApi({ baseUrl: 'http://hub.test', fetch: fetchImpl, tokens: tokens.store });
  return { api, tokens: tokens.state };
}

export function Providers({ api, children, route = '/' }: { api: Api; children: ReactNode; route?: string }) {
  const [queryClient] = useState(createQueryClient);
  return (
    <ApiProvider api={api}>
      <QueryClientProvider client={queryClient}>
        <ToastProvider>
          <AuthModalProvider>
            <SessionProvider>
              <ChatSelectionProvider>
                <MemoryRouter initialEntries={[route]}>{children}</MemoryRouter>
              </ChatSelectionProvider>
            </SessionProvider>
          </AuthModalProvider>
        </ToastProvider>
      </QueryClientProvider>
    </ApiProvider>
  );
}

export const baseUser = {
  id: 1,
  username: 'alice',
  email: 'alice@example.com',
  full_name: 'Alice Liddell',
  avatar_url: null,
  role: 'user' as const,
  is_active: true,
  is_email_verified: true,
  auth_provider: 'local' as const,
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
  wallet_address: null,
  domain: 'http://localhost:8003',
  aggregator_url: null,
  last_login_at: null,
  encryption_public_key: null,
  bio: null,
  is_email_public: false,
};

export function endpoint(overrides: Record<string, unknown> = {}) {
  return {
    id: 7,
    name: 'Docs',
    slug: 'docs',
    description: 'Project documents',
    type: 'data_source',
    owner_username: 'alice',
    contributors_count: 1,
    version: '1.0.0',
    readme: '# Docs',
    tags: ['docs'],
    stars_count: 3,
    policies: [],
    connect: [{ type: 'http', enabled: true, description: '', config: { url: 'http://localhost:8003' } }],
    created_at: '2026-01-01T00:00:00.000Z',
    updated_at: '2026-01-02T00:00:00.000Z',
    health_status: 'healthy',
    health_checked_at: new Date().toISOString(),
    archived: false,
    ...overrides,
  };
}

export function sseResponse(events: [string, unknown][]): Response {
  const text = events.map(([event, data]) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`).join('');
  const bytes = new TextEncoder().encode(text);
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      // Odd-sized chunks, so frames and UTF-8 sequences straddle reads.
      for (let i = 0; i < bytes.length; i += 37) controller.enqueue(bytes.slice(i, i + 37));
      controller.close();
    },
  });
  return new Response(stream, { status: 200, headers: { 'Content-Type': 'text/event-stream' } });
}
