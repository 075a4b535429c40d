import { cpSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { defineConfig } from 'tsup';

const require = createRequire(import.meta.url);

export default defineConfig({
  entry: { main: 'src/main.ts', migrate: 'src/cli/migrate.ts', cli: 'src/cli.ts' },
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outDir: 'dist',
  clean: true,
  sourcemap: true,
  // Workspace packages are TypeScript source: bundle them. Their npm dependencies are listed in this app's
  // package.json so they stay external and `pnpm deploy --prod` installs them.
  noExternal: [/^@syfthub\//],
  async onSuccess() {
    const assets = join('dist', 'docs-assets');
    mkdirSync(assets, { recursive: true });
    const swagger = dirname(require.resolve('swagger-ui-dist/package.json'));
    cpSync(join(swagger, 'swagger-ui.css'), join(assets, 'swagger-ui.css'));
    cpSync(join(swagger, 'swagger-ui-bundle.js'), join(assets, 'swagger-ui-bundle.js'));
    cpSync(
      join(dirname(require.resolve('redoc/package.json')), 'bundles', 'redoc.standalone.js'),
      join(assets, 'redoc.standalone.js'),
    );
    cpSync(join(dirname(require.resolve('@syfthub/db')), '..', 'drizzle'), join('dist', 'drizzle'), {
      recursive: true,
    });
  },
});
