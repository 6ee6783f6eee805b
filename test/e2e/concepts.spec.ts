// Concept views and the label export through the UI, against `serve` on a workspace the CLI prepares
// (SynthDrive → builtin features → a CAUSE-MLP `fast` run → predictions → evaluation → Hungarian mapping):
// the grid shows patch thumbnails, the atlas lays out centroids and the clusterbook, the probe paints a
// similarity heatmap and lists similar patches, and a pseudo-label export runs with progress to a path.
// Screenshots are saved under test-results/screenshots/.
import { expect, test, type Locator } from '@playwright/test';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { makeHome, REPO_ROOT, screenshotPath, startServe, type ServedStudio } from './serve.js';

const run = promisify(execFile);
let studio: ServedStudio;
let experimentId: string;

async function cli(home: string, ...args: string[]): Promise<unknown> {
  const { stdout } = await run(process.execPath, [path.join(REPO_ROOT, 'bin', 'cause-studio.js'), '--json', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, CAUSE_STUDIO_HOME: home },
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(stdout) as unknown;
}

/** Every image under `scope` decoded (the asset server answered with a real picture). */
async function expectImagesLoaded(scope: Locator): Promise<void> {
  await expect
    .poll(async () => scope.locator('img').evaluateAll((imgs) => imgs.length > 0 && imgs.every((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0)), {
      timeout: 60_000,
    })
    .toBe(true);
}

test.beforeAll(async () => {
  test.setTimeout(10 * 60_000);
  const home = makeHome('cause-e2e-concepts-');
  const synth = path.join(home, 'synth');
  await cli(home, 'synth', '--out', synth, '--sequences', '1', '--frames', '6', '--size', '256x128', '--seed', '3', '--weather', 'clear');
  await cli(home, 'import', synth);
  const datasets = (await cli(home, 'datasets', 'list')) as { id: string }[];
  const datasetId = datasets[0]!.id;
  await cli(home, 'features', '--dataset', datasetId, '--size', '128x64');
  experimentId = ((await cli(home, 'train', '--dataset', datasetId, '--method', 'cause-mlp', '--clusters', '8', '--backend', 'wasm')) as { id: string }).id;
  await cli(home, 'predict', '--experiment', experimentId);
  await cli(home, 'map', 'create', '--experiment', experimentId, '--method', 'hungarian');
  studio = await startServe({ home });
});

test.afterAll(async () => {
  await studio?.stop();
});

test('concepts: patch grid → atlas (centroids, clusterbook) → similar-patch probe → pseudo-label export', async ({ page }) => {
  test.setTimeout(10 * 60_000);
  await page.goto(studio.url);
  await expect(page.getByTestId('connection-state')).toHaveText('engine');

  // Grid: each cluster's top patches are crops served by id.
  await page.getByTestId('nav-concepts').click();
  await expect(page.getByTestId('experiment-select')).toHaveValue(experimentId);
  const grid = page.getByTestId('concept-grid');
  await expect(grid).toBeVisible({ timeout: 120_000 });
  await expect(grid.getByTestId('patch-thumb').first()).toBeVisible();
  await expectImagesLoaded(grid);
  const src = await grid.getByTestId('patch-thumb').first().locator('img').getAttribute('src');
  expect(src).toMatch(/\/asset\/patch\/[^/?]+:\d+:\d+\?w=96/);
  await page.screenshot({ path: screenshotPath('concepts-patches') });

  // Atlas of the 8 centroids, framed by the saved Hungarian mapping; then the clusterbook (fast preset: 256).
  await page.getByTestId('concepts-tab-atlas').click();
  const atlas = page.getByTestId('atlas');
  await expect(atlas).toHaveAttribute('data-source', 'centroids', { timeout: 120_000 });
  await expect(atlas.getByTestId('atlas-cell')).toHaveCount(8);
  await expect(page.getByTestId('atlas-legend')).not.toBeEmpty();
  await expectImagesLoaded(atlas);
  await page.screenshot({ path: screenshotPath('concepts-atlas-centroids') });
  await atlas.getByTestId('atlas-cell').nth(3).click();
  await expect(atlas.getByTestId('atlas-cell').nth(3)).toHaveCSS('z-index', '2');
  await page.getByTestId('atlas-source').selectOption('clusterbook');
  await expect(atlas).toHaveAttribute('data-source', 'clusterbook', { timeout: 120_000 });
  await expect(atlas).toHaveAttribute('data-layout', 'umap');
  await expect(atlas.getByTestId('atlas-cell')).toHaveCount(256);
  await expectImagesLoaded(atlas);
  await page.screenshot({ path: screenshotPath('concepts-atlas-clusterbook') });

  // Probe: click a pixel → heatmap over the frame and the most similar patches across the dataset.
  await page.getByTestId('concepts-tab-probe').click();
  const image = page.getByTestId('probe-image');
  await expect(image.locator('img')).toBeVisible();
  await expectImagesLoaded(image);
  const box = (await image.boundingBox())!;
  await image.click({ position: { x: box.width * 0.25, y: box.height * 0.75 } });
  await expect(page.getByTestId('probe-heatmap')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('probe-status')).toHaveText(/cell 4,6 · cluster \d+ · 768 patches compared/);
  const matches = page.getByTestId('probe-match');
  await expect(matches).toHaveCount(24);
  await expectImagesLoaded(page.getByTestId('probe-matches'));
  // The heatmap is painted: the probed cell itself is the hottest (cosine 1 → opaque).
  const alpha = await page.getByTestId('probe-heatmap').evaluate((c) => {
    const canvas = c as HTMLCanvasElement;
    return canvas.getContext('2d')!.getImageData(4, 6, 1, 1).data[3];
  });
  expect(alpha).toBe(255);
  await page.screenshot({ path: screenshotPath('concepts-probe') });
  // Keyboard: → moves the probe one cell right.
  await image.focus();
  await page.keyboard.press('ArrowRight');
  await expect(page.getByTestId('probe-status')).toHaveText(/cell 5,6 /);
  // A match moves the probe to its frame and cell.
  const first = matches.first();
  const label = (await first.getAttribute('aria-label')) ?? '';
  const cell = /cell (\d+),(\d+)/.exec(label)!;
  await first.click();
  await expect(page.getByTestId('probe-status')).toHaveText(new RegExp(`cell ${cell[1]},${cell[2]} `));

  // Pseudo-labels in Cityscapes format with the saved mapping; progress, then the output path.
  await page.getByTestId('nav-exports').click();
  const form = page.getByTestId('labels-export-form');
  await expect(form).toBeVisible();
  const out = await page.getByTestId('labels-out').inputValue();
  expect(out.startsWith(path.join(studio.home, 'exports'))).toBe(true);
  await page.getByTestId('export-labels').click();
  await expect(form.getByTestId('job-progress-inline')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('labels-output')).toContainText(out, { timeout: 5 * 60_000 });
  await expect(page.locator('[data-testid="export-row"][data-kind="labels"]')).toHaveCount(1);
  const written = fs.readdirSync(out, { recursive: true }).map(String);
  expect(written.filter((f) => f.endsWith('_gtFine_labelIds.png'))).toHaveLength(6);
  expect(written).toContain('mapping.json');
  await page.screenshot({ path: screenshotPath('exports-labels') });
});
