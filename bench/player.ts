// bench:player — frames per second when stepping the sequence player through cached 1024×512 frames
// (the frame on the 2-D image layer + the ground-truth mask coloured by the WebGL2 palette shader) in
// headless Debian Chromium, against a real `cause-studio serve`. Target ≥ 30 fps.
//
//   npm run bench:player                 (BENCH_FRAMES=80 by default)
//   BENCH_TRACE=1 npm run bench:player   + a Chromium trace of the timed pass: ms per step by thread · event
//   BENCH_PROFILE=1 npm run bench:player + a V8 CPU profile of the page: self ms per step by function
//
// Chromium runs with the same flags as the e2e tests and ../shared/docs/environment.md
// (--no-sandbox --disable-gpu --disable-background-networking --disable-component-update --disable-sync
// --no-first-run) and nothing that tunes rendering: --disable-gpu means WebGL runs on SwiftShader (a CPU
// rasteriser) and the page is composited in software, which is what Chromium falls back to on a machine
// without a GPU anyway, so the figure is what a headless Chromium user gets here.
//
// A step: → keydown, the player draws the frame (data-rendered-frame changes), then one
// requestAnimationFrame so the frame has been through the browser's paint/commit (where the WebGL canvas
// is read back for the software compositor). Prints the figures, the command, and a final `BENCH {json}`.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import sharp from 'sharp';
import WebSocket from 'ws';
import { chromiumLaunch } from './lib/chromium.js';
import { startServe } from './lib/served-studio.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const FRAMES = Number(process.env.BENCH_FRAMES ?? 80);
const WIDTH = 1024;
const HEIGHT = 512;
/** BENCH_TRACE=1: record a Chromium trace of the timed pass and print where each frame's time went. */
const TRACE = process.env.BENCH_TRACE === '1';
/** BENCH_PROFILE=1: sample the page's JavaScript during the timed pass and print the functions that cost most. */
const PROFILE = process.env.BENCH_PROFILE === '1';

async function writeCityscapesSequence(root: string): Promise<void> {
  const imgDir = path.join(root, 'leftImg8bit', 'train', 'benchcity');
  const gtDir = path.join(root, 'gtFine', 'train', 'benchcity');
  fs.mkdirSync(imgDir, { recursive: true });
  fs.mkdirSync(gtDir, { recursive: true });
  const rgb = Buffer.alloc(WIDTH * HEIGHT * 3);
  const ids = Buffer.alloc(WIDTH * HEIGHT);
  for (let f = 0; f < FRAMES; f++) {
    const carX = Math.floor((f / FRAMES) * (WIDTH - 200));
    for (let y = 0; y < HEIGHT; y++) {
      for (let x = 0; x < WIDTH; x++) {
        const i = y * WIDTH + x;
        const car = x >= carX && x < carX + 200 && y > 260 && y < 380;
        const sky = y < 220;
        // labelIds: sky 23, road 7, car 26, building 11 on the sides.
        const building = !sky && !car && y < 260 && (x < 200 || x > WIDTH - 220);
        ids[i] = car ? 26 : sky ? 23 : building ? 11 : 7;
        const n = (x * 7 + y * 13 + f * 3) % 17;
        rgb[i * 3] = car ? 150 + n : sky ? 120 + (y >> 3) : building ? 110 + n : 80 + n;
        rgb[i * 3 + 1] = car ? 30 + n : sky ? 160 : building ? 100 + n : 78 + n;
        rgb[i * 3 + 2] = car ? 40 : sky ? 220 : building ? 90 : 82 + n;
      }
    }
    const stem = `benchcity_000000_${String(f).padStart(6, '0')}`;
    await sharp(rgb, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } })
      .png({ compressionLevel: 1 })
      .toFile(path.join(imgDir, `${stem}_leftImg8bit.png`));
    await sharp(ids, { raw: { width: WIDTH, height: HEIGHT, channels: 1 } })
      .png({ compressionLevel: 1 })
      .toFile(path.join(gtDir, `${stem}_gtFine_labelIds.png`));
  }
}


