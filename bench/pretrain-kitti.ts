// The real KITTI frame in ../shared/data (skips without it): k-means (K = 27, 3 seeds) on the patch
// tokens of rgb, builtin and a pretrained model, clusters Hungarian-matched to the Cityscapes-27 classes
// present in the frame's ground truth → present-class mIoU at pixel level (frame resized to 320 px high).
//   npx tsx bench/pretrain-kitti.ts [--model FILE.onnx]
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { patchPresentClassMiou } from './lib/patch-miou.js';
import { assignToCentroids, kmeans } from '../main/engine/clustering/kmeans.js';
import { filterBankFeatures, rgbFeatures } from '../main/engine/backbones/builtin.js';
import { IMAGENET_MEAN, IMAGENET_STD, type TokenGrid } from '../main/engine/backbones/backbone.js';
import { builtinVitFiles } from '../main/engine/backbones/builtin-vit.js';
import { openOnnxBackbone } from '../main/engine/backbones/onnx-backbone.js';

const i = process.argv.indexOf('--model');
const model = path.resolve(i >= 0 ? process.argv[i + 1]! : builtinVitFiles().model);
const root = path.resolve(import.meta.dirname, '..', '..', 'shared', 'data', 'real-driving', 'kitti', 'training');
const imgFile = path.join(root, 'image_2', '000000_10.png');
if (!fs.existsSync(imgFile)) {
  console.log(`skipped: ${imgFile} is absent`);
  process.exit(0);
}
const H = 320;
const meta = await sharp(imgFile).metadata();
const W = Math.round((meta.width! * H) / meta.height! / 8) * 8;
const rgb = await sharp(imgFile).removeAlpha().resize(W, H, { fit: 'fill', kernel: 'linear' }).raw().toBuffer();
const labels = await sharp(path.join(root, 'semantic', '000000_10.png')).toColourspace('b-w').resize(W, H, { fit: 'fill', kernel: 'nearest' }).raw().toBuffer();
const plane = W * H;
const img = new Float32Array(3 * plane);
for (let p = 0; p < plane; p++) for (let c = 0; c < 3; c++) img[c * plane + p] = rgb[3 * p + c]! / 255;

function score(grid: TokenGrid, seed: number): number {
  const n = grid.h * grid.w;
  const K = 27;
  const fit = kmeans(grid.data, n, grid.dim, { k: K, seed, maxIterations: 100 });
  const { assignments } = assignToCentroids(grid.data, n, grid.dim, fit.centroids, K);
  return patchPresentClassMiou(assignments, grid.w, [labels], W, H, K);
}

const grids: [string, TokenGrid][] = [
  ['rgb', rgbFeatures({ data: img, n: 1, height: H, width: W })],
  ['builtin', filterBankFeatures({ data: img, n: 1, height: H, width: W })],
];
if (fs.existsSync(model)) {
  const b = await openOnnxBackbone({ model, label: model, id: 'builtin-vit', family: 'builtin-vit', patchSize: 8, sha256: null, threads: 1, provider: 'cpu' });
  const norm = img.map((v, j) => (v - IMAGENET_MEAN[Math.floor(j / plane)]!) / IMAGENET_STD[Math.floor(j / plane)]!);
  grids.push(['builtin-vit', await b.extract({ data: norm, n: 1, height: H, width: W })]);
  await b.dispose();
}
console.log(`KITTI 000000_10 at ${W}×${H}, k-means K = 27, seeds 0,1,2, present-class mIoU (model ${model}):`);
for (const [name, g] of grids) {
  const s = [0, 1, 2].map((seed) => score(g, seed));
  console.log(`  ${name.padEnd(12)} ${(s.reduce((a, b) => a + b, 0) / 3 * 100).toFixed(1)}  (${s.map((x) => (x * 100).toFixed(1)).join(' / ')})`);
}
