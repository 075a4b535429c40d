import { isApiError } from '@syfthub/client';
import { QueryClient } from '@tanstack/react-query';

/** web.md §3.4: 2-minute freshness, 5-minute cache, one retry for network errors and 5xx only. */
export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 2 * 60_000,
        gcTime: 5 * 60_000,
        refetchOnWindowFocus: true,
        retry: (failureCount, error) => failureCount < 1 && (!isApiError(error) || error.isRetryable),
      },
      mutations: { retry: false },
    },
  });
}
