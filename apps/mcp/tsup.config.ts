import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { main: 'src/main.ts', cli: 'src/cli.ts' },
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outDir: 'dist',
  clean: true,
  sourcemap: true,
  // Workspace packages are TypeScript source: bundle them; npm dependencies (listed in package.json) stay external.
  noExternal: [/^@syfthub\//],
  // @syfthub/auth also exports password hashing, which this service never calls: its native argon2 import stays
  // external and is removed by tree-shaking.
  external: ['@node-rs/argon2'],
  treeshake: { moduleSideEffects: (_id: string, external: boolean) => !external },
});
