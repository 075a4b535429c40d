import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

// The dev server mirrors nginx (operations.md §2): API, aggregator (prefix stripped) and well-known paths on one origin.
const apiTarget = process.env.DEV_API_TARGET ?? 'http://localhost:8000';
const aggregatorTarget = process.env.DEV_AGGREGATOR_TARGET ?? 'http://localhost:8001';

export default defineConfig({
  plugins: [react()],
  server: {
    port: Number(process.env.WEB_PORT ?? 3000),
    host: true,
    proxy: {
      '/api': { target: apiTarget, changeOrigin: true },
      '/.well-known': { target: apiTarget, changeOrigin: true },
      '/aggregator': {
        target: aggregatorTarget,
        changeOrigin: true,
        rewrite: (path) => path.replace(/^\/aggregator/, ''),
      },
    },
  },
  preview: { port: Number(process.env.WEB_PORT ?? 3000) },
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    sourcemap: true,
    manifest: true,
    target: 'es2022',
  },
  test: {
    environment: 'jsdom',
    setupFiles: ['./test/setup.ts'],
    include: ['test/**/*.test.{ts,tsx}'],
    css: false,
  },
});
