// Step 2 loss options and the dense CRF, measured on a held-out world:
//   npx tsx scripts/loss-quality.ts --train-ws /tmp/ws-a --eval-ws /tmp/ws-b [--seeds 1] [--variants release,hard16,...]
//     [--step2-epochs 20] [--every 4] [--crf release] [--step3 release|kmeans] [--models /tmp/loss-models]
// Both workspaces are `cause-studio demo` runs of different SynthDrive worlds (different --seed). CAUSE-MLP
// (fast preset, K = 27, the builtin backbone's reference-crop features) trains on the first and is scored
// on every `every`-th labelled frame of the second: the product's Predictor at each frame's resolution
// (optionally refined by the dense CRF on the frame's colours), Cityscapes-27, Hungarian, present-class
// mIoU. Training never sees a label. Models are saved under --models and reused on a rerun.
// Ends with `RESULT {json}`.
import fs from 'node:fs';
import path from 'node:path';
import { hungarianMapping, scoreHistogram } from '../shared/metrics/index.js';
import { presetConfig, type TrainConfig } from '../shared/contract/experiments.js';
import { resolveStep2Loss, step2LossLabel } from '../shared/contract/step2-loss.js';
import type { FeatureSource } from '../main/engine/cause/features.js';
import { loadModel, saveModel, type TrainedModel } from '../main/engine/cause/model-io.js';
import { centreCropRegion, Predictor, type Prediction } from '../main/engine/cause/predict.js';
import { predictWithCrf } from '../main/engine/cause/predict-refine.js';
import { trainCause } from '../main/engine/cause/trainer.js';
import { readImageRGB } from '../main/engine/datasets/frame-source.js';
import { HistogramBuilder } from '../main/engine/eval/histogram.js';
import { initTfBackend } from '../main/engine/tf/backend.js';
import { openDemoWorkspace, setGrids, type DemoWorkspace } from './lib/demo-eval.js';

const argv = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] ? argv[i + 1]! : dflt;
};

/** The loss options compared (step2 fields); 'release' is the release's InfoNCE. None is tuned here. */
export const LOSS_VARIANTS: Record<string, Partial<TrainConfig['step2']>> = {
  release: {},
  hard16: { hardNegatives: { count: 16 } },
  'hard10%': { hardNegatives: { fraction: 0.1 } },
  debiased: { debiased: { tauPlus: 0.1, beta: 0 } },
  'hcl-beta1': { debiased: { tauPlus: 0.1, beta: 1 } },
  triplet: { loss: 'triplet', margin: 0.3 },
  'triplet-hard1': { loss: 'triplet', margin: 0.3, hardNegatives: { count: 1 } },
};

const trainWs = opt('train-ws', '');
const evalWs = opt('eval-ws', '');
if (!trainWs || !evalWs) throw new Error('give --train-ws and --eval-ws (two `cause-studio demo` workspaces of different worlds)');
const seeds = opt('seeds', '1').split(',').map(Number);
const chosen = opt('variants', Object.keys(LOSS_VARIANTS).join(',')).split(',');
const every = Number(opt('every', '4'));
const step2Epochs = Number(opt('step2-epochs', '20'));
const crfFor = new Set(opt('crf', 'release').split(',').filter(Boolean));
const modelDir = opt('models', '/tmp/loss-quality-models');
// --step3 kmeans: the label-free k-means start of the probe (a Studio option); the release's probe collapses
// to a few clusters on these features, which would hide any Step 2 difference.
const step3 = opt('step3', 'release');
if (step3 !== 'release' && step3 !== 'kmeans') throw new Error(`--step3 is release or kmeans, not ${step3}`);
fs.mkdirSync(modelDir, { recursive: true });

