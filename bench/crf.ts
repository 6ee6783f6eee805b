// npm run bench:crf — the dense CRF refinement (`predict --refine crf`) of one 1024×512 frame, K = 27, the
// release's settings (10 mean-field iterations; Gaussian sxy 1 compat 3; bilateral sxy 67 srgb 3 compat 4),
// as predictWithCrf runs it: a 640×320 input-scale view (a 320-px input over the frame's 512×512 centre
// crop) brought within the CRF's pixel budget (CRF_MAX_PIXELS, 224×224: 317×158, σs scaled), lattice
// built, 10 iterations on 2 threads (and on 1, for comparison), marginals resampled to 1024×512 and
// argmaxed (split over the same threads, as predictWithCrf does). Input: a real frame (BENCH_FRAME=path to an image) or a generated one of flat
// colour regions with noise (noise makes the lattice large: a worst case); cosines are random around a
// planted label map. Prints wall and CPU ms per frame (median of BENCH_REPEATS, default 3) with the
// load average. BENCH_INPUT_SCALE=1 also times the 640×320 view without the budget; BENCH_SPEED=0 skips timing.
// With BENCH_WS=<a `cause-studio demo` workspace> it also measures CRF on/off (bench/crf-quality.ts):
// present-class mIoU of the demo's CAUSE-MLP and k-means runs on its held-out val world
// (BENCH_EVERY=n scores every n-th labelled frame, default 1; BENCH_CRF_PIXELS=n overrides the CRF's pixel
// budget, to see what the budget costs). Ends with one `BENCH {json}` line.
import os from 'node:os';
import { REFERENCE_CRF, unaryFromCosines } from '../main/engine/refine/dense-crf.js';
import { refineThreaded, stopCrfHelper } from '../main/engine/refine/crf-threads.js';
import { buildCrfPlan } from '../main/engine/refine/mean-field-plan.js';
import { CRF_MAX_PIXELS, crfView, resizeRgb } from '../main/engine/cause/predict-refine.js';
import { readImageRGB } from '../main/engine/datasets/frame-source.js';
import { initTfBackend } from '../main/engine/tf/backend.js';
import { Prng } from '../shared/random.js';
import { crfOnOff } from './crf-quality.js';

const repeats = Number(process.env.BENCH_REPEATS ?? 3);
const K = 27;
const [W, H] = [1024, 512];

async function frame(): Promise<Uint8Array> {
  const file = process.env.BENCH_FRAME;
  if (file) {
    const img = await readImageRGB(file);
    return img.width === W && img.height === H ? img.data : resizeRgb(img, W, H);
  }
  const rng = new Prng(1);
  const rgb = new Uint8Array(W * H * 3);
  for (let i = 0; i < W * H; i++) {
    const region = (Math.floor((i % W) / 96) + 7 * Math.floor(i / W / 80)) % K;
    for (let c = 0; c < 3; c++) rgb[i * 3 + c] = Math.max(0, Math.min(255, ((region * 53 * (c + 1)) % 220) + Math.round(6 * rng.normal())));
  }
  return rgb;
}

function cosines(w: number, h: number): Float32Array {
  const rng = new Prng(2);
  const cos = new Float32Array(w * h * K);
  for (let i = 0; i < w * h; i++) {
    const label = (Math.floor(((i % w) * W) / w / 96) + 7 * Math.floor((Math.floor(i / w) * H) / h / 80)) % K;
    for (let k = 0; k < K; k++) cos[i * K + k] = (k === label ? 0.25 : 0) + 0.3 * rng.normal();
  }
  return cos;
}

interface Timing {
  wall: number;
  /** CPU of the whole process (both threads when the helper runs). */
  cpu: number;
}

async function time(run: () => Promise<void>): Promise<Timing> {
  await run(); // warm-up: JIT and the helper thread's start
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await run();
    walls.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpus.push((c.user + c.system) / 1000);
  }
  const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
  return { wall: med(walls), cpu: med(cpus) };
}

