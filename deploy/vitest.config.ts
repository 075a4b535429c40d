import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // @actions/workflow-parser imports its JSON schema without an import attribute, which only a bundler
    // accepts: let vite transform it instead of Node loading it directly.
    server: { deps: { inline: ['@actions/workflow-parser'] } },
  },
});
