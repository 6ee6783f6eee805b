// npm run bench:eval — evaluation speed.
//  1. Re-scoring one mapping edit from a stored K×C histogram (C = 27), K up to 300: target < 5 ms.
//     Also the Hungarian proposal and the full report (per-class rows, categories, worst frames).
//  2. Evaluating a 500-frame dataset at reference geometry: reading each frame's cluster-map PNG and
//     label PNG with the same readers the eval worker uses, sampling both to the 320×320 reference crop
//     and accumulating the histogram (target < 20 s). Frames are written once to a temp folder first.
// Usage: npx tsx bench/eval.ts [--frames 500] [--size 1024x512] [--clusters 27]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import { hungarianMapping, majorityMapping, scoreHistogram } from '../shared/metrics/confusion.js';
import { buildEvalReport } from '../shared/metrics/report.js';
import { getBuiltinProtocol } from '../shared/protocols/builtin.js';
import { readLabelMap } from '../main/engine/datasets/frame-source.js';
import { encodeClusterPng, readClusterPng } from '../main/engine/eval/cluster-png.js';
import { HistogramBuilder } from '../main/engine/eval/histogram.js';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : def;
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const cs27 = getBuiltinProtocol('cityscapes-27')!;
const C = cs27.classNames.length;
const rand = mulberry32(1);
const results: Record<string, number> = {};

console.log(`# bench:eval  (node ${process.version}, ${os.cpus().length} cpus)  command: npx tsx bench/eval.ts ${process.argv.slice(2).join(' ')}`);
console.log('\n## 1. re-score from a stored histogram (C = 27)');
for (const K of [27, 100, 300]) {
  // A realistic histogram: each cluster concentrates on one or two classes, with a long tail.
  const hist = new Float64Array(K * C);
  for (let k = 0; k < K; k++) {
    const main = Math.floor(rand() * C);
    for (let t = 0; t < C; t++) hist[k * C + t] = Math.floor(rand() * 2000);
    hist[k * C + main] = hist[k * C + main]! + Math.floor(rand() * 5e6);
  }
  const frames = Array.from({ length: 500 }, (_, i) => ({ frameId: `f${i}`, name: `f${i}`, hist: hist.map((v) => Math.floor(v / 500)) }));
  const mapping = hungarianMapping(hist, K, C);
  const edit = Int32Array.from(mapping);
  const scoreMs: number[] = [];
  const hungMs: number[] = [];
  const reportMs: number[] = [];
  const reportFramesMs: number[] = [];
  for (let rep = 0; rep < 50; rep++) {
    edit[rep % K] = rep % C; // one mapping edit
    let t = performance.now();
    scoreHistogram(hist, K, C, edit);
    scoreMs.push(performance.now() - t);
    t = performance.now();
    buildEvalReport({
      histogramId: 'h', experimentId: 'e', datasetId: 'd', protocolId: cs27.id, geometry: 'reference',
      classNames: cs27.classNames, categories: cs27.categories, K, histogram: hist, mapping: edit,
      mappingId: null, mappingMethod: 'manual', mappingName: 'edit', frameCount: 500, worstFrames: 0,
    });
    reportMs.push(performance.now() - t);
    if (rep < 10) {
      t = performance.now();
      buildEvalReport({
        histogramId: 'h', experimentId: 'e', datasetId: 'd', protocolId: cs27.id, geometry: 'reference',
        classNames: cs27.classNames, categories: cs27.categories, K, histogram: hist, mapping: edit,
        mappingId: null, mappingMethod: 'manual', mappingName: 'edit', frames, frameCount: 500, worstFrames: 10,
      });
      reportFramesMs.push(performance.now() - t);
    }
    t = performance.now();
    hungarianMapping(hist, K, C);
    hungMs.push(performance.now() - t);
  }
  const t = performance.now();
  majorityMapping(hist, K, C);
  const majMs = performance.now() - t;
  console.log(
    `K=${String(K).padStart(3)}: score ${median(scoreMs).toFixed(3)} ms | full report ${median(reportMs).toFixed(3)} ms | ` +
      `report + 500 per-frame mIoU ${median(reportFramesMs).toFixed(2)} ms | Hungarian ${median(hungMs).toFixed(3)} ms | majority ${majMs.toFixed(3)} ms (medians)`,
  );
  results[`rescore_ms_K${K}`] = Number(median(reportMs).toFixed(4));
  results[`hungarian_ms_K${K}`] = Number(median(hungMs).toFixed(4));
  results[`report_with_frames_ms_K${K}`] = Number(median(reportFramesMs).toFixed(3));
}

console.log('\n## 2. evaluate a dataset at reference geometry');
const nFrames = Number(arg('frames', '500'));
const [W, H] = arg('size', '1024x512').split('x').map(Number) as [number, number];
const K = Number(arg('clusters', '27'));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-eval-'));
try {
  // Blocky label/prediction maps (compress like real ones: large uniform regions), one per frame.
  const t0 = performance.now();
  const labelIds = Array.from({ length: 27 }, (_, i) => 7 + i);
  for (let f = 0; f < nFrames; f++) {
    const lab = new Uint8Array(W * H);
    const pred = new Uint8Array(W * H);
    const bw = 64;
    const bh = 32;
    for (let by = 0; by < H; by += bh) {
      for (let bx = 0; bx < W; bx += bw) {
        const l = rand() < 0.05 ? 0 : labelIds[Math.floor(rand() * labelIds.length)]!;
        const p = Math.floor(rand() * K);
        for (let y = by; y < Math.min(H, by + bh); y++) {
          lab.fill(l, y * W + bx, y * W + Math.min(W, bx + bw));
          pred.fill(p, y * W + bx, y * W + Math.min(W, bx + bw));
        }
      }
    }
    fs.writeFileSync(path.join(dir, `${f}_labelIds.png`), await sharp(lab, { raw: { width: W, height: H, channels: 1 } }).png().toBuffer());
    fs.writeFileSync(path.join(dir, `${f}_clusters.png`), await encodeClusterPng({ data: pred, width: W, height: H }));
  }
  console.log(`wrote ${nFrames} frames (${W}×${H}) in ${((performance.now() - t0) / 1000).toFixed(1)} s (setup, not timed)`);

  const builder = new HistogramBuilder(K, cs27, 'reference');
  const t1 = performance.now();
  let readMs = 0;
  const load = (f: number) => Promise.all([readClusterPng(path.join(dir, `${f}_clusters.png`)), readLabelMap(path.join(dir, `${f}_labelIds.png`))]);
  let next = load(0);
  for (let f = 0; f < nFrames; f++) {
    const tr = performance.now();
    const [pred, label] = await next;
    readMs += performance.now() - tr;
    next = f + 1 < nFrames ? load(f + 1) : (null as never);
    builder.addFrame({ frameId: String(f), labelPath: `${f}_labelIds.png` }, pred, label);
  }
  const total = (performance.now() - t1) / 1000;
  const r = builder.result();
  console.log(
    `evaluated ${nFrames} frames at reference geometry in ${total.toFixed(2)} s (${((total * 1000) / nFrames).toFixed(1)} ms/frame; ` +
      `waiting on decode ${(readMs / 1000).toFixed(2)} s); ${r.pixels} pixels counted; target < 20 s`,
  );
  results.eval_seconds = Number(total.toFixed(3));
  results.eval_ms_per_frame = Number(((total * 1000) / nFrames).toFixed(2));
  results.frames = nFrames;
  results.width = W;
  results.height = H;
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}

console.log(`BENCH ${JSON.stringify(results)}`);
