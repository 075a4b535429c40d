import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: the end-to-end files run a backend, an aggregator and a satellite each.
    maxWorkers: 2,
  },
});
