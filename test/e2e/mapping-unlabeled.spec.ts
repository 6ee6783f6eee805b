// Issue 17's acceptance flow through the UI: a SynthDrive world imported as a plain image folder (no
// labels) → a small k-means run → predictions → the Mapping view with no ground truth (pixel shares and
// presence measured label-free, classes per concept, a merge, a custom class, undo/redo, a saved version)
// → a class-coloured MP4, checked with ffprobe (codec, size, frame count) and at known pixels, whose
// colours must be the mapped classes' (the custom class's own colour included). Then a second run takes
// that mapping as suggestions with strengths, accepted or rejected one by one.
import { expect, test } from '@playwright/test';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { getBuiltinProtocol } from '../../shared/protocols/builtin.js';
import { makeHome, REPO_ROOT, screenshotPath, startServe, type ServedStudio } from './serve.js';

const run = promisify(execFile);
const W = 128;
const H = 64;
const FRAMES = 4;
let studio: ServedStudio;
let plain = '';

test.beforeAll(async () => {
  test.setTimeout(5 * 60_000);
  const home = makeHome('cause-e2e-mapping-unlabeled-');
  const world = path.join(home, 'world');
  await run(process.execPath, [path.join(REPO_ROOT, 'bin', 'cause-studio.js'), 'synth', '--out', world, '--sequences', '1', '--frames', String(FRAMES), '--size', `${W}x${H}`, '--seed', '3'], {
    cwd: REPO_ROOT,
    env: { ...process.env, CAUSE_STUDIO_HOME: home },
  });
  // The images only: an engineer's own drive has no labels.
  plain = path.join(home, 'drive');
  fs.mkdirSync(plain);
  const imgDir = path.join(world, 'leftImg8bit', 'train');
  for (const city of fs.readdirSync(imgDir)) for (const f of fs.readdirSync(path.join(imgDir, city))) fs.copyFileSync(path.join(imgDir, city, f), path.join(plain, f));
  studio = await startServe({ home });
});

test.afterAll(async () => {
  await studio?.stop();
});

/** The first file named `name` under `dir`. */
function findFile(dir: string, name: RegExp): string | null {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      const hit = findFile(p, name);
      if (hit !== null) return hit;
    } else if (name.test(p)) return p;
  }
  return null;
}

