// DIAGNOSTIC, never the product path. How far CAUSE-MLP is from what a backbone's features allow, on a
// held-out world (issue 21, gate (a)):
//   npx tsx scripts/method-ceiling.ts --workspace /tmp/ws --train w2 --eval w3 [--backbones builtin,builtin-vit]
//       [--seeds 21,22,23] [--variants 'release;kmeans;balanced:balance=0.5'] [--overrides '{"step2":{"epochs":10}}']
//       [--cache /tmp/method-ceiling-cache]
// The workspace holds two imported SynthDrive datasets (--train, --eval: names or ids) with features of
// every backbone. Per backbone it prints:
//   * class-mean (features): centroid = each class's mean unit feature over the EVAL world's patches — a
//     labelled read-out, the ceiling of a nearest-centroid partition of these features (evaluation only);
//   * k-means on the features, fitted on the TRAIN world (the baseline of the gate);
//   * per training seed, CAUSE-MLP (fast preset, K = 27) Steps 1-2 once on the TRAIN world (cached), then
//     every Step 3 variant from that teacher ('default' = the preset's own Step 3), and
//   * class-mean (teacher): the same labelled read-out on that teacher's 90-d outputs on the EVAL world —
//     the ceiling of any Step 3 on this teacher (evaluation only).
// Scored like the demo (the product's Predictor, reference geometry, Cityscapes-27, Hungarian, present-
// class mIoU). Labels of the eval world are read to score and to build the two class-mean read-outs; the
// training functions receive a FeatureSource of the train world only (no label field).
// Rows whose world or training seed is a Step 3 tuning one (main/engine/cause/step3/tuning.ts) are marked
// "tuning": presets may be chosen on them, figures must not be reported from them.
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs';
import { presetConfig, type TrainConfig } from '../shared/contract/experiments.js';
import {
  trainCause,
  TrainingStopped,
  headSpecFor,
  type TrainerState,
  type CauseModel,
} from '../main/engine/cause/trainer.js';
import { trainSchedule } from '../main/engine/cause/schedule.js';
import { encodeTrainerState, readTrainerState, type KmeansModel } from '../main/engine/cause/model-io.js';
import { trainKmeans } from '../main/engine/cause/kmeans-baseline.js';
import { headForward } from '../main/engine/cause/heads.js';
import { ParamSet } from '../main/engine/cause/params.js';
import { parseStep3Spec, splitStep3Specs } from '../main/engine/cause/step3/spec.js';
import { isTuning } from '../main/engine/cause/step3/tuning.js';
import type { FeatureSource } from '../main/engine/cause/features.js';
import { openFeatureSet } from '../main/engine/features/feature-reader.js';
import { initTfBackend } from '../main/engine/tf/backend.js';
import {
  openDemoWorkspace,
  findFeatureSet,
  scoreModel,
  setGrids,
  type DemoWorkspace,
  type QualityScore,
} from './lib/demo-eval.js';
import { patchClassHistograms } from './lib/diagnostic-features.js';
import { classMeans } from './lib/class-means.js';

const argv = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] ? argv[i + 1]! : dflt;
};
const wsPath = opt('workspace', '');
const trainName = opt('train', '');
const evalName = opt('eval', '');
if (!wsPath || !trainName || !evalName)
  throw new Error('give --workspace, --train and --eval (two imported SynthDrive worlds with features)');
if (trainName === evalName) throw new Error('--eval must be another world than --train');
const backbones = opt('backbones', 'builtin,builtin-vit').split(',');
const seeds = opt('seeds', '21,22,23').split(',').map(Number);
const variantSpecs = splitStep3Specs(opt('variants', 'default'));
const overrides = JSON.parse(opt('overrides', '{}')) as Partial<TrainConfig>;
const cacheDir = opt('cache', '/tmp/method-ceiling-cache');
// Rows to leave out (when an earlier run printed them already): class-mean-features, kmeans, class-mean-teacher.
const skip = new Set(opt('skip', '').split(',').filter(Boolean));
const K = 27;

const t00 = Date.now();
await initTfBackend('wasm');

const findSet = (ws: DemoWorkspace, dataset: string, backbone: string) => findFeatureSet(ws, dataset, backbone, wsPath);

