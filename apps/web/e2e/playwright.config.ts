import { defineConfig } from '@playwright/test';
import { chromiumLaunch } from './chromium';

/**
 * End-to-end tests against the real stack behind nginx (hub, aggregator, reference satellite). The lead's compose
 * or CI job starts the stack; `E2E_BASE_URL` points at it.
 */
export default defineConfig({
  testDir: './stack',
  outputDir: '../test-results/stack',
  timeout: 60_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  retries: process.env.CI ? 1 : 0,
  reporter: [['list'], ['html', { outputFolder: '../playwright-report', open: 'never' }]],
  use: {
    baseURL: process.env.E2E_BASE_URL ?? 'http://localhost:8080',
    // The local stack terminates TLS with a self-signed certificate.
    ignoreHTTPSErrors: true,
    launchOptions: chromiumLaunch,
    screenshot: 'on',
    trace: 'retain-on-failure',
    video: 'off',
  },
  projects: [{ name: 'chromium', use: { browserName: 'chromium', viewport: { width: 1280, height: 860 } } }],
});
