// Playwright against `cause-studio serve` with the system's Debian Chromium; browsers are never
// downloaded. One worker: the machine's two cores are shared and each test runs its own engine.
import { defineConfig } from '@playwright/test';
import { chromiumLaunch } from './chromium.js';


export default defineConfig({
  testDir: '.',
  testMatch: '**/*.spec.ts',
  outputDir: '../../test-results/e2e',
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 180_000,
  expect: { timeout: 20_000 },
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    launchOptions: chromiumLaunch,
    viewport: { width: 1440, height: 900 },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
  },
});
