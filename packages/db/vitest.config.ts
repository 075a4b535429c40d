import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Opening and migrating an embedded PGlite takes seconds on a small machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
