// Picks the temporal settings on the tuning world (main/engine/temporal/tuning.ts: the TRAIN split of a
// demo workspace, never the scored val split): one trained experiment, per-frame vs temporal variants,
// scored in-process by present-class mIoU, the ground-truth temporal inconsistency along SynthDrive's
// motion, flickerStatic and CPU time; 'oracle' variants carry along the TRUE motion (an upper bound).
//
// Run: npx tsx scripts/temporal-tune.ts --workspace DIR [--seed 4] [--frames N] [--dataset NAME]
//        (--dataset: the experiment's training dataset by name, which must be a SynthDrive world of
//        TEMPORAL_TUNING.worldSeeds, e.g. w7201 with seed 71 in a study workspace; default: any)
//        [--eval-dataset NAME]  score on another tuning world's frames (e.g. w7202), as held-out figures are
//        [--variants "none;flow;back=flow:direction=backward;strong=flow:carry=0.95,margin=0.1;o=oracle:carry=0.9"]  (";" between variants)
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadModel } from '../main/engine/cause/model-io.js';
import { openDatabase } from '../main/engine/db/connection.js';
import { findDatasetRow, getDatasetRow } from '../main/engine/db/queries/datasets.js';
import { getFeatureSet, listFeatureSets } from '../main/engine/db/queries/features.js';
import { getExperimentRow, listExperimentSummaries } from '../main/engine/db/queries/experiments.js';
import { listFrames } from '../main/engine/datasets/frame-source.js';
import { openFeatureSet } from '../main/engine/features/feature-reader.js';
import { TEMPORAL_TUNING } from '../main/engine/temporal/tuning.js';
import { initTfBackend } from '../main/engine/tf/backend.js';
import { evaluateTemporal, parseVariant, pct, SPEED_BUCKETS } from './lib/temporal-eval.js';

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const ws = arg('workspace');
if (!ws) throw new Error('--workspace DIR is required');
const seed = Number(arg('seed') ?? TEMPORAL_TUNING.trainingSeeds[0]);
if (!TEMPORAL_TUNING.trainingSeeds.includes(seed)) throw new Error(`seed ${seed} is not a temporal tuning seed (main/engine/temporal/tuning.ts)`);

const variants = (arg('variants') ?? 'none;features;flow;oracle').split(';').map(parseVariant);
const db = openDatabase(path.join(ws, 'studio.db'), { readonly: true });
const datasetName = arg('dataset');
const exp = listExperimentSummaries(db)
  .filter((e) => e.method === 'cause-mlp' && e.status === 'trained' && getExperimentRow(db, e.id)!.seed === seed)
  .filter((e) => !datasetName || getDatasetRow(db, getExperimentRow(db, e.id)!.dataset_id)?.name === datasetName)
  // the oldest: a study's default cell comes before its variants
  .sort((a, b) => a.createdAt.localeCompare(b.createdAt))[0];
