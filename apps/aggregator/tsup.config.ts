import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/main.ts'],
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  outDir: 'dist',
  clean: true,
  sourcemap: true,
  // Workspace packages are published as TypeScript source, so they must be compiled into the bundle.
  noExternal: [/^@syfthub\//],
  // Their CommonJS dependencies (ioredis, pino-pretty) end up in an ES module bundle and still call require().
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
});
