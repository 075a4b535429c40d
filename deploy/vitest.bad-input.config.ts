import { defineConfig } from 'vitest/config';

// The bad-input test, the last step of `pnpm test:e2e`, against a running `pnpm stack:up`.
export default defineConfig({ test: { include: ['e2e/bad-input.test.ts'], testTimeout: 900_000 } });
