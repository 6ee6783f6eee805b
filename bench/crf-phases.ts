// npx tsx bench/crf-phases.ts — where the dense CRF's time goes, phase by phase, on one 1024×512 frame
// as bench:crf runs it (the 317×158 budget view, K = 27, 10 iterations). Every phase runs on this
// thread and is timed in CPU ms (process.cpuUsage; the minimum over BENCH_REPEATS rounds, default 5,
// so other processes on a loaded machine inflate it least). The phases the two threads split
// (crf-threads.ts: messages by labels, softmax and resampling by pixel rows) are marked; the estimate
// of a 2-thread frame is the serial phases plus the split ones' larger share (14 of 27 labels, half the
// rows) — the wall time an idle 2-core machine should show. BENCH_FRAME=<image> as in bench:crf.
import os from 'node:os';
import { REFERENCE_CRF, unaryFromCosines } from '../main/engine/refine/dense-crf.js';
import { keyLayout } from '../main/engine/refine/lattice-keys.js';
import { blurChains, blurInPlace, insertVertices, liftPacked, linkVertices } from '../main/engine/refine/permutohedral.js';
import { bilateralFeatures, buildCrfPlan, gaussianMessages, labelRanges, sliceLogits, softmaxPixels, splatPart } from '../main/engine/refine/mean-field-plan.js';
import { upsampleArgmaxRows } from '../main/engine/refine/resample.js';
import { CRF_MAX_PIXELS, crfView, resizeRgb } from '../main/engine/cause/predict-refine.js';
import { readImageRGB } from '../main/engine/datasets/frame-source.js';
import { Prng } from '../shared/random.js';

const rounds = Number(process.env.BENCH_REPEATS ?? 5);
const K = 27;
const [W, H] = [1024, 512];
let rgb: Uint8Array;
if (process.env.BENCH_FRAME) rgb = resizeRgb(await readImageRGB(process.env.BENCH_FRAME), W, H);
else {
  // bench/crf.ts's generated frame.
  const rng = new Prng(1);
  rgb = new Uint8Array(W * H * 3);
  for (let i = 0; i < W * H; i++) {
    const region = (Math.floor((i % W) / 96) + 7 * Math.floor(i / W / 80)) % K;
    for (let c = 0; c < 3; c++) rgb[i * 3 + c] = Math.max(0, Math.min(255, ((region * 53 * (c + 1)) % 220) + Math.round(6 * rng.normal())));
  }
}
const v = crfView(W, H, { x: 256, y: 0, width: 512, height: 512 }, 320, CRF_MAX_PIXELS);
const small = resizeRgb({ data: rgb, width: W, height: H }, v.width, v.height);
const n = v.width * v.height;
const rng = new Prng(2);
const cos = Float32Array.from({ length: n * K }, () => 0.3 * rng.normal());
const s = v.pixelScale;
const sxy = REFERENCE_CRF.bilateral.sxy * s;

