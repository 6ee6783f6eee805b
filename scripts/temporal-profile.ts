// Where a temporal mode's CPU time goes, per phase and per frame, on the tuning world (tuning.ts: the TRAIN
// split of the demo workspace, experiment of training seed 4) — the same prediction path as the predict job
// (image decode for 'flow', half-size scores, flow / patch matches, filter, upsampled argmax, PNG encoding).
//
// Run: npx tsx scripts/temporal-profile.ts --workspace DIR [--frames 30] [--rounds 2] [--modes "none;features;flow"]
//        [--variants "q4=flow:flowFactor=4"]   (variants as scripts/temporal-tune.ts)
//        [--dump PREFIX]     writes each variant's labels and confidences (last round) to PREFIX.<variant>.bin
//        [--threads 2]       temporal links through a LinkPipeline on the helper thread, as the predict job
//                            (its phases are then not in the profile; the labels must not change)
//        [--compare PREFIX]  counts label / confidence pixels that differ from such a dump (a speed-up that
//                            should not change what the filter computes must report 0)
import { temporalFrameOf } from '../main/engine/cause/predict-two-pass.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadModel } from '../main/engine/cause/model-io.js';
import { encodeClusterMap, encodeConfidenceMap } from '../main/engine/cause/prediction-png.js';
import { Predictor } from '../main/engine/cause/predict.js';
import { openDatabase } from '../main/engine/db/connection.js';
import { getExperimentRow, listExperimentSummaries } from '../main/engine/db/queries/experiments.js';
import { listFrames, readImageRGB } from '../main/engine/datasets/frame-source.js';
import { openFeatureSet } from '../main/engine/features/feature-reader.js';
import { PhaseProfile } from '../main/engine/temporal/phase-profile.js';
import { LinkPipeline, stopTemporalHelper } from '../main/engine/temporal/link-pipeline.js';
import { TemporalPredictor } from '../main/engine/temporal/temporal-predictor.js';
import { TEMPORAL_TUNING } from '../main/engine/temporal/tuning.js';
import { initTfBackend } from '../main/engine/tf/backend.js';
import { uptime } from '../bench/lib/machine.js';
import { parseVariant } from './lib/temporal-eval.js';

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const ws = arg('workspace');
if (!ws) throw new Error('--workspace DIR is required');
const rounds = Number(arg('rounds') ?? 2);
const threads = Number(arg('threads') ?? 1);
const variants = (arg('variants') ?? 'none;features;flow').split(';').map(parseVariant);
const db = openDatabase(path.join(ws, 'studio.db'), { readonly: true });
const seed = TEMPORAL_TUNING.trainingSeeds[0]!;
const exp = listExperimentSummaries(db).find((e) => e.method === 'cause-mlp' && e.status === 'trained' && getExperimentRow(db, e.id)!.seed === seed);
if (!exp) throw new Error(`no trained cause-mlp experiment of seed ${seed} in ${ws}`);
const row = getExperimentRow(db, exp.id)!;
const frames = listFrames(db, row.dataset_id).slice(0, Number(arg('frames') ?? 30));
const set = openFeatureSet(ws, row.feature_set_id);
const itemOf = new Map(set.items.map((it, i) => [it.frameId, i] as const));
await initTfBackend('auto');
const predictor = new Predictor(loadModel(path.join(ws, row.model_file!)), true);

