// K = 300 end to end: the CLI prepares the workspace through the running `serve` (it owns the
// workspace, so each command submits its job there), a k-means run with K = 300 writes 16-bit cluster
// maps, and the player's hover read-out names the cluster id the engine wrote at that pixel, also for
// ids above 255 (an 8-bit read would show the id modulo or divided by 256), and the cluster layer paints
// each pixel in its own cluster's colour (16-bit texture, lookup tables past 256 entries); the concept
// view lists a cluster above 255 with its share and patches.
import { expect, test, type Page } from '@playwright/test';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { clusterColor } from '../../shared/palettes/cluster-palette.js';
import { makeHome, REPO_ROOT, screenshotPath, startServe, type ServedStudio } from './serve.js';

const run = promisify(execFile);
const W = 256;
const H = 128;
const K = 300;
let studio: ServedStudio;
let clusterMap: { ids: Uint16Array; width: number; height: number };

async function cli(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [path.join(REPO_ROOT, 'bin', 'cause-studio.js'), ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, CAUSE_STUDIO_HOME: studio.home },
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}

/** Identical frames of blocky colour noise: hundreds of distinct patches, so all K clusters get used. */
async function writeNoiseFrames(dir: string, count: number): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  let s = 12345;
  const rand = () => ((s = (s * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
  const block = new Map<number, [number, number, number]>();
  const rgb = Buffer.alloc(W * H * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const b = Math.floor(y / 8) * (W / 8) + Math.floor(x / 8);
      if (!block.has(b)) block.set(b, [rand(), rand(), rand()]);
      const c = block.get(b)!;
      const jitter = (x * 7 + y * 13) % 23;
      rgb.set([(c[0] + jitter) & 0xff, c[1], (c[2] + 2 * jitter) & 0xff], (y * W + x) * 3);
    }
  }
  for (let i = 0; i < count; i++) {
    await sharp(rgb, { raw: { width: W, height: H, channels: 3 } }).png().toFile(path.join(dir, `frame_${String(i).padStart(4, '0')}.png`));
  }
}

test.beforeAll(async () => {
  test.setTimeout(10 * 60_000);
  const home = makeHome('cause-e2e-k300-');
  await writeNoiseFrames(path.join(home, 'noise'), 3);
  studio = await startServe({ home });
  await cli('import', path.join(home, 'noise'), '--format', 'folder', '--name', 'noise');
  const experimentId = (await cli('train', '--dataset', 'noise', '--backbone', 'rgb', '--method', 'kmeans', '--clusters', String(K))).trim();
  await cli('predict', '--experiment', experimentId);
  // Every frame is the same picture, so every frame's map is the same: read one as the engine wrote it.
  const dir = path.join(home, 'experiments', experimentId, 'predictions');
  const file = fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .find((f) => f.endsWith('.png') && !f.endsWith('.conf.png'))!;
  const bytes = fs.readFileSync(path.join(dir, file));
  expect(bytes[24], 'K > 255 writes a 16-bit map').toBe(16);
  const { data, info } = await sharp(bytes).extractChannel(0).toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true });
  clusterMap = { ids: new Uint16Array(data.buffer, data.byteOffset, info.width * info.height).slice(), width: info.width, height: info.height };
});

test.afterAll(async () => {
  await studio?.stop();
});

/** The id at frame pixel (x, y) in the engine's map (which may be stored at another resolution). */
const idAt = (x: number, y: number): number =>
  clusterMap.ids[Math.floor((y / H) * clusterMap.height) * clusterMap.width + Math.floor((x / W) * clusterMap.width)]!;

async function openPlayer(page: Page): Promise<void> {
  await page.goto(studio.url);
  // The experiment picker lands on the newest trained run; the player then shows its clusters.
  await page.getByTestId('nav-concepts').click();
  await expect(page.getByTestId('experiment-select')).not.toHaveValue('');
  await page.getByTestId('nav-datasets').click();
  await page.getByTestId('dataset-row').first().click();
  const seq = page.getByTestId('sequence-select');
  await expect(seq.locator('option')).toHaveCount(2);
  await seq.selectOption({ index: 1 });
  await expect(page.getByTestId('player-canvas')).toHaveAttribute('data-rendered-frame', '0');
}

