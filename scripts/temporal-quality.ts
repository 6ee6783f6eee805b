// Issue 18's gates, measured: per-frame vs temporal prediction of the same experiments on a held-out
// SynthDrive val split — present-class mIoU (Cityscapes-27, Hungarian, reference geometry), ground-truth
// temporal inconsistency along the exported motion, and label-free static-region flicker — mean ± sd
// over the experiments (the demo's training seeds, none of them a tuning seed). In-process, with the
// engine's own prediction, histogram and metric code (no PNG round trip: the maps are lossless anyway).
//
// Run: npx tsx scripts/temporal-quality.ts --workspace DIR [--modes none,features,flow] [--experiments a,b,c] [--frames N]
// DIR: a workspace where `cause-studio demo` ran (its trained cause-mlp experiments and their val dataset).
import path from 'node:path';
import sharp from 'sharp';
import { formatMeanSd, meanSd } from '../main/cli/demo-plan.js';
import { loadModel } from '../main/engine/cause/model-io.js';
import { centreCropRegion, Predictor, type Prediction } from '../main/engine/cause/predict.js';
import { openDatabase } from '../main/engine/db/connection.js';
import { getExperimentRow, listExperimentSummaries, listPredictionSets } from '../main/engine/db/queries/experiments.js';
import { listFrames, readImageRGB, readLabelMap } from '../main/engine/datasets/frame-source.js';
import { applySampler, referenceSampler } from '../main/engine/eval/geometry.js';
import { HistogramBuilder } from '../main/engine/eval/histogram.js';
import { readFrameMotion } from '../main/engine/eval/motion-source.js';
import { protocolFromSpec } from '../main/engine/eval/protocol-spec.js';
import { openFeatureSet } from '../main/engine/features/feature-reader.js';
import { TemporalPredictor } from '../main/engine/temporal/temporal-predictor.js';
import { initTfBackend } from '../main/engine/tf/backend.js';
import { hungarianMapping, scoreHistogram } from '../shared/metrics/confusion.js';
import { LabelFreeAccumulator } from '../shared/metrics/label-free.js';
import { TemporalConsistencyAccumulator } from '../shared/metrics/temporal-consistency.js';
import type { TemporalMode } from '../shared/contract/experiments.js';

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const ws = arg('workspace');
if (!ws) throw new Error('--workspace DIR is required');
const modes = (arg('modes') ?? 'none,features,flow').split(',') as TemporalMode[];
const db = openDatabase(path.join(ws, 'studio.db'), { readonly: true });
const ids = arg('experiments')?.split(',') ?? listExperimentSummaries(db).filter((e) => e.method === 'cause-mlp' && e.status === 'trained').map((e) => e.id);
const protocol = protocolFromSpec({ id: 'cityscapes-27' });
await initTfBackend('auto');

