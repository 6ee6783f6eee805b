// The player's two layers together on a labelled (Cityscapes-layout) sequence: the frame on the 2-D
// canvas and the ground truth from the WebGL mask layer must line up pixel for pixel under fit and zoom,
// toggling the GT layer must leave the bare frame, and hover must name the class under the pointer.
import { expect, test, type Page } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { makeHome, screenshotPath, startServe, type ServedStudio } from './serve.js';

const W = 256;
const H = 128;
const FRAMES = 3;
type Rgb = [number, number, number];
// Flat colours so a screenshot pixel can be checked exactly; labelIds of the Cityscapes layout.
const SKY = { id: 23, rgb: [120, 160, 220] as Rgb, color: [70, 130, 180] as Rgb, name: 'sky' };
const ROAD = { id: 7, rgb: [80, 78, 82] as Rgb, color: [128, 64, 128] as Rgb, name: 'road' };
const CAR = { id: 26, rgb: [150, 30, 40] as Rgb, color: [0, 0, 142] as Rgb, name: 'car' };
const carX = (f: number) => 20 + f * 40;
const at = (f: number, x: number, y: number) =>
  y < 56 ? SKY : x >= carX(f) && x < carX(f) + 60 && y >= 70 && y < 100 ? CAR : ROAD;

let studio: ServedStudio;
let root: string;

test.beforeAll(async () => {
  root = path.join(makeHome('cause-e2e-layers-'), 'city');
  const imgDir = path.join(root, 'leftImg8bit', 'train', 'layercity');
  const gtDir = path.join(root, 'gtFine', 'train', 'layercity');
  fs.mkdirSync(imgDir, { recursive: true });
  fs.mkdirSync(gtDir, { recursive: true });
  for (let f = 0; f < FRAMES; f++) {
    const rgb = Buffer.alloc(W * H * 3);
    const ids = Buffer.alloc(W * H);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const c = at(f, x, y);
        rgb.set(c.rgb, (y * W + x) * 3);
        ids[y * W + x] = c.id;
      }
    }
    const stem = `layercity_000000_${String(f).padStart(6, '0')}`;
    await sharp(rgb, { raw: { width: W, height: H, channels: 3 } })
      .png()
      .toFile(path.join(imgDir, `${stem}_leftImg8bit.png`));
    await sharp(ids, { raw: { width: W, height: H, channels: 1 } })
      .png()
      .toFile(path.join(gtDir, `${stem}_gtFine_labelIds.png`));
  }
  studio = await startServe();
});

test.afterAll(async () => {
  await studio?.stop();
});

async function openPlayer(page: Page): Promise<void> {
  await page.goto(studio.url);
  await page.getByTestId('open-import').click();
  await page.getByTestId('import-path').fill(root);
  await page.getByTestId('import-format').selectOption('cityscapes');
  await page.getByTestId('import-submit').click();
  await expect(page.getByTestId('import-open')).toBeVisible({ timeout: 60_000 });
  await page.getByTestId('import-open').click();
  await page.getByTestId('dataset-row').first().click();
  const seq = page.getByTestId('sequence-select');
  await expect(seq.locator('option')).toHaveCount(2);
  await seq.selectOption({ index: 1 });
  await expect(page.getByTestId('player-canvas')).toHaveAttribute('data-rendered-frame', '0');
}

/** Hovers a stage point; returns the frame pixel and GT class the tooltip names there, and the screen colour. */
async function probe(
  page: Page,
  sx: number,
  sy: number,
): Promise<{ px: number; py: number; gt: string; screen: Rgb }> {
  const canvas = page.getByTestId('player-canvas');
  const box = (await canvas.boundingBox())!;
  await page.mouse.move(box.x + sx, box.y + sy);
  const tip = page.getByTestId('player-tooltip');
  await expect(tip).toBeVisible();
  const text = (await tip.textContent()) ?? '';
  const m = /x (\d+), y (\d+)GT: (\w+)/.exec(text.replace(/\s+/g, ' ').replace(/ GT/, 'GT'));
  if (m === null) throw new Error(`unexpected tooltip: ${text}`);
  // Move away before the screenshot so the tooltip does not cover the pixel.
  await page.mouse.move(0, 0);
  await expect(tip).toBeHidden();
  const png = await page.screenshot({ clip: { x: box.x + sx, y: box.y + sy, width: 1, height: 1 } });
  const raw = await sharp(png).removeAlpha().raw().toBuffer();
  return { px: Number(m[1]), py: Number(m[2]), gt: m[3]!, screen: [raw[0]!, raw[1]!, raw[2]!] };
}