if (!exp) throw new Error(`no trained cause-mlp experiment of seed ${seed}${datasetName ? ` on ${datasetName}` : ''} in ${ws}`);
const row = getExperimentRow(db, exp.id)!;
const world = worldSeedOf(getDatasetRow(db, row.dataset_id)!.root);
if (!TEMPORAL_TUNING.worldSeeds.includes(world)) throw new Error(`${exp.id}: its training world ${world} is not a temporal tuning world (main/engine/temporal/tuning.ts)`);
// --eval-dataset: score the experiment on another tuning world's frames (train ≠ scored, as held out)
const evalName = arg('eval-dataset');
const evalDs = evalName ? findDatasetRow(db, evalName) : getDatasetRow(db, row.dataset_id);
if (!evalDs) throw new Error(`no dataset named ${evalName} in ${ws}`);
const scoredWorld = worldSeedOf(evalDs.root);
if (!TEMPORAL_TUNING.worldSeeds.includes(scoredWorld)) throw new Error(`${evalName}: world ${scoredWorld} is not a temporal tuning world (main/engine/temporal/tuning.ts)`);
const backboneKey = getFeatureSet(db, row.feature_set_id)!.backbone_key;
const featureSet = evalName ? listFeatureSets(db, evalDs.id).find((f) => f.backbone_key === backboneKey) : getFeatureSet(db, row.feature_set_id);
if (!featureSet) throw new Error(`no ${backboneKey} features of ${evalName} in ${ws}`);
const frames = listFrames(db, evalDs.id).slice(0, Number(arg('frames') ?? Infinity));
const set = openFeatureSet(ws, featureSet.id);
await initTfBackend('auto');
const rows = await evaluateTemporal(loadModel(path.join(ws, row.model_file!)), frames, set, variants);
const base = rows.get('none');
console.log(`experiment ${exp.id.slice(0, 8)} seed ${seed} (trained on tuning world ${world}), ${frames.length} frames of tuning world ${scoredWorld}`);
console.log('variant                                   mIoU(p)  Δpts   GT-incons  ×none   flickerSt  ×none   ms/frame  epe(px)');
for (const v of [{ name: '(truth)', options: undefined }, ...variants]) {
  const r = rows.get(v.name)!;
  const label = `${v.name}${v.options && Object.keys(v.options).length ? ' ' + JSON.stringify(v.options) : ''}`;
  console.log(
    `${label.slice(0, 40).padEnd(41)} ${pct(r.miouPresent).padStart(6)} ${base ? ((r.miouPresent - base.miouPresent) * 100).toFixed(2).padStart(6) : '   n/a'}  ${pct(r.inconsistency).padStart(7)}  ${base ? (r.inconsistency / base.inconsistency).toFixed(3) : 'n/a'}  ${pct(r.flickerStatic).padStart(8)}  ${base ? (r.flickerStatic / base.flickerStatic).toFixed(3) : 'n/a'}  ${((r.cpuSeconds / frames.length) * 1000).toFixed(0).padStart(7)}  ${Number.isFinite(r.epeMedian) ? r.epeMedian.toFixed(2) : '-'}`,
  );
}
if (arg('diag')) {
  // per true class: share of static pixels, flicker there, share with invalid true motion; IoU per class
  const none = rows.get('none')!;
  const tot = none.staticByClass!.pixels.reduce((a, b) => a + b, 0);
  console.log('\nstatic pixels by true labelId: share %, invalid-motion %, flicker % per variant');
  for (let l = 0; l < 256; l++) {
    const n = none.staticByClass!.pixels[l]!;
    if (n < tot * 0.005) continue;
    const cells = variants.map((v) => `${v.name} ${pct(rows.get(v.name)!.staticByClass!.changed[l]! / n)}`).join('  ');
    console.log(`label ${String(l).padStart(2)}: ${pct(n / tot).padStart(6)}  inv ${pct(none.staticByClass!.invalidMotion[l]! / n).padStart(6)}  ${cells}`);
  }
  const by = (v: string) => rows.get(v)!.inconsistencyBy!;
  console.log('\nGT inconsistency by true labelId: share of the followed pixels %, then inconsistency % per variant');
  const followed = by('none').classPixels.reduce((a, b) => a + b, 0);
  for (let l = 0; l < 256; l++) {
    const n = by('none').classPixels[l]!;
    if (n < followed * 0.005) continue;
    console.log(`label ${String(l).padStart(2)}: ${pct(n / followed).padStart(6)}  ${variants.map((v) => `${v.name} ${pct(by(v.name).classChanged[l]! / n)}`).join('  ')}`);
  }
  console.log('GT inconsistency by true motion (px/frame): share %, then inconsistency % per variant');
  for (let b = 0; b <= SPEED_BUCKETS.length; b++) {
    const n = by('none').speedPixels[b]!;
    const range = b === 0 ? `< ${SPEED_BUCKETS[0]}` : b === SPEED_BUCKETS.length ? `≥ ${SPEED_BUCKETS[b - 1]}` : `${SPEED_BUCKETS[b - 1]}–${SPEED_BUCKETS[b]}`;
    console.log(`${range.padEnd(8)} ${pct(n / followed).padStart(6)}  ${variants.map((v) => `${v.name} ${pct(by(v.name).speedChanged[b]! / n)}`).join('  ')}`);
  }
  console.log('\nIoU per class (Cityscapes-27 index): ' + variants.map((v) => v.name).join(' / '));
  none.iou!.forEach((x, c) => {
    if (!Number.isFinite(x)) return;
    console.log(`  ${String(c).padStart(2)}: ${variants.map((v) => pct(rows.get(v.name)!.iou![c]!)).join(' / ')}`);
  });
}
set.close();
db.close();

/** The SynthDrive world seed of a dataset root (its synthdrive.json; the demo's train split is world 5). */
function worldSeedOf(root: string): number {
  const meta = JSON.parse(readFileSync(path.join(root, 'synthdrive.json'), 'utf8')) as { worldSeed?: number; params?: { seed?: number } };
  return Number(meta.worldSeed ?? meta.params?.seed);
}
