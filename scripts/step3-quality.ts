// DIAGNOSTIC, never the product path. Step 3 variants on the diagnostic features (see feature-quality.ts):
//   npx tsx scripts/step3-quality.ts --workspace /tmp/ws [--alphas 0.9,0.6] [--seeds 2,3,4]
//       [--variants 'release;kmeans;balanced:balance=0.5;overcluster:merge=modularity'] (names alone: commas) [--cache /tmp/step3-cache]
// Per α and training seed: Steps 1-2 of CAUSE-MLP (fast preset) once (cached on disk, keyed by workspace,
// feature set, α and seed), then every Step 3 variant from that teacher (the release's probe by resuming
// the trainer; the fitted variants by main/engine/cause/step3 on the same teacher-output tokens the
// trainer fits them on), and k-means on the features (the baseline). Scored like the demo (the product's
// Predictor, reference geometry, Cityscapes-27, Hungarian) through scripts/lib/demo-eval.ts.
// Rows whose world or training seed is a tuning one (main/engine/cause/step3/tuning.ts) are marked
// "tuning": presets may be chosen on them, figures must not be reported from them.
// Labels build the features and score; the training and fitting functions never receive them.
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { presetConfig, type TrainConfig } from '../shared/contract/experiments.js';
import { trainCause, TrainingStopped, type TrainerState } from '../main/engine/cause/trainer.js';
import { trainSchedule } from '../main/engine/cause/schedule.js';
import { encodeTrainerState, readTrainerState } from '../main/engine/cause/model-io.js';
import { trainKmeans } from '../main/engine/cause/kmeans-baseline.js';
import { parseStep3Spec, splitStep3Specs } from '../main/engine/cause/step3/spec.js';
import { isTuning } from '../main/engine/cause/step3/tuning.js';
import type { FeatureSource } from '../main/engine/cause/features.js';
import { initTfBackend } from '../main/engine/tf/backend.js';
import { openDemoWorkspace, scoreModel, type GridSource, type QualityScore } from './lib/demo-eval.js';
import { diagnosticFeatures } from './lib/diagnostic-features.js';

const argv = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] ? argv[i + 1]! : dflt;
};
const wsPath = opt('workspace', '');
if (!wsPath) throw new Error('give --workspace (a workspace with a labelled SynthDrive dataset and its builtin features)');
const alphas = opt('alphas', '0.9,0.6').split(',').map(Number);
const seeds = opt('seeds', '2').split(',').map(Number);
const specs = splitStep3Specs(opt('variants', 'release,kmeans,balanced,overcluster'));
const cacheDir = opt('cache', '/tmp/step3-quality-cache');
const frameVar = Number(opt('frame-var', '0.5'));
const noise = Number(opt('noise', '1'));
const featureSeed = Number(opt('feature-seed', '7'));
const K = 27;
const settings = specs.map((s) => ({ spec: s, step3: parseStep3Spec(s) }));

const t00 = Date.now();
await initTfBackend('wasm');
const ws = await openDemoWorkspace(wsPath, opt('feature-set', '') || undefined);
const dsRow = ws.db.prepare('SELECT root FROM datasets WHERE id = ?').get(ws.set.datasetId) as { root: string } | undefined;
let worldSeed: number | null = null;
try {
  worldSeed = (JSON.parse(fs.readFileSync(path.join(dsRow!.root, 'synthdrive.json'), 'utf8')) as { params: { seed: number } }).params.seed;
} catch {
  worldSeed = null;
}
const diag = diagnosticFeatures(ws, { frameVar, noise, featureSeed });
console.log(`workspace ${wsPath} (SynthDrive world ${worldSeed ?? '?'}), feature set ${ws.set.id}: ${diag.N} frames, grid ${ws.set.grid.h}×${ws.set.grid.w}×${diag.D}`);

const causeConfig = (seed: number): TrainConfig => presetConfig('fast', 'cause-mlp', K, seed, 'wasm');