const causeConfig = (seed: number): TrainConfig => {
  const p = presetConfig('fast', 'cause-mlp', K, seed, 'wasm');
  const o = overrides as Record<string, unknown>;
  return {
    ...p,
    ...overrides,
    step1: { ...p.step1, ...((o.step1 as object) ?? {}) },
    step2: { ...p.step2, ...((o.step2 as object) ?? {}) },
    step3: { ...p.step3, ...((o.step3 as object) ?? {}) },
  } as TrainConfig;
};

/** Steps 1-2 once per (train features, config), cached on disk: every Step 3 variant starts from the same teacher. */
async function endOfStep2(setId: string, source: FeatureSource, seed: number): Promise<TrainerState> {
  const config = causeConfig(seed);
  const key = createHash('sha256')
    .update(JSON.stringify([path.resolve(wsPath), setId, config]))
    .digest('hex')
    .slice(0, 16);
  const file = path.join(cacheDir, `${key}.bin`);
  if (fs.existsSync(file)) return readTrainerState(file);
  const sched = trainSchedule(config, source.count);
  const stop = sched.stageSteps[0] + sched.stageSteps[1];
  let state: TrainerState | undefined;
  const t0 = Date.now();
  await trainCause(source, config, {
    ortThreads: 1,
    checkpointEvery: stop,
    saveCheckpoint: (s) => void (state = s),
    stopAfterStep: stop,
  }).catch((e: unknown) => {
    if (!(e instanceof TrainingStopped)) throw e;
  });
  if (!state) throw new Error('no end-of-step-2 checkpoint');
  fs.mkdirSync(cacheDir, { recursive: true });
  fs.writeFileSync(file, encodeTrainerState(state));
  console.log(`  seed ${seed}: Steps 1-2 in ${((Date.now() - t0) / 1000).toFixed(0)} s (cached ${file})`);
  return state;
}

interface Row {
  backbone: string;
  seed: number | null;
  variant: string;
  tuning: boolean;
  miouPresent: number;
  miou: number;
  pixelAccuracy: number;
  clusters: number;
  seconds: number;
}
const rows: Row[] = [];
const pct = (x: number) => (x * 100).toFixed(1);

