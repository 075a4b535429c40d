import { act, renderHook, waitFor } from '@testing-library/react';
import type { ReactNode } from 'react';
import { describe, expect, it } from 'vitest';
import { useBrowse, useEndpoint, useStarred, useStarToggle } from '../src/lib/queries';
import { baseUser, endpoint, fakeBackend, json, Providers, testApi } from './helpers';

function wrapperFor(fetchImpl: typeof fetch, token: string | null = 'access-1') {
  const { api } = testApi(fetchImpl, token, token ? 'refresh-1' : null);
  return ({ children }: { children: ReactNode }) => <Providers api={api}>{children}</Providers>;
}

describe('data hooks', () => {
  it('useEndpoint waits for the session, then loads by owner/slug', async () => {
    const backend = fakeBackend({
      'GET /api/v1/auth/me': () => json(200, baseUser),
      'GET /api/v1/endpoints/by-path/alice/docs': () => json(200, endpoint()),
    });
    const { result } = renderHook(() => useEndpoint('alice', 'docs'), { wrapper: wrapperFor(backend.fetch) });
    await waitFor(() => expect(result.current.data?.name).toBe('Docs'));
    const paths = backend.calls.map((c) => c.path);
    expect(paths.indexOf('/api/v1/auth/me')).toBeLessThan(
      paths.indexOf('/api/v1/endpoints/by-path/alice/docs'),
    );
    expect(backend.calls.find((c) => c.path.includes('by-path'))?.auth).toBe('Bearer access-1');
  });

  it('useEndpoint surfaces a 404 without retrying', async () => {
    const backend = fakeBackend({
      'GET /api/v1/endpoints/by-path/alice/missing': () =>
        json(404, { detail: 'Owner or endpoint not found' }),
    });
    const { result } = renderHook(() => useEndpoint('alice', 'missing'), {
      wrapper: wrapperFor(backend.fetch, null),
    });
    await waitFor(() => expect(result.current.isError).toBe(true));
    expect(result.current.error).toMatchObject({ status: 404, message: 'Owner or endpoint not found' });
    expect(backend.calls.filter((c) => c.path.includes('missing'))).toHaveLength(1);
  });

  it('useBrowse pages with skip/limit 20 and sends the search', async () => {
    const backend = fakeBackend({
      'GET /api/v1/endpoints/public': () => json(200, [endpoint()]),
    });
    const { result } = renderHook(
      () => useBrowse({ type: 'model', search: 'law', sort: 'recent', page: 3 }),
      {
        wrapper: wrapperFor(backend.fetch, null),
      },
    );
    await waitFor(() => expect(result.current.data).toHaveLength(1));
    expect(backend.calls[0]?.path).toBe(
      '/api/v1/endpoints/public?endpoint_type=model&skip=40&limit=20&search=law',
    );
  });

  it('useBrowse "most starred" uses trending', async () => {
    const backend = fakeBackend({
      'GET /api/v1/endpoints/trending': () =>
        json(200, [
          endpoint({ name: 'Law notes', tags: ['law'] }),
          endpoint({ id: 8, name: 'Other', tags: [], description: '' }),
        ]),
    });
    const { result } = renderHook(
      () => useBrowse({ type: 'data_source', search: 'law', sort: 'stars', page: 1 }),
      {
        wrapper: wrapperFor(backend.fetch, null),
      },
    );
    await waitFor(() => expect(result.current.data).toHaveLength(1));
    expect(backend.calls[0]?.path).toContain(
      '/api/v1/endpoints/trending?endpoint_type=data_source&skip=0&limit=20',
    );
  });

  it('star toggling is optimistic and rolls back when the hub refuses', async () => {
    let starCount = 3;
    const backend = fakeBackend({
      'GET /api/v1/auth/me': () => json(200, baseUser),
      'GET /api/v1/endpoints/by-path/alice/docs': () => json(200, endpoint({ stars_count: starCount })),
      'GET /api/v1/endpoints/7/starred': () => json(200, { starred: false }),
      'POST /api/v1/endpoints/7/star': async () => {
        await new Promise((resolve) => setTimeout(resolve, 300));
        return json(500, {
          detail: 'An internal error occurred. Please try again later.',
          correlation_id: 'c-1',
        });
      },
    });
    const { result } = renderHook(
      () => {
        const ep = useEndpoint('alice', 'docs');
        return { ep, starred: useStarred(ep.data?.id), toggle: useStarToggle(ep.data) };
      },
      { wrapper: wrapperFor(backend.fetch) },
    );
    await waitFor(() => expect(result.current.starred.data).toEqual({ starred: false }));
    act(() => result.current.toggle.mutate(true));
    await waitFor(() => expect(result.current.starred.data).toEqual({ starred: true }));
    expect(result.current.ep.data?.stars_count).toBe(4);
    await waitFor(() => expect(result.current.toggle.isError).toBe(true));
    expect(result.current.starred.data).toEqual({ starred: false });
    expect(result.current.ep.data?.stars_count).toBe(starCount);
    starCount = 3;
  });
});
