// A quick held-out check outside the engine (minutes, not an hour, on a loaded machine): for each
// held-out SynthDrive world (never used for pretraining: those are 9001-9008), render frames at 640×320,
// take rgb / builtin / model tokens of the whole frame, fit k-means (K = 27) on the world's tokens,
// Hungarian-match clusters to the Cityscapes-27 classes present, and print present-class mIoU at pixel
// level (mean over k-means seeds, then over worlds). `bench/pretrain-quality.ts` is the same question
// through the engine's own jobs (features, kmeans experiments, predict, eval).
// `--worlds tuning` scores on the tuning worlds (BUILTIN_TUNING_WORLD_SEEDS), where candidates are chosen;
// the default is the reporting worlds 101-103 (BUILTIN_REPORT_WORLD_SEEDS).
// `--backbones builtin-vit` scores only the named ones (comparing candidates, the others are unchanged).
//   npx tsx bench/pretrain-heldout.ts [--model FILE.onnx] [--worlds 101,102,103 | tuning] [--frames 8] [--backbones rgb,builtin,builtin-vit]
import fs from 'node:fs';
import path from 'node:path';
import { patchPresentClassMiou } from './lib/patch-miou.js';
import { assignToCentroids, kmeans } from '../main/engine/clustering/kmeans.js';
import { filterBankFeatures, rgbFeatures } from '../main/engine/backbones/builtin.js';
import { IMAGENET_MEAN, IMAGENET_STD, type TokenGrid } from '../main/engine/backbones/backbone.js';
import { builtinVitFiles } from '../main/engine/backbones/builtin-vit.js';
import { openOnnxBackbone } from '../main/engine/backbones/onnx-backbone.js';
import { rgbToPlanar } from '../main/engine/pretrain/synth-corpus.js';
import { BUILTIN_REPORT_WORLD_SEEDS, BUILTIN_TUNING_WORLD_SEEDS } from '../main/engine/pretrain/builtin-recipe.js';
import { Rasterizer } from '../main/engine/synth/raster.js';
import { SynthSequence } from '../main/engine/synth/world.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}
const model = path.resolve(arg('model', builtinVitFiles().model));
const worldsArg = arg('worlds', BUILTIN_REPORT_WORLD_SEEDS.join(','));
const worlds = worldsArg === 'tuning' ? [...BUILTIN_TUNING_WORLD_SEEDS] : worldsArg.split(',').map(Number);
const framesPerWorld = Number(arg('frames', '8'));
const only = new Set(arg('backbones', 'rgb,builtin,builtin-vit').split(','));
const W = 640;
const H = 320;
const plane = W * H;


const vit = fs.existsSync(model) ? await openOnnxBackbone({ model, label: model, id: 'builtin-vit', family: 'builtin-vit', patchSize: 8, sha256: null, threads: 2, provider: 'cpu' }) : null;
const totals = new Map<string, number[]>();
for (const seed of worlds) {
  const raster = new Rasterizer(W, H);
  const imgs: Float32Array[] = [];
  const labels: Uint8Array[] = [];
  for (let s = 0; s < 2; s++) {
    const seq = new SynthSequence({ seed, sequence: s, frames: framesPerWorld * 3, width: W, height: H, weather: 'mixed' });
    for (let f = 0; f < framesPerWorld / 2; f++) {
      seq.render(raster, f * 6);
      imgs.push(rgbToPlanar(raster.rgb, W, H));
      labels.push(Uint8Array.from(raster.labels));
    }
  }
  const backbones: [string, (img: Float32Array) => Promise<TokenGrid> | TokenGrid][] = [
    ['rgb', (img) => rgbFeatures({ data: img, n: 1, height: H, width: W })],
    ['builtin', (img) => filterBankFeatures({ data: img, n: 1, height: H, width: W })],
  ];
  if (vit) backbones.push(['builtin-vit', (img) => vit.extract({ data: img.map((v, j) => (v - IMAGENET_MEAN[Math.floor(j / plane)]!) / IMAGENET_STD[Math.floor(j / plane)]!), n: 1, height: H, width: W })]);
  for (const [name, f] of backbones.filter(([n]) => only.has(n))) {
    const grids: TokenGrid[] = [];
    for (const img of imgs) grids.push(await f(img));
    const d = grids[0]!.dim;
    const per = grids[0]!.h * grids[0]!.w;
    const all = new Float32Array(grids.length * per * d);
    grids.forEach((g, j) => all.set(g.data, j * per * d));
    const scores = [0, 1].map((ks) => {
      const fit = kmeans(all, grids.length * per, d, { k: 27, seed: ks, maxIterations: 60 });
      return patchPresentClassMiou(assignToCentroids(all, grids.length * per, d, fit.centroids, 27).assignments, grids[0]!.w, labels, W, H, 27);
    });
    const m = (scores[0]! + scores[1]!) / 2;
    totals.set(name, [...(totals.get(name) ?? []), m]);
    console.log(`world ${seed} (${imgs.length} frames ${W}×${H}) k-means K=27 ${name.padEnd(12)} present-class mIoU ${(m * 100).toFixed(1)} (seeds ${scores.map((x) => (x * 100).toFixed(1)).join(' / ')})`);
  }
}
await vit?.dispose();
console.log(`\nmean over worlds ${worlds.join(', ')} (model ${model}):`);
for (const [name, s] of totals) console.log(`  ${name.padEnd(12)} ${((s.reduce((a, b) => a + b, 0) / s.length) * 100).toFixed(1)}`);
