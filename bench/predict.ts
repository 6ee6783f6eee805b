// npm run bench:predict — the per-pixel half of `predict` for one frame: a CAUSE teacher's embedding on
// the feature grid → cluster ids and confidences at the frame's size (bilinear upsampling with half-pixel
// centres, cosine to K unit centroids, argmax, max softmax(3·cos)). Two ways in the same run, same inputs:
//   * `upsample` — the explicit path (the embedding upsampled band by band in tfjs, normalised, matMul with
//     the centroids, then argmax/softmax in JS): what `predict` did before, and what `cosines()` still
//     does for the dense CRF;
//   * `grid dots` — Predictor.predict: the same quantities from grid-level dots (cause/upsample-argmax.ts).
// Default: a 1024×512 frame from a 23×46 grid (ViT-S/14 features of a 322×644 input), r = 90 (the head's
// output), K = 27, the whole frame as the region. Env: BENCH_SIZE=WxH, BENCH_GRID=hxw, BENCH_REPEATS
// (median, default 5). The head's forward on the grid is not timed (it is the same in both). Prints wall
// and CPU ms per frame and the load average, then one `BENCH {json}` line.
import { initTfBackend } from '../main/engine/tf/backend.js';
import { Predictor } from '../main/engine/cause/predict.js';
import { Prng } from '../shared/random.js';
import { uptime } from './lib/machine.js';

const [W, H] = (process.env.BENCH_SIZE ?? '1024x512').split('x').map(Number) as [number, number];
const [gh, gw] = (process.env.BENCH_GRID ?? '23x46').split('x').map(Number) as [number, number];
const repeats = Number(process.env.BENCH_REPEATS ?? 5);
const r = 90;
const K = 27;

function time(f: () => void): { wall: number; cpu: number } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  f();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1000 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const backend = (await initTfBackend('wasm')).name;
  const rng = new Prng(3);
  const grid = Float32Array.from(rng.normalArray(gh * gw * r));
  // A k-means model over r-dim inputs has exactly the per-pixel path of a CAUSE model on its teacher's output.
  const p = new Predictor({ method: 'kmeans', grid: { h: gh, w: gw }, dim: r, clusters: K, centroids: Float32Array.from(rng.normalArray(K * r)) });
  const explicit = () => {
    const cos = p.cosines(grid, gh, gw, r, W, H);
    const ids = new Uint16Array(W * H);
    const conf = new Uint8Array(W * H);
    for (let i = 0; i < W * H; i++) {
      let best = 0;
      for (let k = 1; k < K; k++) if (cos[i * K + k]! > cos[i * K + best]!) best = k;
      let z = 0;
      for (let k = 0; k < K; k++) z += Math.exp(3 * (cos[i * K + k]! - cos[i * K + best]!));
      ids[i] = best;
      conf[i] = Math.round(255 / z);
    }
    return ids;
  };
  const fast = () => p.predict(grid, gh, gw, r, W, H).clusters;
  // Warm both, and check they agree before timing them.
  const a = explicit();
  const b = fast();
  let differ = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) differ++;
  const rows: Record<string, { wall: number; cpu: number }> = {};
  for (const [name, f] of [['upsample', explicit], ['grid dots', fast]] as const) {
    const runs = Array.from({ length: repeats }, () => time(() => void f()));
    rows[name] = { wall: median(runs.map((x) => x.wall)), cpu: median(runs.map((x) => x.cpu)) };
  }
  console.log(`predict, per-pixel half: ${W}×${H} from a ${gh}×${gw} grid, r = ${r}, K = ${K}, tfjs ${backend}; median of ${repeats}`);
  for (const [name, v] of Object.entries(rows)) console.log(`  ${name.padEnd(10)} ${v.wall.toFixed(0).padStart(6)} ms wall  ${v.cpu.toFixed(0).padStart(6)} ms CPU`);
  console.log(`  speed-up ${(rows.upsample!.wall / rows['grid dots']!.wall).toFixed(1)}× wall; ids differing: ${differ} of ${a.length} (float-rounding ties)`);
  console.log(`  ${uptime()}`);
  console.log(`  command: BENCH_SIZE=${W}x${H} BENCH_GRID=${gh}x${gw} BENCH_REPEATS=${repeats} npm run bench:predict`);
  console.log(`BENCH ${JSON.stringify({ bench: 'predict', size: [W, H], grid: [gh, gw], r, K, rows, differ, load: uptime() })}`);
  p.dispose();
}

void main();