const rgb = await frame();
const results: Record<string, Timing> = {};
const region = { x: 256, y: 0, width: 512, height: 512 };
const views: [string, number][] = process.env.BENCH_SPEED === '0' ? [] : [['budget', CRF_MAX_PIXELS]];
if (process.env.BENCH_INPUT_SCALE === '1') views.push(['input scale', Infinity]);
let vertices = 0;
for (const [label, maxPixels] of views) {
  const v = crfView(W, H, region, 320, maxPixels);
  const small = resizeRgb({ data: rgb, width: W, height: H }, v.width, v.height);
  const cos = cosines(v.width, v.height);
  const s = v.pixelScale;
  const input = () => ({
    rgb: small,
    width: v.width,
    height: v.height,
    K,
    unary: unaryFromCosines(cos, v.width * v.height, K, REFERENCE_CRF.unaryScale),
    gaussian: { sxy: REFERENCE_CRF.gaussian.sxy * s, compat: REFERENCE_CRF.gaussian.compat },
    bilateral: { ...REFERENCE_CRF.bilateral, sxy: REFERENCE_CRF.bilateral.sxy * s },
  });
  vertices = buildCrfPlan(input(), 1).vertices;
  for (const threads of [2, 1]) {
    results[`${label} ${v.width}x${v.height} -> ${W}x${H}, ${threads} thread${threads > 1 ? 's' : ''}`] = await time(async () => {
      await refineThreaded(input(), REFERENCE_CRF.iterations, W, H, threads);
    });
  }
}
await stopCrfHelper();
const load = os.loadavg().map((x) => x.toFixed(1)).join(' ');
if (vertices) console.log(`lattice: ${vertices} vertices for the budget view`);
for (const [name, r] of Object.entries(results)) console.log(`${name.padEnd(44)} wall ${r.wall.toFixed(0)} ms  cpu ${r.cpu.toFixed(0)} ms per frame`);

let onOff: Awaited<ReturnType<typeof crfOnOff>> | null = null;
const ws = process.env.BENCH_WS;
if (ws) {
  await initTfBackend('wasm');
  onOff = await crfOnOff(ws, Number(process.env.BENCH_EVERY ?? 1), process.env.BENCH_CRF_PIXELS ? Number(process.env.BENCH_CRF_PIXELS) : undefined);
  await stopCrfHelper();
  console.log(`\nCRF on/off, present-class mIoU on the held-out val world (${onOff.frames} frames at ${onOff.size}):`);
  const byMethod = new Map<string, typeof onOff.rows>();
  for (const r of onOff.rows) {
    byMethod.set(r.method, [...(byMethod.get(r.method) ?? []), r]);
    console.log(`  ${r.method.padEnd(10)} seed ${r.seed}  off ${(100 * r.plain).toFixed(1)}  on ${(100 * r.crf).toFixed(1)}  Δ ${(100 * (r.crf - r.plain)).toFixed(2)}  (${(1000 * r.crfSecondsPerFrame).toFixed(0)} ms/frame with CRF)`);
  }
  for (const [m, rs] of byMethod) {
    const d = rs.map((r) => 100 * (r.crf - r.plain));
    const mean = d.reduce((a, b) => a + b, 0) / d.length;
    const sd = Math.sqrt(d.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, d.length - 1));
    const avg = (f: (r: (typeof rs)[number]) => number) => (100 * rs.reduce((a, r) => a + f(r), 0)) / rs.length;
    console.log(`  ${m.padEnd(10)} mean over ${rs.length} seeds: off ${avg((r) => r.plain).toFixed(1)}  on ${avg((r) => r.crf).toFixed(1)}  Δ ${mean.toFixed(2)} ± ${sd.toFixed(2)}`);
  }
}
const env = ['BENCH_FRAME', 'BENCH_REPEATS', 'BENCH_INPUT_SCALE', 'BENCH_SPEED', 'BENCH_WS', 'BENCH_EVERY', 'BENCH_CRF_PIXELS', 'CAUSE_CRF_THREADS'].filter((k) => process.env[k]).map((k) => `${k}=${process.env[k]} `).join('');
console.log(`load average ${load} on ${os.cpus().length} cores; command: ${env}npm run bench:crf`);
console.log(`BENCH ${JSON.stringify({ repeats, K, load, vertices, results, onOff })}`);
