import { defineConfig } from 'vitest/config';

// The stack checks run only from `pnpm test:e2e`, against a running `pnpm stack:up`.
export default defineConfig({ test: { include: ['e2e/**/*.test.ts'], testTimeout: 30_000 } });
