// Issue 18's gates, measured: per-frame vs temporal prediction of the same experiments on a held-out
// SynthDrive val split — present-class mIoU (Cityscapes-27, Hungarian, reference geometry), ground-truth
// temporal inconsistency along the exported motion, and label-free static-region flicker — mean ± sd
// over the experiments (the demo's training seeds, none of them a tuning seed). In-process, with the
// engine's own prediction, histogram and metric code (no PNG round trip: the maps are lossless anyway).
//
// Run: npx tsx scripts/temporal-quality.ts --workspace DIR [--modes none,features,flow] [--experiments a,b,c] [--frames N]
//      --variants "none;flow;strong=flow:carry=0.9,margin=0.08" replaces --modes (";" between variants,
//      options as in scripts/temporal-tune.ts; the first variant named 'none' is the baseline).
// DIR: a workspace where `cause-studio demo` ran (its trained cause-mlp experiments and their val dataset).
import path from 'node:path';
import { formatMeanSd, meanSd } from '../main/cli/demo-plan.js';
import { loadModel } from '../main/engine/cause/model-io.js';
import { openDatabase } from '../main/engine/db/connection.js';
import { getExperimentRow, listExperimentSummaries, listPredictionSets } from '../main/engine/db/queries/experiments.js';
import { listFrames } from '../main/engine/datasets/frame-source.js';
import { openFeatureSet } from '../main/engine/features/feature-reader.js';
import { initTfBackend } from '../main/engine/tf/backend.js';
import { TEMPORAL_TUNING } from '../main/engine/temporal/tuning.js';
import { evaluateTemporal, parseVariant, pct, type TemporalFigure, type TemporalRow } from './lib/temporal-eval.js';

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const ws = arg('workspace');
if (!ws) throw new Error('--workspace DIR is required');
const variants = arg('variants') ? arg('variants')!.split(';').map(parseVariant) : (arg('modes') ?? 'none,features,flow').split(',').map(parseVariant);
const modes = variants.map((v) => v.name);
const db = openDatabase(path.join(ws, 'studio.db'), { readonly: true });
const ids = arg('experiments')?.split(',') ?? listExperimentSummaries(db).filter((e) => e.method === 'cause-mlp' && e.status === 'trained').map((e) => e.id);
await initTfBackend('auto');

const results = new Map<string, TemporalRow[]>(modes.map((m) => [m, []]));
for (const id of ids) {
  const row = getExperimentRow(db, id)!;
  if (TEMPORAL_TUNING.trainingSeeds.includes(row.seed)) process.stderr.write(`note: seed ${row.seed} was a temporal tuning seed (on world ${TEMPORAL_TUNING.worldSeeds.join(',')}, not on these frames)\n`);
  const set = listPredictionSets(db, id).find((p) => p.datasetId !== row.dataset_id);
  if (!set) throw new Error(`experiment ${id} has no predictions on a held-out dataset (run the demo first)`);
  const frames = listFrames(db, set.datasetId).slice(0, Number(arg('frames') ?? Infinity));
  const features = openFeatureSet(ws, set.featureSetId);
  const rows = await evaluateTemporal(loadModel(path.join(ws, row.model_file!)), frames, features, variants);
  for (const [mode, r] of rows) {
    if (!results.has(mode)) continue; // '(truth)': the ground truth's own figures
    results.get(mode)!.push(r);
    process.stderr.write(
      `${id.slice(0, 8)} seed ${row.seed} ${mode.padEnd(9)} mIoU(present) ${pct(r.miouPresent)}  GT inconsistency ${pct(r.inconsistency)}  flickerStatic ${pct(r.flickerStatic)}  ${((r.cpuSeconds / frames.length) * 1000).toFixed(0)} ms CPU/frame\n`,
    );
  }
  features.close();
}

const mean = (m: string, k: TemporalFigure) => meanSd(results.get(m)!.map((x) => x[k])).mean ?? Number.NaN;
console.log(`\n${ids.length} experiments (mean ± sd, %); ratios and Δ against 'none' of the same experiments`);
console.log('mode       mIoU(present)    GT inconsistency   flickerStatic     Δ mIoU (pts)  inconsistency ×  flicker ×  speed ×');
for (const mode of modes) {
  const r = results.get(mode)!;
  const cell = (k: TemporalFigure) => formatMeanSd(meanSd(r.map((x) => x[k]))).padEnd(17);
  const ratio = (k: TemporalFigure) => (modes.includes('none') ? (mean(mode, k) / mean('none', k)).toFixed(3) : 'n/a');
  const dm = modes.includes('none') ? ((mean(mode, 'miouPresent') - mean('none', 'miouPresent')) * 100).toFixed(2) : 'n/a';
  const speed = modes.includes('none') ? (mean('none', 'cpuSeconds') / mean(mode, 'cpuSeconds')).toFixed(2) : 'n/a';
  console.log(`${mode.padEnd(10)} ${cell('miouPresent')}${cell('inconsistency')} ${cell('flickerStatic')} ${dm.padStart(8)}      ${ratio('inconsistency').padEnd(16)} ${ratio('flickerStatic').padEnd(10)} ${speed}`);
}
console.log(`\nJSON ${JSON.stringify(Object.fromEntries([...results].map(([k, rs]) => [k, rs.map(({ miouPresent, inconsistency, flickerStatic, cpuSeconds, epeMedian }) => ({ miouPresent, inconsistency, flickerStatic, cpuSeconds, epeMedian }))])))}`);
db.close();
