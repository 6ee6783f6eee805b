// Picks the temporal carry weight on the TRAIN split of a demo workspace (never the scored val split):
// for one trained experiment, per-frame vs temporal prediction in-process, scored by the ground-truth
// temporal inconsistency along SynthDrive's motion and by agreement with the per-frame prediction
// (a label-free stand-in for "mIoU does not drop"). Run: npx tsx scripts/temporal-tune.ts --workspace DIR
import path from 'node:path';
import { TemporalConsistencyAccumulator } from '../shared/metrics/temporal-consistency.js';
import { loadModel } from '../main/engine/cause/model-io.js';
import { centreCropRegion, Predictor } from '../main/engine/cause/predict.js';
import { openDatabase } from '../main/engine/db/connection.js';
import { getExperimentRow, listExperimentSummaries } from '../main/engine/db/queries/experiments.js';
import { listFrames, readImageRGB, readLabelMap } from '../main/engine/datasets/frame-source.js';
import { readFrameMotion } from '../main/engine/eval/motion-source.js';
import { openFeatureSet } from '../main/engine/features/feature-reader.js';
import { TemporalPredictor } from '../main/engine/temporal/temporal-predictor.js';
import { argmaxProbabilities, softmaxRows, TemporalCarry } from '../main/engine/temporal/carry.js';
import { initTfBackend } from '../main/engine/tf/backend.js';

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const ws = arg('workspace')!;
const weights = (arg('weights') ?? '0.5,0.7,0.85').split(',').map(Number);
const modes = (arg('modes') ?? 'features').split(',') as ('features' | 'flow')[];
const maxFrames = Number(arg('frames') ?? 60);
const db = openDatabase(path.join(ws, 'studio.db'), { readonly: true });
const exp = listExperimentSummaries(db).find((e) => e.method === 'cause-mlp' && e.status === 'trained')!;
const row = getExperimentRow(db, exp.id)!;
const frames = listFrames(db, row.dataset_id).slice(0, maxFrames);
const set = openFeatureSet(ws, row.feature_set_id);
const itemOf = new Map<string, number>();
set.items.forEach((it, i) => it.crop === 0 && !itemOf.has(it.frameId) && itemOf.set(it.frameId, i));
await initTfBackend('auto');
const predictor = new Predictor(loadModel(path.join(ws, row.model_file!)), true);
const gt = await Promise.all(frames.map(async (f) => ({ labels: (await readLabelMap(f.labelPath!)).data, motion: await readFrameMotion(f.imagePath) })));

function score(maps: Uint16Array[]): number {
  const acc = new TemporalConsistencyAccumulator((l) => l === 0);
  frames.forEach((f, i) => acc.addFrame({ sequence: f.sequenceId, width: f.width, height: f.height, clusters: maps[i]!, labels: gt[i]!.labels, motion: gt[i]!.motion }));
  return acc.summary().inconsistency;
}
const minSim = arg('min-similarity') ? Number(arg('min-similarity')) : undefined;
const flowSigma = arg('flow-sigma') ? Number(arg('flow-sigma')) : undefined;
async function run(mode: 'none' | 'features' | 'flow', weight: number): Promise<Uint16Array[]> {
  const t = mode === 'none' ? null : new TemporalPredictor(predictor, mode, { carry: weight, ...(minSim !== undefined ? { minSimilarity: minSim } : {}), ...(flowSigma !== undefined ? { flowSigma } : {}) });
  const out: Uint16Array[] = [];
  const epe: number[] = [];
  let confSum = 0;
  let confN = 0;
  for (const [fi, f] of frames.entries()) {
    const grid = set.read(itemOf.get(f.id)!);
    const region = centreCropRegion(f.width, f.height, set.preprocessing.width, set.preprocessing.height);
    const args = { sequence: f.sequenceId, grid, h: set.grid.h, w: set.grid.w, dim: set.dim, outW: f.width, outH: f.height, region };
    const p = t ? t.predict(mode === 'flow' ? { ...args, rgb: (await readImageRGB(f.imagePath)).data } : args) : predictor.predict(grid, set.grid.h, set.grid.w, set.dim, f.width, f.height, region);
    out.push(p.clusters);
    const c = t?.lastCorrespondence;
    const m = gt[fi]!.motion;
    if (c && m) {
      for (let i = 0; i < m.u.length; i += 7) {
        if (Number.isNaN(m.u[i]!)) continue;
        epe.push(Math.hypot(c.u[i]! - m.u[i]!, c.v[i]! - m.v[i]!));
        confSum += c.confidence[i]!;
        confN++;
      }
    }
  }
  if (epe.length) {
    epe.sort((a, b) => a - b);
    console.log(`  ${mode}: endpoint error vs true motion median ${epe[epe.length >> 1]!.toFixed(2)} px, p90 ${epe[Math.floor(epe.length * 0.9)]!.toFixed(2)} px; mean confidence ${(confSum / confN).toFixed(2)}`);
  }
  return out;
}
/** Upper bound: the carry along the TRUE motion at full confidence (what perfect correspondences give). */
function oracle(weight: number, scale: number): Uint16Array[] {
  const carry = new TemporalCarry(predictor.clusters, weight);
  return frames.map((f, i) => {
    const grid = set.read(itemOf.get(f.id)!);
    const region = centreCropRegion(f.width, f.height, set.preprocessing.width, set.preprocessing.height);
    const probs = predictor.cosines(grid, set.grid.h, set.grid.w, set.dim, f.width, f.height, region);
    softmaxRows(probs, predictor.clusters, scale);
    const m = gt[i]!.motion;
    const corr = m && i > 0 ? { width: f.width, height: f.height, u: m.u.map((x) => (Number.isNaN(x) ? 0 : x)), v: m.v.map((x) => (Number.isNaN(x) ? 0 : x)), confidence: m.u.map((x) => (Number.isNaN(x) ? 0 : 1)) } : null;
    carry.step(f.sequenceId, probs, f.width, f.height, corr, null);
    return argmaxProbabilities(probs, predictor.clusters, f.width * f.height).clusters;
  });
}
{
  const mag: number[] = [];
  for (const g of gt) if (g.motion) for (let i = 0; i < g.motion.u.length; i += 7) if (!Number.isNaN(g.motion.u[i]!)) mag.push(Math.hypot(g.motion.u[i]!, g.motion.v[i]!));
  mag.sort((a, b) => a - b);
  console.log(`true motion: median ${mag[mag.length >> 1]?.toFixed(2)} px, p90 ${mag[Math.floor(mag.length * 0.9)]?.toFixed(2)} px (the zero field's endpoint error)`);
}
const base = await run('none', 0);
if (arg('oracle')) for (const w of weights) for (const sc of [3, 10, 30]) console.log(`oracle carry ${w} scale ${sc}: inconsistency ${(score(oracle(w, sc)) * 100).toFixed(2)} %`);
console.log(`experiment ${exp.id.slice(0, 8)} on its train split (${frames.length} frames): per-frame inconsistency ${(score(base) * 100).toFixed(2)} %`);
for (const mode of modes) {
  for (const w of weights) {
    const m = await run(mode, w);
    let same = 0;
    let n = 0;
    m.forEach((a, i) => a.forEach((v, j) => ((n++), v === base[i]![j] && same++)));
    console.log(`${mode} carry ${w}: inconsistency ${(score(m) * 100).toFixed(2)} %, agreement with per-frame ${((same / n) * 100).toFixed(1)} %`);
  }
}