interface Row {
  miouPresent: number;
  inconsistency: number;
  flickerStatic: number;
  cpuSeconds: number;
}
const results = new Map<TemporalMode, Row[]>(modes.map((m) => [m, []]));
for (const id of ids) {
  const row = getExperimentRow(db, id)!;
  const set = listPredictionSets(db, id).find((p) => p.datasetId !== row.dataset_id);
  if (!set) throw new Error(`experiment ${id} has no predictions on a held-out dataset (run the demo first)`);
  const frames = listFrames(db, set.datasetId).slice(0, Number(arg('frames') ?? Infinity));
  const features = openFeatureSet(ws, set.featureSetId);
  const itemOf = new Map(features.items.map((it, i) => [it.frameId, i] as const));
  const predictor = new Predictor(loadModel(path.join(ws, row.model_file!)), true);
  // ground truth, motion and luma once per experiment (the same frames for every mode)
  const truth = await Promise.all(
    frames.map(async (f) => {
      const luma = await sharp(f.imagePath).removeAlpha().toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
      return { label: await readLabelMap(f.labelPath!), motion: await readFrameMotion(f.imagePath), luma: new Uint8Array(luma.data) };
    }),
  );
  for (const mode of modes) {
    const temporal = mode === 'none' ? null : new TemporalPredictor(predictor, mode);
    const hist = new HistogramBuilder(predictor.clusters, protocol, 'reference');
    const lf = new LabelFreeAccumulator(predictor.clusters, { staticThreshold: 6 });
    const tc = new TemporalConsistencyAccumulator((l) => l === 0);
    let cpu = 0;
    for (const [i, f] of frames.entries()) {
      const grid = features.read(itemOf.get(f.id)!);
      const region = centreCropRegion(f.width, f.height, features.preprocessing.width, features.preprocessing.height);
      const g = features.grid;
      const rgb = mode === 'flow' ? (await readImageRGB(f.imagePath)).data : undefined;
      const c0 = process.cpuUsage();
      const p: Prediction = temporal
        ? temporal.predict({ sequence: f.sequenceId, grid, h: g.h, w: g.w, dim: features.dim, outW: f.width, outH: f.height, region, ...(rgb ? { rgb } : {}) })
        : predictor.predict(grid, g.h, g.w, features.dim, f.width, f.height, region);
      const c = process.cpuUsage(c0);
      cpu += (c.user + c.system) / 1e6;
      const t = truth[i]!;
      const pred = { data: p.clusters, width: p.width, height: p.height };
      hist.addFrame({ frameId: f.id, labelPath: f.labelPath! }, pred, t.label);
      const ps = referenceSampler(p.width, p.height);
      lf.addFrame({ sequence: f.sequenceId, clusters: applySampler(ps, p.clusters), luma: applySampler(referenceSampler(f.width, f.height), t.luma) });
      tc.addFrame({ sequence: f.sequenceId, width: p.width, height: p.height, clusters: p.clusters, labels: t.label.data, motion: t.motion });
    }
    const h = hist.result();
    const score = scoreHistogram(h.histogram, h.K, h.C, hungarianMapping(h.histogram, h.K, h.C));
    const r = { miouPresent: score.miouPresent, inconsistency: tc.summary().inconsistency, flickerStatic: lf.summary().flickerStatic, cpuSeconds: cpu };
    results.get(mode)!.push(r);
    process.stderr.write(
      `${id.slice(0, 8)} seed ${row.seed} ${mode.padEnd(9)} mIoU(present) ${pct(r.miouPresent)}  GT inconsistency ${pct(r.inconsistency)}  flickerStatic ${pct(r.flickerStatic)}  ${((cpu / frames.length) * 1000).toFixed(0)} ms CPU/frame\n`,
    );
  }
  predictor.dispose();
  features.close();
}

function pct(x: number): string {
  return Number.isFinite(x) ? (x * 100).toFixed(2) : 'n/a';
}
const mean = (m: TemporalMode, k: keyof Row) => meanSd(results.get(m)!.map((x) => x[k])).mean ?? Number.NaN;
console.log(`\n${ids.length} experiments (mean ± sd, %); ratios and Δ against 'none' of the same experiments`);
console.log('mode       mIoU(present)    GT inconsistency   flickerStatic     Δ mIoU (pts)  inconsistency ×  flicker ×  speed ×');
for (const mode of modes) {
  const r = results.get(mode)!;
  const cell = (k: keyof Row) => formatMeanSd(meanSd(r.map((x) => x[k]))).padEnd(17);
  const ratio = (k: keyof Row) => (modes.includes('none') ? (mean(mode, k) / mean('none', k)).toFixed(3) : 'n/a');
  const dm = modes.includes('none') ? ((mean(mode, 'miouPresent') - mean('none', 'miouPresent')) * 100).toFixed(2) : 'n/a';
  const speed = modes.includes('none') ? (mean('none', 'cpuSeconds') / mean(mode, 'cpuSeconds')).toFixed(2) : 'n/a';
  console.log(`${mode.padEnd(10)} ${cell('miouPresent')}${cell('inconsistency')} ${cell('flickerStatic')} ${dm.padStart(8)}      ${ratio('inconsistency').padEnd(16)} ${ratio('flickerStatic').padEnd(10)} ${speed}`);
}
console.log(`\nJSON ${JSON.stringify(Object.fromEntries(results))}`);
db.close();
