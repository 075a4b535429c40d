import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/main.ts'],
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  outDir: 'dist',
  clean: true,
  sourcemap: true,
  // Workspace packages are TypeScript source, so they are bundled; npm dependencies stay external.
  noExternal: [/^@syfthub\//],
  // @syfthub/auth also exports password hashing, which the satellite never calls: its native argon2 import is
  // left external and removed by tree-shaking, as npm packages imported only for unused bindings are.
  external: ['@node-rs/argon2'],
  // npm packages the workspace packages depend on are bundled too; the CommonJS ones among them call require().
  banner: {
    // Aliased: a bundled module (@syfthub/tunnel) imports createRequire itself, and two imports of one name fail.
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  treeshake: { moduleSideEffects: (_id: string, external: boolean) => !external },
});
