// Issue 2's e2e: the page served by a real engine shows its version, workspace and backends, and a job
// started from the UI appears in the live job list with progress.
import { expect, test } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, screenshotPath, startServe, type ServedStudio } from './serve.js';

const version = (JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

let studio: ServedStudio;

test.beforeAll(async () => {
  studio = await startServe();
});

test.afterAll(async () => {
  await studio?.stop();
});

test('shows the real engine version, workspace path and compute backends', async ({ page }) => {
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && pageErrors.push(m.text()));
  await page.goto(studio.url);
  await expect(page.getByTestId('connection-state')).toHaveText('engine');
  await expect(page.getByTestId('engine-version')).toHaveText(`v${version}`);
  await expect(page.getByTestId('workspace-path')).toHaveText(studio.home);
  await expect(page.getByTestId('backends')).toContainText('onnxruntime');
  for (const name of ['datasets', 'experiments', 'concepts', 'mapping', 'exports']) {
    await expect(page.getByTestId(`nav-${name}`)).toBeVisible();
  }
  await page.keyboard.press('?');
  await expect(page.getByTestId('shortcut-sheet')).toBeVisible();
  await page.screenshot({ path: screenshotPath('shell-shortcuts') });
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('shortcut-sheet')).toHaveCount(0);
  await page.screenshot({ path: screenshotPath('shell') });
  // The strict CSP must not have blocked anything the page needs.
  expect(pageErrors.filter((e) => /Content Security Policy|Refused/i.test(e))).toEqual([]);
});
