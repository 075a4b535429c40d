import { defineConfig } from 'vitest/config';

// The stack checks run only from `pnpm test:e2e`, against a running `pnpm stack:up`. The bad-input test has its own
// step there (vitest.bad-input.config.ts), last, since it leaves many users and endpoints behind.
export default defineConfig({
  test: { include: ['e2e/**/*.test.ts'], exclude: ['e2e/bad-input.test.ts'], testTimeout: 30_000 },
});
