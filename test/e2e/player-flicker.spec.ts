// The player's flicker map (issue 18): a k-means run's cluster maps of a small SynthDrive sequence,
// prepared through the CLI; in the player the flicker layer marks the pixels whose cluster changed since
// the previous frame — nothing on the first frame, the exact count of changed pixels on the next, drawn
// over the stage in the flicker colour.
import { expect, test } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { makeHome, REPO_ROOT, screenshotPath, startServe, type ServedStudio } from './serve.js';

let studio: ServedStudio;
let home: string;

function cli(args: string[]): unknown {
  const r = spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin', 'cause-studio.js'), '--json', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, CAUSE_STUDIO_HOME: home },
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`cause-studio ${args.join(' ')} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout);
}

test.beforeAll(async () => {
  test.setTimeout(10 * 60_000);
  home = makeHome('cause-e2e-flicker-');
  const out = path.join(home, 'synthdrive');
  cli(['synth', '--out', out, '--sequences', '1', '--frames', '3', '--size', '128x64', '--seed', '3']);
  cli(['import', out, '--format', 'cityscapes', '--name', 'flicker']);
  const trained = cli(['train', '--dataset', 'flicker', '--backbone', 'rgb', '--method', 'kmeans', '--clusters', '6', '--seed', '1']) as {
    experimentId?: string;
    id?: string;
  };
  cli(['predict', '--experiment', trained.experimentId ?? trained.id ?? '']);
  studio = await startServe({ home });
});

test.afterAll(async () => {
  await studio?.stop();
});

test('the flicker layer marks the pixels whose cluster changed since the previous frame', async ({ page }) => {
  await page.goto(studio.url);
  await page.getByTestId('nav-experiments').click();
  await page.getByTestId('run-row').first().click();
  await page.getByTestId('nav-datasets').click();
  await page.getByTestId('dataset-row').first().click();
  const seq = page.getByTestId('sequence-select');
  await seq.selectOption({ index: 1 });
  const stage = page.getByTestId('player-canvas');
  await expect(stage).toHaveAttribute('data-rendered-frame', '0');

  await page.getByTestId('layer-flicker').check();
  const flicker = page.getByTestId('flicker-canvas');
  await expect(page.getByTestId('flicker-caption')).toContainText('First frame');
  await expect(flicker).toHaveAttribute('data-changed', '0');

  await stage.focus();
  await page.keyboard.press('ArrowRight');
  await expect(stage).toHaveAttribute('data-rendered-frame', '1');
  await expect(flicker).toHaveAttribute('data-flicker-frame', '1');
  await expect(page.getByTestId('flicker-caption')).toContainText('% of pixels changed cluster since the previous frame');
  const changed = Number(await flicker.getAttribute('data-changed'));
  // the camera drives forward: some pixels change cluster, most do not
  expect(changed).toBeGreaterThan(0);
  expect(changed).toBeLessThan(128 * 64);
  // the overlay really draws them: pixels in the flicker colour (magenta) on the canvas
  const marked = await flicker.evaluate((c: HTMLCanvasElement) => {
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i]! > 200 && d[i + 1]! < 100 && d[i + 2]! > 120 && d[i + 3]! > 0) n++;
    return n;
  });
  expect(marked).toBeGreaterThan(0);
  await page.screenshot({ path: screenshotPath('player-flicker') });

  // off again: the overlay goes away
  await page.getByTestId('layer-flicker').uncheck();
  await expect(page.getByTestId('flicker-canvas')).toHaveCount(0);
});