const blend = (img: Rgb, color: Rgb, a: number): Rgb => img.map((v, i) => v * (1 - a) + color[i]! * a) as Rgb;

function expectColour(actual: Rgb, expected: Rgb, what: string): void {
  for (let i = 0; i < 3; i++)
    expect(
      Math.abs(actual[i]! - expected[i]!),
      `${what}: ${actual} vs ${expected.map(Math.round)}`,
    ).toBeLessThanOrEqual(3);
}

test('frame and ground-truth layers line up under fit and zoom; toggling GT leaves the bare frame', async ({
  page,
}) => {
  await openPlayer(page);
  const canvas = page.getByTestId('player-canvas');
  await expect(page.getByTestId('layer-gt')).toBeChecked();
  const opacity = Number(await page.getByTestId('opacity').inputValue());
  const box = (await canvas.boundingBox())!;
  // Fit: the frame is centred and fills the stage's width or height.
  const scale = Math.min(box.width / W, box.height / H);
  const ox = (box.width - W * scale) / 2;
  const oy = (box.height - H * scale) / 2;
  const onScreen = (x: number, y: number): [number, number] => [
    ox + (x + 0.5) * scale,
    oy + (y + 0.5) * scale,
  ];

  for (const [x, y] of [
    [128, 20],
    [carX(0) + 30, 85],
    [200, 110],
  ] as const) {
    const p = await probe(page, ...onScreen(x, y));
    const truth = at(0, p.px, p.py);
    expect(Math.abs(p.px - x)).toBeLessThanOrEqual(1);
    expect(p.gt).toBe(truth.name);
    expectColour(p.screen, blend(truth.rgb, truth.color, opacity), `GT over frame at (${p.px}, ${p.py})`);
  }

  // Step to frame 2: the car moved, and both layers moved with it.
  await canvas.focus();
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await expect(canvas).toHaveAttribute('data-rendered-frame', '2');
  const car2 = await probe(page, ...onScreen(carX(2) + 30, 85));
  expect(car2.gt).toBe('car');
  expectColour(car2.screen, blend(CAR.rgb, CAR.color, opacity), 'car on frame 2');

  // Zoomed in: whatever frame pixel the pointer is over, the screen shows that pixel's frame colour under
  // its GT colour — the 2-D and WebGL layers share the geometry.
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.wheel(0, -400);
  for (const [sx, sy] of [
    [box.width * 0.1, box.height * 0.5],
    [box.width * 0.5, box.height * 0.62],
    [box.width * 0.8, box.height * 0.2],
  ] as const) {
    const p = await probe(page, sx, sy);
    const truth = at(2, p.px, p.py);
    expect(p.gt).toBe(truth.name);
    expectColour(
      p.screen,
      blend(truth.rgb, truth.color, opacity),
      `zoomed, at frame pixel (${p.px}, ${p.py})`,
    );
  }
  const zoomedLeft = await probe(page, box.width * 0.1, box.height * 0.5);
  expect(zoomedLeft.px).toBeGreaterThan(Math.round((box.width * 0.1 - ox) / scale + 10));

  // GT off: the bare frame.
  await page.keyboard.press('z');
  await page.keyboard.press('Shift+Digit2');
  await expect(page.getByTestId('layer-gt')).not.toBeChecked();
  const bare = await probe(page, ...onScreen(carX(2) + 30, 85));
  expectColour(bare.screen, CAR.rgb, 'frame without GT');
  await page.screenshot({ path: screenshotPath('player-layers') });
});