/** Steps 1-2 once per (features, α, seed), cached: every variant starts from the same teacher. */
async function endOfStep2(source: FeatureSource, alpha: number, seed: number): Promise<TrainerState> {
  const key = createHash('sha256').update(JSON.stringify([path.resolve(wsPath), ws.set.id, alpha, seed, frameVar, noise, featureSeed, causeConfig(seed)])).digest('hex').slice(0, 16);
  const file = path.join(cacheDir, `${key}.bin`);
  if (fs.existsSync(file)) return readTrainerState(file);
  const base = causeConfig(seed);
  const sched = trainSchedule(base, source.count);
  const stop = sched.stageSteps[0] + sched.stageSteps[1];
  let state: TrainerState | undefined;
  const t0 = Date.now();
  await trainCause(source, base, { ortThreads: 1, checkpointEvery: stop, saveCheckpoint: (s) => void (state = s), stopAfterStep: stop }).catch((e: unknown) => {
    if (!(e instanceof TrainingStopped)) throw e;
  });
  if (!state) throw new Error('no end-of-step-2 checkpoint');
  fs.mkdirSync(cacheDir, { recursive: true });
  fs.writeFileSync(file, encodeTrainerState(state));
  console.log(`  α ${alpha} seed ${seed}: Steps 1-2 in ${((Date.now() - t0) / 1000).toFixed(0)} s (cached ${file})`);
  return state;
}

interface Row {
  alpha: number;
  seed: number;
  variant: string;
  tuning: boolean;
  miouPresent: number;
  miou: number;
  pixelAccuracy: number;
  clusters: number;
  dead: number;
  seconds: number;
}
const rows: Row[] = [];
const pct = (x: number) => (x * 100).toFixed(1);
const push = (alpha: number, seed: number, variant: string, s: QualityScore, dead: number, seconds: number) => {
  const r: Row = { alpha, seed, variant, tuning: isTuning(worldSeed, seed), miouPresent: s.miouPresent, miou: s.miou, pixelAccuracy: s.pixelAccuracy, clusters: s.clustersPredicted, dead, seconds };
  rows.push(r);
  console.log(
    `α ${alpha.toFixed(2)} seed ${seed}${r.tuning ? ' (tuning)' : ''}  ${variant.padEnd(40)} present ${pct(s.miouPresent).padStart(5)}  mIoU ${pct(s.miou).padStart(5)}  acc ${pct(s.pixelAccuracy).padStart(5)}  clusters ${String(s.clustersPredicted).padStart(2)}  dead ${dead}  ${seconds.toFixed(0)} s`,
  );
};

for (const alpha of alphas) {
  const { source, grids } = diag.sources(diag.build(alpha));
  for (const seed of seeds) {
    let t0 = Date.now();
    push(alpha, seed, 'k-means (features)', scoreModel(ws, trainKmeans(source, presetConfig('fast', 'kmeans', K, seed, 'wasm')), grids), 0, (Date.now() - t0) / 1000);
    const state = await endOfStep2(source, alpha, seed);
    const base = causeConfig(seed);
    for (const { spec: name, step3 } of settings) {
      t0 = Date.now();
      // Every variant through the trainer's Step 3 extension point, from the same end-of-Step-2 state.
      const config: TrainConfig = { ...base, step3: { ...base.step3, ...step3 } };
      let used = NaN;
      const model = await trainCause(source, config, {
        loadCheckpoint: () => state,
        metrics: (_s, m) => {
          if (m['step3.clustersUsed'] !== undefined) used = m['step3.clustersUsed'];
        },
      });
      push(alpha, seed, name, scoreModel(ws, model, grids as GridSource), K - used, (Date.now() - t0) / 1000);
    }
  }
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const sd = (xs: number[]) => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2)));
console.log(`\nmeans over seeds ${seeds.join(',')} (present-class mIoU ± sd / 27-class mIoU / acc / clusters / dead):`);
for (const alpha of alphas) {
  const names = [...new Set(rows.filter((r) => r.alpha === alpha).map((r) => r.variant))];
  const km = mean(rows.filter((r) => r.alpha === alpha && r.variant === 'k-means (features)').map((r) => r.miouPresent));
  for (const v of names) {
    const rs = rows.filter((r) => r.alpha === alpha && r.variant === v);
    const p = rs.map((r) => r.miouPresent);
    console.log(
      `α ${alpha.toFixed(2)}  ${v.padEnd(40)} ${pct(mean(p))} ± ${pct(sd(p))}  ${pct(mean(rs.map((r) => r.miou)))}  ${pct(mean(rs.map((r) => r.pixelAccuracy)))}  ${mean(rs.map((r) => r.clusters)).toFixed(1)}  ${mean(rs.map((r) => r.dead)).toFixed(1)}  | vs k-means ${((mean(p) - km) * 100).toFixed(1)}${rs.some((r) => r.tuning) ? '  (tuning)' : ''}`,
    );
  }
}
console.log(`total ${((Date.now() - t00) / 1000).toFixed(0)} s`);
console.log(`command: npx tsx scripts/step3-quality.ts ${argv.join(' ')}`);
console.log('RESULT ' + JSON.stringify({ featureSet: ws.set.id, worldSeed, params: { alphas, seeds, frameVar, noise, featureSeed }, rows }));
ws.close();
