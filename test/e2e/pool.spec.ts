// The Pool view against `cause-studio serve --queue redis://…` and a real `cause-studio worker`: the
// feature extraction a new run starts waits in the queue while no worker is connected (the view says so
// and counts the waiting shard), then a worker starts, appears in the view, and the shard shows as
// finished by it — all without reloading the page. A second studio without --queue shows the
// "no queue" state and sets, uses and clears the workspace setting from the view.
import { expect, test } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { redisServerAvailable, startRedis, type TestRedis } from '../../bench/lib/redis-server.js';
import { writeFrameFolder } from './fixtures.js';
import { makeHome, REPO_ROOT, screenshotPath, startServe, type ServedStudio } from './serve.js';

const WORKER = 'e2e-worker';
let redis: TestRedis | undefined;
let studio: ServedStudio | undefined;
let plain: ServedStudio | undefined;
let worker: ChildProcess | undefined;
let workerOut = '';
let framesDir: string;

test.skip(!redisServerAvailable(), 'redis-server is not installed (scripts/install-system-packages.sh installs it)');

test.beforeAll(async () => {
  redis = await startRedis();
  framesDir = path.join(makeHome('cause-e2e-pool-frames-'), 'drive_a');
  await writeFrameFolder(framesDir, 12, 128, 64);
  // The global --queue after the subcommand: `serve --queue URL`.
  studio = await startServe({ args: ['--queue', redis.url] });
});

test.afterAll(async () => {
  if (worker && worker.exitCode === null) {
    const exited = new Promise((r) => worker!.once('exit', r));
    worker.kill('SIGKILL');
    await exited;
  }
  await studio?.stop();
  await plain?.stop();
  await redis?.stop();
});

/** The built CLI's worker, serving the studio's workspace and the frames' folder. */
function startWorker(queue: string, workspace: string): ChildProcess {
  const child = spawn(
    process.execPath,
    [path.join(REPO_ROOT, 'bin', 'cause-studio.js'), '--workspace', workspace, '--queue', queue, 'worker', '--name', WORKER, '--root', path.dirname(framesDir)],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout!.on('data', (b: Buffer) => (workerOut += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (workerOut += b.toString()));
  return child;
}

test('a features job waits for the pool, a worker joins, and its shard shows finished by that worker', async ({ page }) => {
  test.setTimeout(8 * 60_000);
  await page.goto(studio!.url);
  await expect(page.getByTestId('connection-state')).toHaveText('engine');

  // The pool, before any worker: the launch queue, connected, nobody to run tasks.
  await page.getByTestId('nav-pool').click();
  await expect(page.getByTestId('pool-queue')).toHaveText(redis!.url);
  await expect(page.getByTestId('pool-source')).toContainText('--queue');
  await expect(page.getByTestId('pool-connected')).toHaveText('connected');
  await expect(page.getByTestId('pool-no-workers')).toBeVisible();
  await expect(page.getByTestId('pool-worker-count')).toHaveText('0');

  // A dataset, then a run: its feature extraction goes to the queue.
  await page.getByTestId('nav-datasets').click();
  await page.getByTestId('open-import').click();
  await page.getByTestId('import-path').fill(framesDir);
  await page.getByTestId('import-format').selectOption('folder');
  await page.getByTestId('import-submit').click();
  await expect(page.getByTestId('import-open')).toBeVisible({ timeout: 60_000 });
  await page.getByTestId('import-open').click();
  await expect(page.getByTestId('dataset-row')).toHaveCount(1);
  await page.getByTestId('nav-experiments').click();
  await page.getByTestId('new-run').click();
  await page.getByTestId('run-preset').selectOption('fast');
  await page.getByTestId('start-run').click();

  // Live in the Pool view: the shard task waits, the studio's features job is listed.
  await page.getByTestId('nav-pool').click();
  await expect.poll(async () => Number(await page.getByTestId('pool-count-waiting').textContent()), { timeout: 60_000 }).toBeGreaterThan(0);
  await expect(page.locator('[data-testid="pool-job"][data-job-kind="features.extract"]')).toBeVisible();
  await page.screenshot({ path: screenshotPath('pool-waiting') });

  // A worker joins: it is listed, takes the shard, and the view shows it done by that worker.
  worker = startWorker(redis!.url, studio!.home);
  const row = page.locator(`[data-testid="pool-worker-row"][data-worker="${WORKER}"]`);
  await expect(row, workerOut).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('pool-worker-count')).toHaveText('1');
  const done = page.locator(`[data-testid="pool-recent-row"][data-kind="features.shard"][data-task-state="completed"][data-worker="${WORKER}"]`);
  await expect(done.first(), workerOut).toBeVisible({ timeout: 180_000 });
  await expect(page.getByTestId('pool-count-waiting')).toHaveText('0');
  await expect.poll(async () => Number(await page.getByTestId('pool-count-completed').textContent())).toBeGreaterThan(0);
  await expect(page.getByTestId('pool-count-failed')).toHaveText('0');
  // Finished, the worker is idle again and the studio's features job is no longer running.
  await expect(row).toHaveAttribute('data-running', '0');
  await expect(page.locator('[data-testid="pool-job"][data-job-kind="features.extract"]')).toHaveCount(0, { timeout: 60_000 });
  await page.screenshot({ path: screenshotPath('pool-finished') });
  expect(workerOut).toMatch(/\(features\.shard\) started/);
});

test('without --queue: the "no queue" state, then the workspace setting set from the view, then cleared', async ({ page }) => {
  test.setTimeout(3 * 60_000);
  plain = await startServe();
  await page.goto(plain.url);
  await expect(page.getByTestId('connection-state')).toHaveText('engine');
  await page.getByTestId('nav-pool').click();
  await expect(page.getByTestId('pool-none')).toBeVisible();

  // A URL that is not Redis is refused where it is typed.
  await page.getByTestId('pool-queue-input').fill('http://127.0.0.1:6379');
  await page.getByTestId('pool-queue-save').click();
  await expect(page.getByTestId('pool-setting-error')).toContainText("'http:' is not redis");
  await expect(page.getByTestId('pool-none')).toBeVisible();

  await page.getByTestId('pool-queue-input').fill(redis!.url);
  await page.getByTestId('pool-queue-save').click();
  await expect(page.getByTestId('pool-queue')).toHaveText(redis!.url);
  await expect(page.getByTestId('pool-source')).toHaveText('workspace setting');
  await expect(page.getByTestId('pool-connected')).toHaveText('connected');
  await expect(page.getByTestId('pool-queue-input')).toHaveValue('');
  // The first test's worker is still connected to the same Redis: this studio sees it too.
  if (worker && worker.exitCode === null) await expect(page.locator(`[data-testid="pool-worker-row"][data-worker="${WORKER}"]`)).toBeVisible();
  await page.screenshot({ path: screenshotPath('pool-setting') });

  await page.getByTestId('pool-queue-clear').click();
  await expect(page.getByTestId('pool-none')).toBeVisible();
});
