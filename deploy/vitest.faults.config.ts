import { defineConfig } from 'vitest/config';

// The fault tests (`pnpm test:faults`): the built services against a private PostgreSQL and Redis that the tests
// stop and start. One file at a time: they share the private ports.
export default defineConfig({
  test: {
    include: ['faults/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
