// Realism gate of SynthDrive (`npm run bench:synth-baseline`): per-pixel RGB k-means (k-means++, fit on a
// pixel subsample, K = the number of Cityscapes-27 classes present in the ground truth) over a default
// 3×30-frame run, clusters Hungarian-matched to classes → mIoU and pixel accuracy. A world whose
// colours gave its classes away would score far above real data; the gate is ≤ 15 % mIoU. The same code
// runs on the real KITTI frame in ../shared/data as a calibration (reference: 8.9 % mIoU / 31.6 % acc).
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { parseSynthSize, SYNTH_DEFAULTS } from '../shared/contract/synth.js';
import { hungarian } from '../shared/metrics/hungarian.js';
import { CITYSCAPES_BY_ID } from '../shared/protocols/cityscapes-labels.js';
import { assignToCentroids, kmeans, mulberry32 } from '../main/engine/clustering/kmeans.js';
import { Rasterizer, type Lighting } from '../main/engine/synth/raster.js';
import { SynthSequence } from '../main/engine/synth/world.js';

const GATE = 0.15;
const SUBSAMPLE = 200_000;
const SEEDS = [0, 1, 2];

interface Score {
  miou: number;
  acc: number;
  k: number;
  perClass: { name: string; iou: number }[];
}

/**
 * rgb: n×3 bytes, labels: n labelIds. Only Cityscapes-27 pixels (labelIds 7..33) count, as in the
 * unsupervised-segmentation protocol.
 */