/** Phase → [CPU ms per round], and whether the two threads split it. */
const phases = new Map<string, { split: boolean; ms: number[] }>();
function timed<T>(name: string, split: boolean, round: number, run: () => T): T {
  const c0 = process.cpuUsage();
  const r = run();
  const c = process.cpuUsage(c0);
  const p = phases.get(name) ?? { split, ms: [] };
  p.ms[round] = (p.ms[round] ?? 0) + (c.user + c.system) / 1000;
  phases.set(name, p);
  return r;
}
let vertices = 0;
for (let round = -1; round < rounds; round++) {
  const at = Math.max(0, round); // round −1 warms the JIT and is overwritten
  if (round === 0) phases.clear();
  const unary = timed('unary −log softmax(3·cos)', false, at, () => unaryFromCosines(cos, n, K, REFERENCE_CRF.unaryScale));
  const f = timed('lattice: features', false, at, () => bilateralFeatures(small, v.width, v.height, sxy, REFERENCE_CRF.bilateral.srgb));
  const layout = timed('lattice: key layout', false, at, () => keyLayout(f, 5)!);
  const keys = new Int32Array(n * 12);
  const weights = new Float32Array(n * 6);
  const offsets = new Int32Array(n * 6);
  timed('lattice: lift (elevate, simplex, keys)', false, at, () => liftPacked(f, layout, 0, n, keys, weights));
  const table = timed('lattice: insert (hash)', false, at, () => insertVertices(keys, n * 6, offsets, 2 * n));
  const neighbours = new Int32Array(6 * table.size * 2);
  timed('lattice: link neighbours (hash)', false, at, () => linkVertices(table, layout, neighbours));
  timed('lattice: blur chains', false, at, () => blurChains(neighbours, table.size, 6));
  vertices = table.size;
  const input = { rgb: small, width: v.width, height: v.height, K, unary, gaussian: { sxy: REFERENCE_CRF.gaussian.sxy * s, compat: 3 }, bilateral: { ...REFERENCE_CRF.bilateral, sxy } };
  const plan = timed('plan (lattice again + normalisation, weights, planes)', false, at, () => buildCrfPlan(input, 2));
  timed('softmax', true, at, () => softmaxPixels(plan, 0, n, true));
  for (let it = 0; it < REFERENCE_CRF.iterations; it++) {
    for (const part of plan.parts) {
      timed('splat', true, at, () => splatPart(plan, part));
      timed('blur', true, at, () => blurInPlace(part.values, part.k1 - part.k0, plan.chains, part.carry));
      timed('slice', true, at, () => sliceLogits(plan, part, part.values));
      timed('Gaussian (grid)', true, at, () => gaussianMessages(plan, part));
    }
    timed('softmax', true, at, () => softmaxPixels(plan, 0, n));
  }
  const out = { width: W, height: H, clusters: new Uint16Array(W * H), confidence: new Uint8Array(W * H) };
  timed('resample to 1024×512 + argmax', true, at, () => upsampleArgmaxRows(plan.Q, v.width, v.height, K, out, 0, H));
}
const min = (a: number[]) => Math.min(...a);
const lattice = [...phases].filter(([k]) => k.startsWith('lattice:')).reduce((a, [, p]) => a + min(p.ms), 0);
const planMs = min(phases.get('plan (lattice again + normalisation, weights, planes)')!.ms);
let serial = min(phases.get('unary −log softmax(3·cos)')!.ms) + planMs;
let total = serial;
let split = 0;
const [k0, k1] = labelRanges(K, 2)[1]!;
const larger = Math.max(k1 - k0, K - (k1 - k0)) / K;
for (const [name, p] of phases) {
  if (!p.split) continue;
  total += min(p.ms);
  split += min(p.ms) * (name.startsWith('softmax') || name.startsWith('resample') ? 0.5 : larger);
}
console.log(`${v.width}x${v.height} view, ${vertices} lattice vertices, ${K} labels; CPU ms on one thread (min of ${rounds} rounds):`);
for (const [name, p] of phases) {
  if (name.startsWith('plan')) console.log(`  ${'plan: normalisation, weights, planes'.padEnd(48)} ${(planMs - lattice).toFixed(1).padStart(7)}  ${(100 * (planMs - lattice) / total).toFixed(1).padStart(5)} %  serial`);
  else console.log(`  ${name.padEnd(48)} ${min(p.ms).toFixed(1).padStart(7)}  ${(100 * min(p.ms) / total).toFixed(1).padStart(5)} %  ${p.split ? 'split' : 'serial'}`);
}
serial = Math.round(serial);
console.log(`one thread: ${total.toFixed(0)} ms; two threads (serial ${serial} + larger share of the split ${split.toFixed(0)}): ~${(serial + split).toFixed(0)} ms`);
const env = ['BENCH_FRAME', 'BENCH_REPEATS'].filter((k) => process.env[k]).map((k) => `${k}=${process.env[k]} `).join('');
console.log(`load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} on ${os.cpus().length} cores; command: ${env}npx tsx bench/crf-phases.ts`);