async function run(v: (typeof variants)[number], profile: PhaseProfile): Promise<Buffer[]> {
  const out: Buffer[] = [];
  const temporal = v.mode === 'none' ? null : new TemporalPredictor(predictor, v.mode === 'oracle' ? 'flow' : v.mode, { ...v.options, profile });
  const links = temporal && threads > 1 ? await LinkPipeline.open(temporal.mode, temporal.linkOptions, threads) : null;
  const frameOf = (f: (typeof frames)[number]) => temporalFrameOf(set, itemOf, f);
  if (links) for (const f of frames) links.submit({ ...frameOf(f), ...(v.mode === 'flow' ? { rgb: readImageRGB(f.imagePath).then((im) => im.data) } : {}) });
  for (const f of frames) {
    const { grid, region } = frameOf(f);
    profile.start();
    const rgb = v.mode === 'flow' && !links ? (await readImageRGB(f.imagePath)).data : undefined;
    profile.mark('decode png');
    const link = links ? await links.next() : undefined;
    profile.mark('wait for the link');
    const p = temporal
      ? temporal.predict({ sequence: f.sequenceId, grid, h: set.grid.h, w: set.grid.w, dim: set.dim, outW: f.width, outH: f.height, region, ...(rgb ? { rgb } : {}), ...(link ? { link } : {}) })
      : predictor.predict(grid, set.grid.h, set.grid.w, set.dim, f.width, f.height, region);
    profile.mark(temporal ? 'rest of predict' : 'predict');
    out.push(Buffer.from(p.clusters.buffer, p.clusters.byteOffset, p.clusters.byteLength), Buffer.from(p.confidence));
    await encodeClusterMap(p.clusters, p.width, p.height, predictor.clusters);
    await encodeConfidenceMap(p.confidence, p.width, p.height);
    profile.mark('encode pngs');
    profile.frames++;
  }
  links?.close();
  return out;
}

console.log(`machine: ${os.cpus().length} cores; ${uptime()}`);
console.log(`experiment ${exp.id.slice(0, 8)} seed ${seed}, ${frames.length} TRAIN frames (tuning world), ${rounds} rounds`);
// one profile per variant and round: the machine is shared, so the round least disturbed (the smallest
// total) is printed beside the mean over rounds
const profiles = new Map(variants.map((v) => [v.name, Array.from({ length: rounds }, () => new PhaseProfile())] as const));
await run(variants[0]!, new PhaseProfile()); // warm-up
const outputs = new Map<string, Buffer[]>();
for (let r = 0; r < rounds; r++) for (const v of r % 2 === 0 ? variants : [...variants].reverse()) outputs.set(v.name, await run(v, profiles.get(v.name)![r]!));
const dump = arg('dump');
const compare = arg('compare');
for (const v of variants) {
  const bufs = outputs.get(v.name)!;
  if (dump) fs.writeFileSync(`${dump}.${v.name}.bin`, Buffer.concat(bufs));
  if (compare) {
    const ref = fs.readFileSync(`${compare}.${v.name}.bin`);
    let off = 0;
    let labels = 0;
    let conf = 0;
    let pixels = 0;
    for (const [j, b] of bufs.entries()) {
      const isLabel = j % 2 === 0;
      const step = isLabel ? 2 : 1;
      for (let k = 0; k < b.length; k += step) {
        const same = isLabel ? b.readUInt16LE(k) === ref.readUInt16LE(off + k) : b[k] === ref[off + k];
        if (!same && isLabel) labels++;
        else if (!same) conf++;
        if (isLabel) pixels++;
      }
      off += b.length;
    }
    console.log(`${v.name}: ${labels} of ${pixels} label pixels and ${conf} confidences differ from ${compare}.${v.name}.bin`);
  }
}
for (const v of variants) {
  const ps = profiles.get(v.name)!;
  const best = ps.reduce((a, b) => (b.totalMs() < a.totalMs() ? b : a));
  const mean = (phase: string) => ps.reduce((s, p) => s + (p.entries().find(([k]) => k === phase)?.[1] ?? 0) / p.frames, 0) / ps.length;
  console.log(`\n${v.name}: ${(best.totalMs() / best.frames).toFixed(1)} ms CPU/frame in the best round (rounds: ${ps.map((p) => (p.totalMs() / p.frames).toFixed(0)).join(', ')})`);
  console.log(`  ${'phase'.padEnd(28)}    best     mean`);
  for (const [phase, ms] of best.entries()) console.log(`  ${phase.padEnd(28)} ${(ms / best.frames).toFixed(2).padStart(7)} ${mean(phase).toFixed(2).padStart(8)}`);
}
console.log(`\ncommand: npx tsx scripts/temporal-profile.ts --workspace ${ws} --frames ${frames.length} --rounds ${rounds} --variants "${arg('variants') ?? 'none;features;flow'}"; ${uptime()}`);
await stopTemporalHelper();
predictor.dispose();
set.close();
db.close();