function rgbKMeansScore(rgb: Uint8Array, labels: Uint8Array, seed: number): Score {
  const classes = new Map<number, number>();
  const keep: number[] = [];
  for (let i = 0; i < labels.length; i++) {
    const id = labels[i]!;
    if (id < 7 || id > 33) continue;
    if (!classes.has(id)) classes.set(id, classes.size);
    keep.push(i);
  }
  const ids = [...classes.keys()].sort((a, b) => a - b);
  ids.forEach((id, c) => classes.set(id, c));
  const C = ids.length;
  const K = C;
  const n = keep.length;
  const data = new Float32Array(n * 3);
  for (let j = 0; j < n; j++) {
    const i = keep[j]!;
    data[j * 3] = rgb[i * 3]! / 255;
    data[j * 3 + 1] = rgb[i * 3 + 1]! / 255;
    data[j * 3 + 2] = rgb[i * 3 + 2]! / 255;
  }
  // fit on a random subsample, then assign every pixel
  const rand = mulberry32(seed + 1000);
  const m = Math.min(SUBSAMPLE, n);
  const sample = new Float32Array(m * 3);
  for (let j = 0; j < m; j++) {
    const i = Math.floor(rand() * n);
    sample[j * 3] = data[i * 3]!;
    sample[j * 3 + 1] = data[i * 3 + 1]!;
    sample[j * 3 + 2] = data[i * 3 + 2]!;
  }
  const fit = kmeans(sample, m, 3, { k: K, seed, maxIterations: 100 });
  const { assignments } = assignToCentroids(data, n, 3, fit.centroids, K);
  const hist = new Float64Array(K * C);
  for (let j = 0; j < n; j++) hist[assignments[j]! * C + classes.get(labels[keep[j]!]!)!]! += 1;
  const match = hungarian(hist, K, C, 'max');
  const clusterSize = new Float64Array(K);
  const classSize = new Float64Array(C);
  for (let k = 0; k < K; k++)
    for (let c = 0; c < C; c++) {
      clusterSize[k]! += hist[k * C + c]!;
      classSize[c]! += hist[k * C + c]!;
    }
  let correct = 0;
  const iou = new Float64Array(C);
  for (let k = 0; k < K; k++) {
    const c = match[k]!;
    if (c < 0) continue;
    const tp = hist[k * C + c]!;
    correct += tp;
    iou[c] = tp / (clusterSize[k]! + classSize[c]! - tp);
  }
  let sum = 0;
  for (let c = 0; c < C; c++) sum += iou[c]!;
  return {
    miou: sum / C,
    acc: correct / n,
    k: K,
    perClass: ids.map((id, c) => ({ name: CITYSCAPES_BY_ID[id]!.name, iou: iou[c]! })),
  };
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

async function main(): Promise<void> {
  const command = 'npm run bench:synth-baseline';
  const { width, height } = parseSynthSize(SYNTH_DEFAULTS.size);
  const seqs = SYNTH_DEFAULTS.sequences;
  const frames = SYNTH_DEFAULTS.frames;
  const n = width * height;
  const rgb = new Uint8Array(seqs * frames * n * 3);
  const labels = new Uint8Array(seqs * frames * n);
  const raster = new Rasterizer(width, height);
  const weathers: string[] = [];
  const t0 = performance.now();
  let o = 0;
  for (let s = 0; s < seqs; s++) {
    const world = new SynthSequence({
      seed: SYNTH_DEFAULTS.seed,
      sequence: s,
      frames,
      width,
      height,
      weather: SYNTH_DEFAULTS.weather,
    });
    weathers.push(world.weather);
    for (let f = 0; f < frames; f++) {
      world.render(raster, f);
      rgb.set(raster.rgb, o * 3);
      labels.set(raster.labels, o);
      o += n;
    }
  }
  const renderMs = performance.now() - t0;
  console.log(
    `SynthDrive default run: ${seqs}×${frames} frames at ${width}x${height}, seed ${SYNTH_DEFAULTS.seed}, weather ${SYNTH_DEFAULTS.weather} (${weathers.join(', ')}), rendered in ${(renderMs / 1000).toFixed(1)} s`,
  );
  const synth = SEEDS.map((seed) => rgbKMeansScore(rgb, labels, seed));
  const synthMiou = mean(synth.map((s) => s.miou));
  const synthAcc = mean(synth.map((s) => s.acc));
  console.log(
    `RGB k-means (K = ${synth[0]!.k} classes present), seeds ${SEEDS.join(',')}: mIoU ${synth.map((s) => pct(s.miou)).join(' / ')}, pixel accuracy ${synth.map((s) => pct(s.acc)).join(' / ')}`,
  );
  console.log(
    'per-class IoU (seed 0): ' +
      synth[0]!.perClass.map((c) => `${c.name} ${(c.iou * 100).toFixed(0)}`).join(', '),
  );

  // calibration on the real KITTI frame
  const kittiRoot = path.resolve(
    import.meta.dirname,
    '..',
    '..',
    'shared',
    'data',
    'real-driving',
    'kitti',
    'training',
  );
  let kitti: { miou: number; acc: number; k: number } | null = null;
  if (fs.existsSync(path.join(kittiRoot, 'image_2', '000000_10.png'))) {
    const img = await sharp(path.join(kittiRoot, 'image_2', '000000_10.png'))
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const sem = await sharp(path.join(kittiRoot, 'semantic', '000000_10.png'))
      .toColourspace('b-w')
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (img.info.width !== sem.info.width || img.info.height !== sem.info.height)
      throw new Error('KITTI image and labels differ in size');
    const scores = SEEDS.map((seed) =>
      rgbKMeansScore(new Uint8Array(img.data), new Uint8Array(sem.data), seed),
    );
    kitti = { miou: mean(scores.map((s) => s.miou)), acc: mean(scores.map((s) => s.acc)), k: scores[0]!.k };
    console.log(
      `calibration, real KITTI frame 000000_10 (K = ${kitti.k}): mIoU ${scores.map((s) => pct(s.miou)).join(' / ')}, pixel accuracy ${scores.map((s) => pct(s.acc)).join(' / ')} (reference 8.9 % / 31.6 %)`,
    );
  } else {
    console.log(`calibration skipped: ${kittiRoot} is absent`);
  }
  // SYNTH_BASELINE_ABLATION=1: the same gate on easier variants of the world, to show what each
  // appearance effect contributes (clear weather only; then without shadows, haze, noise, vignetting).
  const ablations: { name: string; miou: number; acc: number }[] = [];
  if (process.env.SYNTH_BASELINE_ABLATION) {
    const variants: { name: string; weather: 'clear' | 'mixed'; override?: Partial<Lighting> }[] = [
      { name: 'clear weather only', weather: 'clear' },
      { name: 'clear, no sensor noise / vignetting', weather: 'clear', override: { noise: 0, vignette: 0 } },
      {
        name: 'clear, no noise / vignetting / haze / cast shadows',
        weather: 'clear',
        override: { noise: 0, vignette: 0, hazeDensity: 0, shadows: false },
      },
      {
        name: 'clear, albedo only (also no sun shading)',
        weather: 'clear',
        override: {
          noise: 0,
          vignette: 0,
          hazeDensity: 0,
          shadows: false,
          sunColor: [0, 0, 0],
          ambient: [1, 1, 1],
        },
      },
    ];
    for (const v of variants) {
      let off = 0;
      for (let s = 0; s < seqs; s++) {
        const world = new SynthSequence({
          seed: SYNTH_DEFAULTS.seed,
          sequence: s,
          frames,
          width,
          height,
          weather: v.weather,
          ...(v.override ? { lightingOverride: v.override } : {}),
        });
        for (let f = 0; f < frames; f++) {
          world.render(raster, f);
          rgb.set(raster.rgb, off * 3);
          labels.set(raster.labels, off);
          off += n;
        }
      }
      const scores = SEEDS.map((seed) => rgbKMeansScore(rgb, labels, seed));
      const a = { name: v.name, miou: mean(scores.map((q) => q.miou)), acc: mean(scores.map((q) => q.acc)) };
      ablations.push(a);
      console.log(`ablation — ${a.name}: mIoU ${pct(a.miou)}, pixel accuracy ${pct(a.acc)}`);
    }
  }
  const pass = synthMiou <= GATE;
  console.log(
    `gate: mean mIoU ${pct(synthMiou)} ${pass ? '≤' : '>'} ${pct(GATE)} → ${pass ? 'PASS' : 'FAIL'}`,
  );
  console.log(`command: ${command}`);
  console.log(
    'BENCH ' +
      JSON.stringify({
        bench: 'synth-baseline',
        command,
        run: {
          sequences: seqs,
          frames,
          width,
          height,
          seed: SYNTH_DEFAULTS.seed,
          weather: SYNTH_DEFAULTS.weather,
          weathers,
        },
        k: synth[0]!.k,
        miou: Number(synthMiou.toFixed(4)),
        pixelAccuracy: Number(synthAcc.toFixed(4)),
        perSeed: synth.map((s) => ({ miou: Number(s.miou.toFixed(4)), acc: Number(s.acc.toFixed(4)) })),
        gate: GATE,
        pass,
        ablations: ablations.map((a) => ({
          name: a.name,
          miou: Number(a.miou.toFixed(4)),
          pixelAccuracy: Number(a.acc.toFixed(4)),
        })),
        kitti: kitti && {
          miou: Number(kitti.miou.toFixed(4)),
          pixelAccuracy: Number(kitti.acc.toFixed(4)),
          k: kitti.k,
        },
      }),
  );
  if (!pass) process.exitCode = 1;
}

await main();