test('a K = 300 run: the hover read-out names the cluster id the engine wrote, above 255 too', async ({ page }) => {
  // Pixels in the middle of 8×8 blocks (away from borders the resize may blur), some with ids ≥ 256.
  const candidates: [number, number][] = [];
  for (let y = 4; y < H; y += 8) for (let x = 4; x < W; x += 8) candidates.push([x, y]);
  const high = candidates.filter(([x, y]) => idAt(x, y) >= 256);
  const low = candidates.filter(([x, y]) => idAt(x, y) < 256);
  expect(high.length, 'the K = 300 run uses cluster ids above 255').toBeGreaterThan(0);
  const probes = [...high.slice(0, 4), ...low.slice(0, 2)];

  await openPlayer(page);
  await expect(page.getByTestId('legend')).toContainText(`K = ${K}`);
  const canvas = page.getByTestId('player-canvas');
  const box = (await canvas.boundingBox())!;
  const scale = Math.min(box.width / W, box.height / H);
  const ox = (box.width - W * scale) / 2;
  const oy = (box.height - H * scale) / 2;
  const tip = page.getByTestId('player-tooltip');
  for (const [x, y] of probes) {
    const want = idAt(x, y);
    await expect(async () => {
      // Moving again re-reads the hover once the cluster map is decoded.
      await page.mouse.move(box.x + 1, box.y + 1);
      await page.mouse.move(box.x + ox + (x + 0.5) * scale, box.y + oy + (y + 0.5) * scale);
      await expect(tip).toContainText(`x ${x}, y ${y}`, { timeout: 1000 });
      await expect(tip).toContainText(new RegExp(`cluster ${want}\\b`), { timeout: 1000 });
    }).toPass({ timeout: 30_000 });
  }

  // The cluster layer alone: each probed pixel shows its own cluster's colour.
  await page.getByTestId('layer-classes').uncheck();
  await page.getByTestId('layer-clusters').check();
  await page.mouse.move(0, 0);
  await expect(tip).toBeHidden();
  // Full opacity: the pixel is the cluster colour itself (the frame's fine texture cannot leak in).
  await page.getByTestId('opacity').fill('1');
  for (const [x, y] of probes) {
    const expected = clusterColor(idAt(x, y));
    await expect(async () => {
      const png = await page.screenshot({ clip: { x: box.x + ox + (x + 0.5) * scale, y: box.y + oy + (y + 0.5) * scale, width: 1, height: 1 } });
      const raw = await sharp(png).removeAlpha().raw().toBuffer();
      const got = [raw[0]!, raw[1]!, raw[2]!];
      for (let i = 0; i < 3; i++) expect(Math.abs(got[i]! - expected[i]!), `cluster ${idAt(x, y)} at ${x},${y}: ${got} vs ${expected.map(Math.round)}`).toBeLessThanOrEqual(3);
    }).toPass({ timeout: 15_000 });
  }
  await page.screenshot({ path: screenshotPath('player-k300') });

  // The concept view of the same run: the most common cluster above 255 has its share and its patches.
  const counts = new Map<number, number>();
  for (const id of clusterMap.ids) if (id >= 256) counts.set(id, (counts.get(id) ?? 0) + 1);
  const top = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]![0];
  await page.getByTestId('nav-concepts').click();
  const card = page.getByTestId(`concept-${top}`);
  await expect(card).toHaveCount(1, { timeout: 60_000 });
  await expect(card).toContainText(`#${top}`);
  await expect(card).not.toContainText('no patch', { timeout: 60_000 });
  await expect.poll(() => card.getByTestId('concept-patches').locator('img').count(), { timeout: 60_000 }).toBeGreaterThan(0);
  expect(Number(/([\d.]+) %/.exec((await card.locator('.concept-head').textContent()) ?? '')?.[1])).toBeGreaterThan(0);
});