/** One contract call over the same WebSocket the renderer uses. */
function rpc(url: string): { call(method: string, args: unknown): Promise<unknown>; close(): void } {
  const ws = new WebSocket(url.replace(/^http/, 'ws').replace(/\/(\?|$)/, '/ws$1'));
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  let id = 1;
  ws.on('message', (data) => {
    const m = JSON.parse(String(data)) as {
      kind: string;
      id?: number;
      ok?: boolean;
      result?: unknown;
      error?: { message: string };
    };
    if (m.kind !== 'response' || m.id === undefined) return;
    const p = pending.get(m.id);
    pending.delete(m.id);
    if (m.ok) p?.resolve(m.result);
    else p?.reject(new Error(m.error?.message ?? 'engine error'));
  });
  return {
    async call(method, args) {
      await opened;
      const n = id++;
      return new Promise((resolve, reject) => {
        pending.set(n, { resolve, reject });
        ws.send(JSON.stringify({ kind: 'request', id: n, method, args }));
      });
    },
    close: () => ws.close(),
  };
}

// Runs in the page (as a string: the bench is type-checked without DOM typings). Steps with → and waits
// for each frame to be drawn (the canvas publishes the index it rendered last).
const STEP_SCRIPT = `async (count) => {
  const canvas = document.querySelector('[data-testid="player-canvas"]');
  const rendered = () => Number(canvas.getAttribute('data-rendered-frame'));
  const waitFor = (i) => new Promise((resolve, reject) => {
    if (rendered() === i) return resolve();
    setTimeout(() => {
      const err = document.querySelector('[data-testid="player-error"]');
      reject(new Error('frame ' + i + ' was not drawn within 20 s' + (err ? ': ' + err.textContent : '')));
    }, 20000);
    const obs = new MutationObserver(() => { if (rendered() === i) { obs.disconnect(); resolve(); } });
    obs.observe(canvas, { attributes: true, attributeFilter: ['data-rendered-frame'] });
  });
  const start = rendered();
  const times = [];
  const t0 = performance.now();
  for (let i = 1; i < count; i++) {
    const s = performance.now();
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowRight', code: 'ArrowRight', bubbles: true }));
    await waitFor(start + i);
    // Count the frame as shown once the browser has painted it.
    await new Promise((r) => requestAnimationFrame(() => r()));
    times.push(performance.now() - s);
  }
  return { totalMs: performance.now() - t0, times };
}`;

interface TraceEvent {
  readonly name: string;
  readonly ph: string;
  readonly pid: number;
  readonly tid: number;
  readonly ts: number;
  readonly dur?: number;
  readonly args?: { name?: string };
}

/**
 * Chromium tracing over CDP. The summary is per thread (renderer main, compositor, GPU, …): the sum of each
 * event name's durations divided by the number of steps, top-level work first, so it shows where a step's
 * milliseconds go (script, style/layout, paint, texture upload, the GPU process's swap).
 */
async function startTrace(page: Page): Promise<{ stopAndSummarise(steps: number): Promise<void> }> {
  const cdp = await page.context().newCDPSession(page);
  const events: TraceEvent[] = [];
  cdp.on('Tracing.dataCollected', (e) => events.push(...(e.value as unknown as TraceEvent[])));
  await cdp.send('Tracing.start', {
    transferMode: 'ReportEvents',
    traceConfig: {
      includedCategories: [
        'devtools.timeline',
        'disabled-by-default-devtools.timeline',
        'blink',
        'cc',
        'gpu',
        'viz',
        'toplevel',
        'v8',
        'blink.user_timing',
        'renderer.scheduler',
      ],
    },
  });
  return {
    async stopAndSummarise(steps) {
      const done = new Promise<void>((resolve) => cdp.once('Tracing.tracingComplete', () => resolve()));
      await cdp.send('Tracing.end');
      await done;
      const threads = new Map<string, string>();
      for (const e of events)
        if (e.ph === 'M' && e.name === 'thread_name') threads.set(`${e.pid}:${e.tid}`, e.args?.name ?? '?');
      const sums = new Map<string, number>();
      for (const e of events) {
        if (e.ph !== 'X' || e.dur === undefined) continue;
        const key = `${threads.get(`${e.pid}:${e.tid}`) ?? `${e.pid}:${e.tid}`} · ${e.name}`;
        sums.set(key, (sums.get(key) ?? 0) + e.dur / 1000);
      }
      const top = [...sums].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.BENCH_TRACE_TOP ?? 40));
      console.log(`trace: ${events.length} events; ms per step (nested events overlap their parents):`);
      for (const [k, ms] of top) console.log(`  ${(ms / steps).toFixed(2).padStart(8)}  ${k}`);
    },
  };
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { functionName: string; url: string; lineNumber: number };
  readonly children?: number[];
}

