import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { filterBankFeatures, rgbFeatures } from '../../main/engine/backbones/builtin.js';
import { decodeRGB, preprocessImage } from '../../main/engine/backbones/preprocess.js';
import { kmeans, type KMeansMetric } from '../../main/engine/clustering/kmeans.js';
import { getBuiltinProtocol, mapLabels } from '../../shared/protocols/index.js';
import { readLabelMap } from '../../main/engine/images/decode.js';
import { accumulate, hungarianMapping, scoreHistogram } from '../../shared/metrics/index.js';

const root = process.argv[2]!;
const imgDir = path.join(root, 'leftImg8bit', 'train', 'synthdrive');
const files = fs.readdirSync(imgDir).filter((f) => f.endsWith('.png')).sort();
const S = 320, g = 40;
const protocol = getBuiltinProtocol('cityscapes-27')!;
const C = protocol.classNames.length;
const prep = { width: S, height: S, crops: 'none' as const, resize: 'short-side-center-crop' as const, mean: [0, 0, 0] as [number, number, number], std: [1, 1, 1] as [number, number, number] };
const inputs: Float32Array[] = [];
const labels: Uint8Array[] = [];
for (const f of files) {
  inputs.push(await preprocessImage(await decodeRGB(path.join(imgDir, f)), prep));
  const lf = path.join(root, 'gtFine', 'train', 'synthdrive', f.replace('_leftImg8bit', '_gtFine_labelIds'));
  const raw = await readLabelMap(lf);
  const crop = await sharp(raw.data, { raw: { width: raw.width, height: raw.height, channels: 1 } }).resize(S, S, { fit: 'cover', position: 'centre', kernel: 'nearest' }).extractChannel(0).raw().toBuffer();
  labels.push(mapLabels(protocol, new Uint8Array(crop)));
}
const mode = process.argv[3] ?? 'builtin';
const feats = inputs.map((x) => (mode === 'rgb' ? rgbFeatures : filterBankFeatures)({ data: x, n: 1, height: S, width: S }));
const radii = (process.env.CTX ?? '').split(',').filter(Boolean).map(Number);
const D0 = feats[0]!.dim;
const D = D0 * (1 + radii.length);
function pool(src: Float32Array, r: number): Float32Array {
  const out = new Float32Array(src.length);
  for (let y = 0; y < g; y++) for (let x = 0; x < g; x++) {
    let c = 0;
    const acc = new Float64Array(D0);
    for (let yy = Math.max(0, y - r); yy <= Math.min(g - 1, y + r); yy++) for (let xx = Math.max(0, x - r); xx <= Math.min(g - 1, x + r); xx++) { c++; for (let d = 0; d < D0; d++) acc[d] += src[(yy * g + xx) * D0 + d]!; }
    for (let d = 0; d < D0; d++) out[(y * g + x) * D0 + d] = acc[d]! / c;
  }
  return out;
}
const CW = Number(process.env.CW ?? '1');
const feats2 = feats.map((f) => {
  const parts = [f.data, ...radii.map((r) => pool(f.data, r))];
  const out = new Float32Array(g * g * D);
  for (let i = 0; i < g * g; i++) parts.forEach((p, k) => { for (let d = 0; d < D0; d++) out[i * D + k * D0 + d] = p[i * D0 + d]! * (k > 0 ? CW : 1); });
  return { data: out };
});
const all = new Float32Array(feats.length * g * g * D);
feats2.forEach((f, i) => all.set(f.data, i * g * g * D));
const weightsArg = process.argv[4];
if (weightsArg) {
  const w = JSON.parse(weightsArg) as number[];
  for (let i = 0; i < all.length; i++) all[i]! *= w[(i % D) % D0] ?? 1;
}
for (const metric of ['euclidean', 'cosine'] as KMeansMetric[]) {
  const km = kmeans(all, feats.length * g * g, D, { k: 27, metric, seed: 0, maxIterations: 40 });
  const hist = new Float64Array(27 * C);
  const cm = new Uint16Array(S * S);
  for (let i = 0; i < feats.length; i++) {
    for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) cm[y * S + x] = km.assignments[i * g * g + (y >> 3) * g + (x >> 3)]!;
    accumulate(hist, cm, labels[i]!, 27, C);
  }
  const s = scoreHistogram(hist, 27, C, hungarianMapping(hist, 27, C));
  console.log(mode, metric, 'mIoU', (s.miou * 100).toFixed(1), 'acc', (s.pixelAccuracy * 100).toFixed(1));
}
