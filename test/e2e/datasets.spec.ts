// Import through the UI (a real import job, visible in the live job list), then drive the sequence player
// with the keyboard only.
import { expect, test } from '@playwright/test';
import path from 'node:path';
import { writeFrameFolder } from './fixtures.js';
import { makeHome, screenshotPath, startServe, type ServedStudio } from './serve.js';

let studio: ServedStudio;
let framesDir: string;
const FRAMES = 40;

test.beforeAll(async () => {
  const home = makeHome();
  framesDir = path.join(makeHome('cause-e2e-frames-'), 'drive_a');
  await writeFrameFolder(framesDir, FRAMES, 256, 128);
  studio = await startServe({ home });
});

test.afterAll(async () => {
  await studio?.stop();
});

test('an import started from the UI shows in the job list and lands in the datasets table', async ({ page }) => {
  await page.goto(studio.url);
  await expect(page.getByTestId('connection-state')).toHaveText('engine');
  await page.getByTestId('open-import').click();
  await page.getByTestId('import-path').fill(framesDir);
  await page.getByTestId('import-format').selectOption('folder');
  await page.getByTestId('import-submit').click();
  await page.getByTestId('jobs-toggle').click();
  const row = page.getByTestId('job-row').first();
  await expect(row).toBeVisible();
  await expect(row).toHaveAttribute('data-job-kind', /import/);
  await expect(row).toHaveAttribute('data-job-state', 'succeeded', { timeout: 60_000 });
  await expect(row.getByTestId('job-progress')).toHaveText('100 %');
  await page.screenshot({ path: screenshotPath('datasets-import-job') });
  await page.getByTestId('import-open').click();
  await page.getByTestId('jobs-toggle').click();
  await expect(page.getByTestId('dataset-row')).toHaveCount(1);
  await expect(page.getByTestId('dataset-row').first()).toContainText(String(FRAMES));
});

test('the player is usable from the keyboard alone', async ({ page }) => {
  await page.goto(studio.url);
  await page.getByTestId('dataset-row').first().focus();
  await page.keyboard.press('Enter');
  const seq = page.getByTestId('sequence-select');
  // The sequences load after the dataset is chosen: wait for them before keying through the select.
  await expect(seq.locator('option')).toHaveCount(2);
  await seq.focus();
  // Keyboard-select the first sequence in the native select.
  await page.keyboard.press('ArrowDown');
  await expect(page.getByTestId('player')).toBeVisible();
  const counter = page.getByTestId('frame-counter');
  const canvas = page.getByTestId('player-canvas');
  await expect(counter).toHaveText(`1 / ${FRAMES}`);
  await expect(canvas).toHaveAttribute('data-rendered-frame', '0');
  // Tab from the sequence select into the player canvas; its shortcuts apply from there.
  await page.keyboard.press('Tab');
  await expect(canvas).toBeFocused();
  await page.keyboard.press('ArrowRight');
  await expect(counter).toHaveText(`2 / ${FRAMES}`);
  await page.keyboard.press('Shift+ArrowRight');
  await expect(counter).toHaveText(`12 / ${FRAMES}`);
  await page.keyboard.press('ArrowLeft');
  await expect(counter).toHaveText(`11 / ${FRAMES}`);
  await page.keyboard.press('5');
  await expect(counter).toHaveText(`21 / ${FRAMES}`);
  await expect(canvas).toHaveAttribute('data-rendered-frame', '20');
  await page.keyboard.press('0');
  await expect(counter).toHaveText(`1 / ${FRAMES}`);
  await page.keyboard.press('g');
  await page.getByTestId('goto-input').fill('frame_0033');
  await page.keyboard.press('Enter');
  await expect(counter).toHaveText(`34 / ${FRAMES}`);
  await expect(page.getByTestId('frame-name')).toHaveText('frame_0033');
  const opacity = page.getByTestId('opacity');
  const before = Number(await opacity.inputValue());
  await page.keyboard.press('-');
  await expect.poll(async () => Number(await opacity.inputValue())).toBeCloseTo(before - 0.1, 5);
  await page.keyboard.press('Space');
  await expect(page.getByTestId('play')).toHaveAttribute('aria-pressed', 'true');
  await expect(counter).toHaveText(`${FRAMES} / ${FRAMES}`, { timeout: 15_000 });
  await expect(page.getByTestId('play')).toHaveAttribute('aria-pressed', 'false');
  await page.screenshot({ path: screenshotPath('datasets-player') });
});
