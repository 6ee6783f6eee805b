// npm run bench:crf — the dense CRF refinement of one 1024×512 frame, K = 27, the release's settings
// (10 mean-field iterations; Gaussian sxy 1 compat 3; bilateral sxy 67 srgb 3 compat 4). As `predict
// --refine crf` runs it: at the backbone's input scale (a 320-px input over the frame's 512×512 centre
// crop → 640×320), then the marginals resampled to 1024×512 and argmaxed; and, for comparison, at the
// full 1024×512. Input: a real frame (BENCH_FRAME=path to an image) or a generated one of flat colour
// regions with noise; cosines are random around a planted label map. Prints wall and CPU ms per frame
// (median of BENCH_REPEATS, default 3; BENCH_FULL=0 skips the full-resolution case) with the load average,
// and one `BENCH {json}` line.
import os from 'node:os';
import { denseCrf, REFERENCE_CRF } from '../main/engine/refine/dense-crf.js';
import { resizeRgb, upsampleArgmax } from '../main/engine/cause/predict-refine.js';
import { readImageRGB } from '../main/engine/datasets/frame-source.js';
import { Prng } from '../shared/random.js';

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

function time(run: () => void): { wall: number; cpu: number } {
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    run();
    walls.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpus.push((c.user + c.system) / 1000);
  }
  const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
  return { wall: med(walls), cpu: med(cpus) };
}

const rgb = await frame();
const results: Record<string, { wall: number; cpu: number }> = {};
// As predict --refine crf runs it: the input scale 320/512.
const [cw, ch] = [640, 320];
const small = resizeRgb({ data: rgb, width: W, height: H }, cw, ch);
const cosSmall = cosines(cw, ch);
results['input-scale 640x320 -> 1024x512'] = time(() => {
  const Q = denseCrf(cosSmall, small, cw, ch, K, REFERENCE_CRF, 1);
  upsampleArgmax(Q, cw, ch, K, W, H);
});
if (process.env.BENCH_FULL !== '0') {
  const cosFull = cosines(W, H);
  results['full 1024x512'] = time(() => denseCrf(cosFull, rgb, W, H, K, REFERENCE_CRF, 512 / 320));
}
const load = os.loadavg().map((v) => v.toFixed(1)).join(' ');
for (const [name, r] of Object.entries(results)) console.log(`${name.padEnd(34)} wall ${r.wall.toFixed(0)} ms  cpu ${r.cpu.toFixed(0)} ms per frame`);
console.log(`load average ${load} on ${os.cpus().length} cores; command: npm run bench:crf${process.env.BENCH_FRAME ? ` (BENCH_FRAME=${process.env.BENCH_FRAME})` : ''}`);
console.log(`BENCH ${JSON.stringify({ repeats, K, load, results })}`);