await initTfBackend('wasm');
const train = await openDemoWorkspace(trainWs);
const full = await openDemoWorkspace(evalWs);
// A subset of the held-out frames keeps scoring (1024×512, a CRF each) within minutes.
const keep = (_: unknown, j: number) => j % every === 0;
const held: DemoWorkspace = { ...full, labelled: full.labelled.filter(keep), labels: full.labels.filter(keep) };
const grids = setGrids(held);
const source: FeatureSource = { count: train.set.items.length, h: train.set.grid.h, w: train.set.grid.w, dim: train.set.dim, read: (i) => train.set.read(i) };
console.log(`train: ${source.count} items ${source.h}×${source.w}×${source.dim}; held-out: ${held.labelled.length} of ${full.labelled.length} labelled frames`);

interface Score {
  miouPresent: number;
  miou: number;
  pixelAccuracy: number;
  clusters: number;
  seconds: number;
}

async function score(model: TrainedModel, crf: boolean): Promise<Score> {
  const predictor = new Predictor(model, true);
  const builder = new HistogramBuilder(predictor.clusters, held.protocol, 'reference');
  const seen = new Set<number>();
  const t0 = performance.now();
  try {
    for (let j = 0; j < held.labelled.length; j++) {
      const f = held.labelled[j]!;
      const region = centreCropRegion(f.width, f.height, grids.inputWidth, grids.inputHeight);
      const p: Prediction = crf
        ? await predictWithCrf(predictor, grids.grid(j), grids.h, grids.w, grids.dim, await readImageRGB(f.imagePath), region, grids.inputWidth)
        : predictor.predict(grids.grid(j), grids.h, grids.w, grids.dim, f.width, f.height, region);
      for (let i = 0; i < p.clusters.length; i += 7) seen.add(p.clusters[i]!);
      builder.addFrame({ frameId: f.id, labelPath: f.labelPath! }, { data: p.clusters, width: p.width, height: p.height }, held.labels[j]!);
    }
  } finally {
    predictor.dispose();
  }
  const C = held.protocol.classNames.length;
  const s = scoreHistogram(builder.histogram, predictor.clusters, C, hungarianMapping(builder.histogram, predictor.clusters, C));
  let sum = 0;
  let present = 0;
  for (let t = 0; t < C; t++) {
    if (s.gt[t]! > 0) {
      sum += s.iou[t]!;
      present++;
    }
  }
  return { miouPresent: sum / present, miou: s.miou, pixelAccuracy: s.pixelAccuracy, clusters: seen.size, seconds: (performance.now() - t0) / 1000 };
}

const rows: Record<string, unknown>[] = [];
for (const seed of seeds) {
  for (const name of chosen) {
    const v = LOSS_VARIANTS[name];
    if (!v) throw new Error(`unknown variant ${name}; have ${Object.keys(LOSS_VARIANTS).join(', ')}`);
    const base = presetConfig('fast', 'cause-mlp', 27, seed, 'wasm');
    const config: TrainConfig = {
      ...base,
      step2: { ...base.step2, epochs: step2Epochs, ...v },
      step3: { ...base.step3, ...(step3 === 'kmeans' ? { init: 'kmeans' as const } : {}) },
    };
    const file = path.join(modelDir, `${name}-s${seed}-e${step2Epochs}-${step3}.bin`);
    const t0 = performance.now();
    let trainSeconds = 0;
    if (!fs.existsSync(file)) {
      saveModel(file, await trainCause(source, config));
      trainSeconds = (performance.now() - t0) / 1000;
    }
    const model = loadModel(file);
    for (const crf of crfFor.has(name) || crfFor.has('all') ? [false, true] : [false]) {
      const s = await score(model, crf);
      const row = { variant: name, loss: step2LossLabel(resolveStep2Loss(config.step2)), step3, seed, crf, trainSeconds, ...s };
      rows.push(row);
      console.log(
        `${name.padEnd(14)} seed ${seed} ${crf ? 'CRF' : '   '}  present-class mIoU ${(s.miouPresent * 100).toFixed(1)}  27-class ${(s.miou * 100).toFixed(1)}  acc ${(s.pixelAccuracy * 100).toFixed(1)}  clusters ${s.clusters}  score ${s.seconds.toFixed(0)} s  train ${trainSeconds.toFixed(0)} s`,
      );
    }
  }
}
train.close();
full.close();
console.log(`RESULT ${JSON.stringify(rows)}`);
