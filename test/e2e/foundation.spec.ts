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

test('a SynthDrive generation started from the UI appears in the live job list with progress', async ({ page }) => {
  const out = path.join(studio.home, 'synth-out');
  await page.goto(studio.url);
  await expect(page.getByTestId('connection-state')).toHaveText('engine');
  await page.getByTestId('open-import').click();
  await page.getByTestId('tab-synth').click();
  await page.getByTestId('synth-out').fill(out);
  await page.getByTestId('synth-sequences').fill('1');
  await page.getByTestId('synth-frames').fill('4');
  await page.getByTestId('synth-size').fill('256x128');
  await page.getByTestId('synth-generate').click();
  await page.getByTestId('jobs-toggle').click();
  const row = page.locator('[data-testid="job-row"][data-job-kind="synth.generate"]');
  await expect(row).toBeVisible();
  await expect(row).toHaveAttribute('data-job-state', 'succeeded', { timeout: 120_000 });
  await expect(row.getByTestId('job-progress')).toHaveText('100 %');
  await page.screenshot({ path: screenshotPath('shell-job-list') });
  // The generated world imports as a Cityscapes-layout dataset.
  await page.getByTestId('synth-import').click();
  await expect(page.locator('[data-testid="job-row"][data-job-kind="datasets.import"]')).toHaveAttribute('data-job-state', 'succeeded', { timeout: 60_000 });
  await page.getByTestId('import-open').click();
  await expect(page.getByTestId('dataset-row')).toHaveCount(1);
  await expect(page.getByTestId('dataset-row').first()).toContainText('cityscapes');
});
