// The Step 2 temporal positives' effect (issue 18): for each of the demo's cause-mlp experiments, the
// same config retrained with step2.temporal set, and both scored per frame on the held-out val split
// (present-class mIoU, GT temporal inconsistency, flicker; scripts/lib/temporal-eval.ts). The temporal
// run trains its Step 2 on tfjs (the option's only engine), the demo's on onnxruntime where available:
// the same maths (tfjs is the graphs' oracle), not the same float rounding.
//
// Run: npx tsx scripts/temporal-positives-effect.ts --workspace DIR [--seeds 4,5,6] [--offset 1] [--min-similarity 0.6] [--frames N]
import path from 'node:path';
import { trainConfigSchema } from '../shared/contract/experiments.js';
import { formatMeanSd, meanSd } from '../main/cli/demo-plan.js';
import type { FeatureSource } from '../main/engine/cause/features.js';
import { loadModel } from '../main/engine/cause/model-io.js';
import { trainCause } from '../main/engine/cause/trainer.js';
import { openDatabase } from '../main/engine/db/connection.js';
import { experimentConfig, getExperimentRow, listExperimentSummaries, listPredictionSets } from '../main/engine/db/queries/experiments.js';
import { listFrames } from '../main/engine/datasets/frame-source.js';
import { openFeatureSet } from '../main/engine/features/feature-reader.js';
import { neighbourLookup } from '../main/engine/temporal/neighbours.js';
import { initTfBackend } from '../main/engine/tf/backend.js';
import { evaluateTemporal, pct, type TemporalFigure, type TemporalRow } from './lib/temporal-eval.js';

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const ws = arg('workspace');
if (!ws) throw new Error('--workspace DIR is required');
const seeds = (arg('seeds') ?? '4,5,6').split(',').map(Number);
const temporal = { offset: Number(arg('offset') ?? 1), minSimilarity: Number(arg('min-similarity') ?? 0.6) };
const db = openDatabase(path.join(ws, 'studio.db'), { readonly: true });
await initTfBackend('auto');

const rows: { base: TemporalRow[]; temporal: TemporalRow[] } = { base: [], temporal: [] };
for (const seed of seeds) {
  const exp = listExperimentSummaries(db).find((e) => e.method === 'cause-mlp' && e.status === 'trained' && e.seed === seed);
  if (!exp) throw new Error(`no trained cause-mlp experiment with seed ${seed} in ${ws}`);
  const row = getExperimentRow(db, exp.id)!;
  const config = trainConfigSchema.parse({ ...experimentConfig(row), step2: { ...experimentConfig(row).step2, temporal } });
  const set = openFeatureSet(ws, row.feature_set_id);
  const source: FeatureSource = {
    count: set.items.length,
    h: set.grid.h,
    w: set.grid.w,
    dim: set.dim,
    read: (i) => set.read(i),
    neighbour: neighbourLookup(set.items, listFrames(db, set.datasetId)),
  };
  const t0 = Date.now();
  const model = await trainCause(source, config, {});
  process.stderr.write(`seed ${seed}: trained with temporal positives in ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
  set.close();
  const val = listPredictionSets(db, exp.id).find((p) => p.datasetId !== row.dataset_id)!;
  const frames = listFrames(db, val.datasetId).slice(0, Number(arg('frames') ?? Infinity));
  const features = openFeatureSet(ws, val.featureSetId);
  const base = (await evaluateTemporal(loadModel(path.join(ws, row.model_file!)), frames, features, ['none'])).get('none')!;
  const withT = (await evaluateTemporal(model, frames, features, ['none'])).get('none')!;
  features.close();
  rows.base.push(base);
  rows.temporal.push(withT);
  for (const [name, r] of [['release loss', base], ['+ temporal positives', withT]] as const) {
    process.stderr.write(`seed ${seed} ${name.padEnd(21)} mIoU(present) ${pct(r.miouPresent)}  GT inconsistency ${pct(r.inconsistency)}  flickerStatic ${pct(r.flickerStatic)}\n`);
  }
}
console.log(`\nStep 2 temporal positives (offset ${temporal.offset}, min similarity ${temporal.minSimilarity}), seeds ${seeds.join(',')}, per-frame prediction on val (mean ± sd, %)`);
for (const [name, r] of [['release loss', rows.base], ['+ temporal positives', rows.temporal]] as const) {
  const cell = (k: TemporalFigure) => formatMeanSd(meanSd(r.map((x) => x[k]))).padEnd(16);
  console.log(`${name.padEnd(21)} mIoU(present) ${cell('miouPresent')} GT inconsistency ${cell('inconsistency')} flickerStatic ${cell('flickerStatic')}`);
}
console.log(`\nJSON ${JSON.stringify(rows)}`);