test('unlabeled folder → run → map concepts without ground truth (merge, custom class) → class-coloured MP4', async ({ page }) => {
  test.setTimeout(15 * 60_000);
  await page.goto(studio.url);
  await expect(page.getByTestId('connection-state')).toHaveText('engine');

  await page.getByTestId('open-import').click();
  await page.getByTestId('import-path').fill(plain);
  await page.getByTestId('import-format').selectOption('folder');
  await page.getByTestId('import-submit').click();
  await expect(page.getByTestId('import-open')).toBeVisible({ timeout: 120_000 });
  await page.getByTestId('import-open').click();
  await expect(page.getByTestId('dataset-row')).toHaveCount(1);

  await page.getByTestId('nav-experiments').click();
  await page.getByTestId('new-run').click();
  await page.getByTestId('run-backbone').selectOption('rgb');
  await page.locator('#run-method').selectOption('kmeans');
  await page.getByLabel('Clusters K').fill('6');
  await page.getByTestId('start-run').click();
  const runRow = page.getByTestId('run-row').first();
  await expect(runRow).toBeVisible({ timeout: 5 * 60_000 });
  await runRow.click();
  await expect(runRow).toHaveAttribute('data-status', 'trained', { timeout: 5 * 60_000 });
  await page.getByTestId('predict-run').click();
  await expect(page.locator('[data-testid="run-detail"] [data-job-state="succeeded"]')).toBeVisible({ timeout: 5 * 60_000 });

  // Mapping without ground truth: no evaluate button, a card per concept.
  await page.getByTestId('nav-mapping').click();
  await expect(page.getByTestId('concept-mapping')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('run-eval')).toHaveCount(0);
  await expect(page.locator('[data-testid^="concept-card-"]')).toHaveCount(6);
  await page.getByTestId('measure-concepts').click();
  await expect(page.getByTestId('concept-stats-source')).toContainText(`measured on ${FRAMES} frames`, { timeout: 5 * 60_000 });
  await expect(page.locator('[data-testid^="concept-card-"] canvas.presence')).not.toHaveCount(0);
  await expect(page.getByTestId('concept-share-0')).toHaveText(/\d+\.\d %/);
  await expect(page.locator('[data-testid^="concept-card-"] [data-testid="patch-thumb"]').first()).toBeVisible({ timeout: 60_000 });

  await page.getByTestId('concept-class-0').selectOption({ label: 'road' });
  await page.getByTestId('concept-tick-1').check();
  await page.getByTestId('concept-tick-2').check();
  await page.getByTestId('merge-class').selectOption({ label: 'car' });
  await page.getByTestId('merge-ticked').click();
  await expect(page.getByTestId('concept-card-1')).toHaveAttribute('data-class', 'car');
  await expect(page.getByTestId('concept-card-2')).toHaveAttribute('data-class', 'car');
  await page.getByTestId('new-class-name').fill('bollard');
  await page.getByTestId('new-class-color').fill('#ff8800');
  await page.getByTestId('add-class').click();
  await expect(page.getByTestId('mapping-protocol')).toHaveValue(/^cityscapes-27-x[0-9a-f]{8}$/);
  // The edits survive the switch to the custom protocol.
  await expect(page.getByTestId('concept-card-1')).toHaveAttribute('data-class', 'car');
  await page.getByTestId('concept-class-3').selectOption({ label: 'bollard' });
  await page.getByTestId('concept-class-4').selectOption({ label: 'vegetation' });
  await page.getByTestId('undo').click();
  await expect(page.getByTestId('concept-card-4')).toHaveAttribute('data-class', 'ignore');
  await page.getByTestId('redo').click();
  await expect(page.getByTestId('concept-card-4')).toHaveAttribute('data-class', 'vegetation');
  await page.getByTestId('save-mapping').click();
  await expect(page.getByTestId('open-version')).toContainText('1 saved version');
  await page.screenshot({ path: screenshotPath('mapping-unlabeled') });

  await page.getByTestId('nav-exports').click();
  await page.getByTestId('export-mode').selectOption('labels');
  await page.getByTestId('export-colors').selectOption('classes');
  await page.getByTestId('export-captions').uncheck();
  await page.getByTestId('export-video').click();
  const row = page.locator('[data-testid="export-row"][data-kind="video"]');
  await expect(row).toHaveCount(1, { timeout: 5 * 60_000 });
  const mp4 = (await row.locator('.path-cell').getAttribute('title'))!;
  expect(mp4).toMatch(/\.mp4$/);

  const probe = JSON.parse(
    (await run('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-count_frames', '-show_entries', 'stream=codec_name,width,height,nb_read_frames', '-of', 'json', mp4])).stdout,
  ) as { streams: { codec_name: string; width: number; height: number; nb_read_frames: string }[] };
  expect(probe.streams[0]).toMatchObject({ codec_name: 'h264', width: W, height: H, nb_read_frames: String(FRAMES) });

  // Known pixels: where the first frame's cluster map is uniform over 5×5, the video shows the class colour.
  const p27 = getBuiltinProtocol('cityscapes-27')!;
  const colour = (name: string) => p27.colors[p27.classNames.indexOf(name)]!;
  const expected = new Map<number, readonly number[]>([
    [0, colour('road')],
    [1, colour('car')],
    [2, colour('car')],
    [3, [255, 136, 0]],
    [4, colour('vegetation')],
  ]);
  const clusterPng = findFile(studio.home, /predictions[\\/][^\\/]+[\\/][^\\/]+-f0\.png$/);
  expect(clusterPng).not.toBeNull();
  const clusters = await sharp(clusterPng!).extractChannel(0).raw().toBuffer();
  expect(clusters.length).toBe(W * H);
  const frame0 = (await run('ffmpeg', ['-v', 'error', '-i', mp4, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { encoding: 'buffer', maxBuffer: 1 << 24 })).stdout as Buffer;
  expect(frame0.length).toBe(W * H * 3);
  const checkedPerCluster = new Map<number, number>();
  for (let y = 2; y < H - 2; y++)
    for (let x = 2; x < W - 2; x++) {
      const k = clusters[y * W + x]!;
      const want = expected.get(k);
      if (want === undefined) continue;
      let uniform = true;
      for (let dy = -2; dy <= 2 && uniform; dy++) for (let dx = -2; dx <= 2 && uniform; dx++) if (clusters[(y + dy) * W + x + dx] !== k) uniform = false;
      if (!uniform) continue;
      const o = (y * W + x) * 3;
      for (let c = 0; c < 3; c++) expect(Math.abs(frame0[o + c]! - want[c]!), `cluster ${k} at ${x},${y}`).toBeLessThanOrEqual(28);
      checkedPerCluster.set(k, (checkedPerCluster.get(k) ?? 0) + 1);
    }
  expect([...checkedPerCluster.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(100);
});

test('a second run: the saved mapping carried over as suggestions, accepted or rejected one by one', async ({ page }) => {
  test.setTimeout(15 * 60_000);
  await page.goto(studio.url);
  await expect(page.getByTestId('connection-state')).toHaveText('engine');
  await page.getByTestId('nav-experiments').click();
  await page.getByTestId('new-run').click();
  await page.getByTestId('run-backbone').selectOption('rgb');
  await page.locator('#run-method').selectOption('kmeans');
  await page.getByLabel('Clusters K').fill('8');
  await page.locator('#run-seed').fill('9');
  await page.locator('#run-name').fill('second run');
  await page.getByTestId('start-run').click();
  const second = page.getByTestId('run-row').filter({ hasText: 'second run' });
  await expect(second).toBeVisible({ timeout: 5 * 60_000 });
  await second.click();
  await expect(second).toHaveAttribute('data-status', 'trained', { timeout: 5 * 60_000 });

  await page.getByTestId('nav-mapping').click();
  await expect(page.locator('[data-testid^="concept-card-"]')).toHaveCount(8, { timeout: 60_000 });
  await page.getByTestId('carry-suggest').click();
  const rows = page.locator('[data-testid^="carry-row-"]');
  await expect(rows.first()).toBeVisible({ timeout: 5 * 60_000 });
  // The suggestions are in the first run's protocol, custom class included.
  await expect(page.getByTestId('mapping-protocol')).toHaveValue(/^cityscapes-27-x[0-9a-f]{8}$/);
  await expect(rows.first()).toContainText(/\d+ %/);
  const first = rows.nth(0);
  const firstCluster = Number((await first.getAttribute('data-testid'))!.replace('carry-row-', ''));
  const firstClass = (await first.locator('td').nth(1).textContent())!.trim();
  expect(['road', 'car', 'bollard', 'vegetation', 'ignore']).toContain(firstClass);
  await page.getByTestId(`carry-accept-${firstCluster}`).click();
  await expect(first).toHaveAttribute('data-status', 'accepted');
  await expect(page.getByTestId(`concept-card-${firstCluster}`)).toHaveAttribute('data-class', firstClass);
  const other = rows.nth(1);
  const otherCluster = Number((await other.getAttribute('data-testid'))!.replace('carry-row-', ''));
  await page.getByTestId(`carry-reject-${otherCluster}`).click();
  await expect(page.getByTestId(`carry-row-${otherCluster}`)).toHaveAttribute('data-status', 'rejected');
  await expect(page.getByTestId(`concept-card-${otherCluster}`)).toHaveAttribute('data-class', 'ignore');
  await page.screenshot({ path: screenshotPath('mapping-carry') });
});
