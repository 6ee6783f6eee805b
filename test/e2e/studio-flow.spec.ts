// Issue 9's acceptance flow through the UI only, against a real engine on a SynthDrive workspace the test
// creates: generate + import → a `fast` run with live progress and a curve point → predict → evaluate →
// concepts → Hungarian mapping and its present-class mIoU and mIoU → one cluster re-mapped from the
// keyboard changes the mIoU (undo restores it) → the saved mapping's engine score in Experiments equals
// the local one → a video export appears in the exports list. Screenshots of each view are saved.
import { expect, test } from '@playwright/test';
import path from 'node:path';
import { screenshotPath, startServe, type ServedStudio } from './serve.js';

let studio: ServedStudio;

test.beforeAll(async () => {
  studio = await startServe();
});

test.afterAll(async () => {
  await studio?.stop();
});

test('import → fast run → live curve → concepts → Hungarian mapping → re-map a cluster → export video', async ({ page }) => {
  test.setTimeout(20 * 60_000);
  await page.goto(studio.url);
  await expect(page.getByTestId('connection-state')).toHaveText('engine');

  // Dataset: a small SynthDrive world, generated and imported from the UI.
  await page.getByTestId('open-import').click();
  await page.getByTestId('tab-synth').click();
  await page.getByTestId('synth-out').fill(path.join(studio.home, 'synthdrive'));
  await page.getByTestId('synth-sequences').fill('1');
  await page.getByTestId('synth-frames').fill('8');
  await page.getByTestId('synth-size').fill('256x128');
  await page.getByTestId('synth-generate').click();
  await expect(page.getByTestId('synth-import')).toBeVisible({ timeout: 120_000 });
  await page.getByTestId('synth-import').click();
  await expect(page.getByTestId('import-open')).toBeVisible({ timeout: 120_000 });
  await page.getByTestId('import-open').click();
  await expect(page.getByTestId('dataset-row')).toHaveCount(1);

  // A fast run, watched live.
  await page.getByTestId('nav-experiments').click();
  await page.getByTestId('new-run').click();
  await page.getByTestId('run-preset').selectOption('fast');
  await page.getByLabel('Clusters K').fill('12');
  await page.getByTestId('start-run').click();
  const run = page.getByTestId('run-row').first();
  await expect(run).toBeVisible({ timeout: 10 * 60_000 });
  await run.click();
  // Progress of the training job in the live job list (a fast run on 8 small frames may already be done).
  await page.getByTestId('jobs-toggle').click();
  const trainJob = page.locator('[data-testid="job-row"][data-job-kind*="train"]').first();
  await expect(trainJob).toBeVisible({ timeout: 120_000 });
  await expect(trainJob.getByTestId('job-progress')).toHaveText(/\d+ %/);
  await page.getByTestId('jobs-toggle').click();
  const curve = page.locator('[data-testid^="curve-"]').first();
  await expect(curve).toBeVisible({ timeout: 10 * 60_000 });
  await expect.poll(async () => Number(await curve.getAttribute('data-points')), { timeout: 60_000 }).toBeGreaterThan(0);
  await page.screenshot({ path: screenshotPath('experiments-live') });
  await expect(run).toHaveAttribute('data-status', 'trained', { timeout: 15 * 60_000 });

  // Cluster maps for every frame, then the evaluation histogram.
  await page.getByTestId('predict-run').click();
  await expect(page.locator('[data-testid="run-detail"] [data-job-state="succeeded"]')).toBeVisible({ timeout: 10 * 60_000 });
  await page.screenshot({ path: screenshotPath('experiments-trained') });
  await page.getByTestId('nav-mapping').click();
  await page.getByTestId('run-eval').click();
  await expect(page.getByTestId('miou')).toBeVisible({ timeout: 10 * 60_000 });

  // Concepts of the run.
  await page.getByTestId('nav-concepts').click();
  await expect(page.getByTestId('concept-grid')).toBeVisible({ timeout: 60_000 });
  await expect(page.locator('[data-testid^="concept-"]').first()).toBeVisible();
  await page.screenshot({ path: screenshotPath('concepts') });

  // Hungarian mapping, its mIoU, and a keyboard edit that re-scores locally.
  await page.getByTestId('nav-mapping').click();
  await page.getByTestId('propose-hungarian').click();
  const miou = page.getByTestId('miou');
  await expect(miou).toHaveText(/\d+\.\d %/);
  const before = await miou.textContent();
  // Present-class mIoU leads the panel, with the legend saying what each figure averages.
  const present = page.getByTestId('miou-present');
  await expect(present).toHaveText(/\d+\.\d %/);
  const presentBefore = (await present.textContent()) ?? '';
  await expect(page.getByTestId('score-legend')).toContainText('present-class mIoU = mean IoU over the');
  // This flow scores the frames it trained on: the panel must say it is not a held-out score.
  await expect(page.getByTestId('training-frames-warning')).toContainText('this experiment was trained on');
  await page.screenshot({ path: screenshotPath('mapping-hungarian') });
  // Keyboard only: focus the largest cluster's row and send it to "ignore" (Delete).
  await page.getByTestId('cluster-row-0').focus();
  await page.keyboard.press('Delete');
  await expect(page.getByTestId('cluster-class-0')).toHaveValue('-1');
  await expect(miou).not.toHaveText(before ?? '');
  await page.screenshot({ path: screenshotPath('mapping-edited') });
  await page.keyboard.press('Control+z');
  await expect(miou).toHaveText(before ?? '');
  // Tick two clusters and merge them into one class (one cluster 0 is not in) in one step; one undo
  // brings both back.
  const class0 = await page.getByTestId('cluster-class-0').inputValue();
  const class1 = await page.getByTestId('cluster-class-1').inputValue();
  const into = class0 === '0' ? '1' : '0';
  await page.getByTestId('cluster-tick-0').check();
  await page.getByTestId('cluster-tick-1').check();
  await page.getByTestId('merge-class').selectOption(into);
  await page.getByTestId('merge-ticked').click();
  await expect(page.getByTestId('cluster-class-0')).toHaveValue(into);
  await expect(page.getByTestId('cluster-class-1')).toHaveValue(into);
  await expect(miou).not.toHaveText(before ?? '');
  await expect(page.getByTestId('cluster-tick-0')).not.toBeChecked();
  await page.getByTestId('cluster-row-2').focus();
  await page.keyboard.press('Control+z');
  await expect(page.getByTestId('cluster-class-0')).toHaveValue(class0);
  await expect(page.getByTestId('cluster-class-1')).toHaveValue(class1);
  await expect(miou).toHaveText(before ?? '');
  // A class the protocol lacks: added here, cluster 0 sent to it counts as unmatched (like ignoring it).
  await page.getByTestId('cluster-class-0').focus();
  await page.getByTestId('new-class-name').fill('bollard');
  await page.getByTestId('add-class').click();
  await expect(page.getByTestId('cluster-class-0').locator('option', { hasText: 'bollard' })).toHaveCount(1);
  await page.getByTestId('cluster-tick-0').check();
  await page.getByTestId('merge-ticked').click();
  await expect(page.getByTestId('added-classes-note')).toContainText('bollard');
  await expect(miou).not.toHaveText(before ?? '');
  await page.getByTestId('cluster-row-2').focus();
  await page.keyboard.press('Control+z');
  await expect(miou).toHaveText(before ?? '');
  // Saved under the custom protocol; the engine scores its base classes the same.
  await page.getByTestId('save-mapping').click();
  await expect(page.getByText('Saved mapping version 1.')).toBeVisible();

  // The Experiments view shows the engine's score of the saved mapping: the same figures the Mapping
  // view computed locally from the histogram.
  await page.getByTestId('nav-experiments').click();
  await expect(page.getByTestId('run-miou-present')).toHaveText(presentBefore, { timeout: 60_000 });
  await expect(page.getByTestId('run-miou')).toHaveText(before ?? '');
  await expect(page.getByTestId('run-score').getByTestId('score-legend')).toBeVisible();
  await page.screenshot({ path: screenshotPath('experiments-scored') });
  // Reopened, the saved version comes back under its custom protocol, the added class still offered.
  await page.getByTestId('nav-mapping').click();
  await expect(page.getByTestId('added-classes-note')).toContainText('bollard');
  await expect(miou).toHaveText(before ?? '');

  // Export a video and see it listed.
  await page.getByTestId('nav-exports').click();
  await page.getByTestId('export-video').click();
  await expect(page.getByTestId('export-row')).toHaveCount(1, { timeout: 10 * 60_000 });
  await expect(page.getByTestId('export-row').first()).toContainText('.mp4');
  await page.screenshot({ path: screenshotPath('exports') });
});