for (const backbone of backbones) {
  const probe = await openDemoWorkspace(wsPath);
  const tr = findSet(probe, trainName, backbone);
  const ev = findSet(probe, evalName, backbone);
  probe.close();
  const ws = await openDemoWorkspace(wsPath, ev.id);
  const trainSet = openFeatureSet(wsPath, tr.id);
  const trainItems = trainSet.items
    .map((it, i) => ({ it, i }))
    .filter(({ it }) => it.crop === 0)
    .map(({ i }) => i);
  const source: FeatureSource = {
    count: trainItems.length,
    h: trainSet.grid.h,
    w: trainSet.grid.w,
    dim: trainSet.dim,
    read: (i) => trainSet.read(trainItems[i]!),
  };
  const grids = setGrids(ws);
  const { h, w } = ws.set.grid;
  const T = h * w;
  const C = ws.protocol.classNames.length;
  const N = ws.labelled.length;
  const hist = patchClassHistograms(ws);
  const tuningWorld = isTuning(tr.world, NaN) || isTuning(ev.world, NaN);
  console.log(
    `${backbone}: train ${trainName} (world ${tr.world ?? '?'}, ${source.count} frames) → eval ${evalName} (world ${ev.world ?? '?'}, ${N} frames), grid ${h}×${w}×${ws.set.dim}${tuningWorld ? ' (tuning worlds)' : ''}`,
  );
  const push = (seed: number | null, variant: string, s: QualityScore, seconds: number) => {
    const r: Row = {
      backbone,
      seed,
      variant,
      tuning: tuningWorld || (seed !== null && isTuning(null, seed)),
      miouPresent: s.miouPresent,
      miou: s.miou,
      pixelAccuracy: s.pixelAccuracy,
      clusters: s.clustersPredicted,
      seconds,
    };
    rows.push(r);
    console.log(
      `  ${backbone.padEnd(12)} seed ${String(seed ?? '-').padStart(3)}${r.tuning ? ' (tuning)' : ''}  ${variant.padEnd(44)} present ${pct(s.miouPresent).padStart(5)}  mIoU ${pct(s.miou).padStart(5)}  acc ${pct(s.pixelAccuracy).padStart(5)}  clusters ${String(s.clustersPredicted).padStart(2)}  ${seconds.toFixed(0)} s`,
    );
  };
  let t0 = Date.now();
  if (!skip.has('class-mean-features')) {
    const cm: KmeansModel = {
      method: 'kmeans',
      grid: { h, w },
      dim: ws.set.dim,
      centroids: classMeans(hist, N, T, C, ws.set.dim, (j) => grids.grid(j)),
      clusters: 0,
    };
    push(
      null,
      'class-mean (features, labelled read-out)',
      scoreModel(ws, { ...cm, clusters: cm.centroids.length / cm.dim }, grids),
      (Date.now() - t0) / 1000,
    );
  }
  for (const seed of seeds) {
    t0 = Date.now();
    if (!skip.has('kmeans'))
      push(
        seed,
        'k-means (features)',
        scoreModel(ws, trainKmeans(source, presetConfig('fast', 'kmeans', K, seed, 'wasm')), grids),
        (Date.now() - t0) / 1000,
      );
    const state = await endOfStep2(tr.id, source, seed);
    const base = causeConfig(seed);
    for (const spec of variantSpecs) {
      t0 = Date.now();
      const step3 = spec === 'default' ? {} : parseStep3Spec(spec);
      const config: TrainConfig = { ...base, step3: { ...base.step3, ...step3 } };
      const model = (await trainCause(source, config, { loadCheckpoint: () => state })) as CauseModel;
      push(
        seed,
        spec === 'default' ? 'CAUSE-MLP (preset default)' : `CAUSE-MLP ${spec}`,
        scoreModel(ws, model, grids),
        (Date.now() - t0) / 1000,
      );
    }
    if (skip.has('class-mean-teacher')) continue;
    // The teacher's own ceiling: class means of its outputs on the eval world (centring variants change
    // the teacher's last bias, so this reads the end-of-Step-2 teacher).
    t0 = Date.now();
    const spec = headSpecFor(base, source);
    if (!state.teacher) throw new Error('the end-of-Step-2 state has no teacher');
    const teacher = new ParamSet(state.teacher, false);
    const outs: Float32Array[] = [];
    for (let j = 0; j < N; j++)
      outs.push(
        tf.tidy(
          () =>
            headForward(
              spec,
              teacher,
              tf.tensor2d(grids.grid(j), [T, ws.set.dim]),
            ).dataSync() as Float32Array,
        ),
      );
    teacher.dispose();
    const centroids = classMeans(hist, N, T, C, spec.headDim, (j) => outs[j]!);
    const model: CauseModel = {
      method: 'cause-mlp',
      spec,
      grid: { h, w },
      clusterbook: state.clusterbook.values,
      teacher: state.teacher,
      centroids,
    };
    push(
      seed,
      'class-mean (teacher, labelled read-out)',
      scoreModel(ws, model, grids),
      (Date.now() - t0) / 1000,
    );
  }
  trainSet.close();
  ws.close();
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const sd = (xs: number[]) =>
  xs.length < 2 ? 0 : Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1));
console.log(
  `\n| backbone | method | present-class mIoU (mean ± sd) | vs k-means | mIoU-27 | pixel acc | clusters |`,
);
console.log(`|---|---|---|---|---|---|---|`);
for (const backbone of backbones) {
  const km = mean(
    rows
      .filter((r) => r.backbone === backbone && r.variant === 'k-means (features)')
      .map((r) => r.miouPresent),
  );
  for (const v of [...new Set(rows.filter((r) => r.backbone === backbone).map((r) => r.variant))]) {
    const rs = rows.filter((r) => r.backbone === backbone && r.variant === v);
    const p = rs.map((r) => r.miouPresent);
    console.log(
      `| ${backbone} | ${v}${rs.some((r) => r.tuning) ? ' (tuning)' : ''} | ${pct(mean(p))} ± ${pct(sd(p))} | ${((mean(p) - km) * 100 >= 0 ? '+' : '') + ((mean(p) - km) * 100).toFixed(1)} | ${pct(mean(rs.map((r) => r.miou)))} | ${pct(mean(rs.map((r) => r.pixelAccuracy)))} | ${mean(rs.map((r) => r.clusters)).toFixed(1)} |`,
    );
  }
}
console.log(`(sd: sample, over seeds ${seeds.join(',')}; class-mean (features) has no seed)`);
console.log(`total ${((Date.now() - t00) / 1000).toFixed(0)} s`);
console.log(
  `command: npx tsx scripts/method-ceiling.ts ${argv.map((a) => (/[\s;{}"]/.test(a) ? `'${a}'` : a)).join(' ')}`,
);
console.log('RESULT ' + JSON.stringify({ train: trainName, eval: evalName, seeds, overrides, rows }));