/** The V8 sampling profiler over CDP: self time per function, per step (the renderer's main thread only). */
async function startProfile(page: Page): Promise<{ stopAndSummarise(steps: number): Promise<void> }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  await cdp.send('Profiler.start');
  return {
    async stopAndSummarise(steps) {
      const { profile } = (await cdp.send('Profiler.stop')) as unknown as {
        profile: { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
      };
      const byId = new Map(profile.nodes.map((n) => [n.id, n]));
      const self = new Map<string, number>();
      profile.samples.forEach((id, i) => {
        const n = byId.get(id);
        if (n === undefined) return;
        const file = n.callFrame.url.split('/').pop() ?? '';
        const key = `${n.callFrame.functionName || '(anonymous)'} ${file}:${n.callFrame.lineNumber + 1}`;
        self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
      });
      const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.BENCH_TRACE_TOP ?? 30));
      console.log("profile: self ms per step of the page's main thread:");
      for (const [k, ms] of top) console.log(`  ${(ms / steps).toFixed(2).padStart(8)}  ${k}`);
    },
  };
}

async function main(): Promise<void> {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'renderer', 'index.html'))) {
    throw new Error('dist/renderer is missing: run `npm run build:renderer` first');
  }
  const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'bench-player-')));
  const data = path.join(tmp, 'data');
  const t0 = Date.now();
  await writeCityscapesSequence(data);
  console.log(
    `wrote ${FRAMES} frames ${WIDTH}×${HEIGHT} (+ labelIds) in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );
  const serve = await startServe({ home: path.join(tmp, 'home') });
  const browser = await chromium.launch(chromiumLaunch);
  try {
    console.log(`serve at ${serve.url}; importing…`);
    const engine = rpc(serve.url);
    const { jobId } = (await engine.call('datasets.import', {
      path: data,
      format: 'cityscapes',
      name: 'bench',
    })) as { jobId: string };
    const done = (await engine.call('jobs.wait', { id: jobId })) as { state: string; error: string | null };
    if (done.state !== 'succeeded') throw new Error(`import ${done.state}: ${done.error ?? ''}`);
    engine.close();
    console.log('imported; opening the player…');

    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.on('crash', () => console.error('the page crashed'));
    page.on('pageerror', (e) => console.error('page error:', e.message));
    await page.goto(serve.url);
    await page.getByTestId('dataset-row').first().click();
    await page.getByTestId('sequence-select').selectOption({ index: 1 });
    const canvas = page.getByTestId('player-canvas');
    await canvas.waitFor();
    const renderer = await page.evaluate(
      `(() => { const gl = document.createElement('canvas').getContext('webgl2'); const d = gl && gl.getExtension('WEBGL_debug_renderer_info'); return d ? gl.getParameter(d.UNMASKED_RENDERER_WEBGL) : String(!!gl); })()`,
    );
    await canvas.focus();
    // Ground-truth layer on (the player's default when a sequence has labels; Shift+2 toggles it), so every
    // step draws a frame and an id mask through the palette shader.
    if (!(await page.getByTestId('layer-gt').isChecked())) await page.keyboard.press('Shift+Digit2');
    if (!(await page.getByTestId('layer-gt').isChecked()))
      throw new Error('could not switch the ground-truth layer on');
    // Locator waits, not waitForFunction: the page's CSP forbids the eval that waitForFunction uses.
    await page.locator('[data-testid="player-canvas"][data-rendered-frame="0"]').waitFor({ timeout: 60_000 });
    // Warm pass: visit every frame once so all are decoded in the cache (the target is cached stepping).
    const warm = (await page.evaluate(`(${STEP_SCRIPT})(${FRAMES})`).catch(async (e: unknown) => {
      const shot = path.join(os.tmpdir(), 'bench-player-failure.png');
      await page.screenshot({ path: shot });
      throw new Error(`${(e as Error).message} (screenshot: ${shot})`);
    })) as { totalMs: number };
    await page.keyboard.press('Digit0');
    await page.locator('[data-testid="player-canvas"][data-rendered-frame="0"]').waitFor({ timeout: 60_000 });
    const trace = TRACE ? await startTrace(page) : null;
    const profile = PROFILE ? await startProfile(page) : null;
    const hot = (await page.evaluate(`(${STEP_SCRIPT})(${FRAMES})`)) as { totalMs: number; times: number[] };
    if (trace !== null) await trace.stopAndSummarise(FRAMES - 1);
    if (profile !== null) await profile.stopAndSummarise(FRAMES - 1);
    const shot = path.join(os.tmpdir(), 'bench-player.png');
    await page.screenshot({ path: shot });
    // The same pass with the ground-truth layer off: the frame alone (the mask layer does no GL work).
    await page.keyboard.press('Shift+Digit2');
    if (await page.getByTestId('layer-gt').isChecked())
      throw new Error('could not switch the ground-truth layer off');
    await page.keyboard.press('Digit0');
    await page.locator('[data-testid="player-canvas"][data-rendered-frame="0"]').waitFor({ timeout: 60_000 });
    const imageOnly = (await page.evaluate(`(${STEP_SCRIPT})(${FRAMES})`)) as {
      totalMs: number;
      times: number[];
    };
    const imageOnlyFps = (imageOnly.times.length / imageOnly.totalMs) * 1000;
    const steps = hot.times.length;
    const fps = (steps / hot.totalMs) * 1000;
    const sorted = [...hot.times].sort((a, b) => a - b);
    const p50 = sorted[Math.floor(steps * 0.5)]!;
    const p95 = sorted[Math.floor(steps * 0.95)]!;
    const coldFps = ((FRAMES - 1) / warm.totalMs) * 1000;
    console.log(`command: npm run bench:player (BENCH_FRAMES=${FRAMES})`);
    console.log(`chromium WebGL: ${String(renderer)}`);
    console.log(
      `cached stepping: ${fps.toFixed(1)} frames/s over ${steps} steps (p50 ${p50.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms per frame)`,
    );
    console.log(`first pass (loading from serve): ${coldFps.toFixed(1)} frames/s`);
    console.log(`cached stepping, image layer only: ${imageOnlyFps.toFixed(1)} frames/s`);
    console.log(`target ≥ 30 frames/s: ${fps >= 30 ? 'met' : 'NOT met'}`);
    console.log(`screenshot of the last frame (image + GT): ${shot}`);
    console.log(
      `BENCH ${JSON.stringify({
        bench: 'player',
        frames: FRAMES,
        width: WIDTH,
        height: HEIGHT,
        layers: ['image', 'gt'],
        fps: Number(fps.toFixed(1)),
        p50Ms: Number(p50.toFixed(2)),
        p95Ms: Number(p95.toFixed(2)),
        firstPassFps: Number(coldFps.toFixed(1)),
        imageOnlyFps: Number(imageOnlyFps.toFixed(1)),
        target: 30,
        webgl: String(renderer),
      })}`,
    );
  } finally {
    await browser.close();
    await serve.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
