// Temporal prediction's cost against per-frame prediction of the same experiment on the same frames:
// CPU time of the prediction path of the predict job (probabilities, carry, image decoding for 'flow',
// PNG encoding), in this process, modes interleaved over rounds so load drift hits all alike.
// Gate (issue 18): temporal ≥ 0.8× per-frame speed, i.e. cpu(none)/cpu(mode) ≥ 0.8.
//
// Run: npm run bench:temporal -- [--workspace DIR] [--rounds N] [--frames N]
// DIR holds a finished `cause-studio demo` (default $CAUSE_STUDIO_HOME); without one the bench runs
// `demo --seeds 1` into a temporary workspace first (several minutes).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TemporalMode } from '../shared/contract/experiments.js';
import { loadModel } from '../main/engine/cause/model-io.js';
import { encodeClusterMap, encodeConfidenceMap } from '../main/engine/cause/prediction-png.js';
import { centreCropRegion, Predictor } from '../main/engine/cause/predict.js';
import { openDatabase } from '../main/engine/db/connection.js';
import { getExperimentRow, listExperimentSummaries, listPredictionSets } from '../main/engine/db/queries/experiments.js';
import { listFrames, readImageRGB } from '../main/engine/datasets/frame-source.js';
import { openFeatureSet } from '../main/engine/features/feature-reader.js';
import { TemporalPredictor } from '../main/engine/temporal/temporal-predictor.js';
import { initTfBackend } from '../main/engine/tf/backend.js';
import { uptime } from './lib/machine.js';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const rounds = Number(arg('rounds') ?? 2);
let ws = arg('workspace') ?? process.env.CAUSE_STUDIO_HOME;
if (!ws || !fs.existsSync(path.join(ws, 'studio.db'))) {
  ws = fs.mkdtempSync(path.join(os.tmpdir(), 'cause-temporal-bench-'));
  console.log(`no demo workspace given: running demo --seeds 1 into ${ws}`);
  const r = spawnSync(process.execPath, [path.join(root, 'bin', 'cause-studio.js'), '--json', 'demo', '--seeds', '1'], {
    env: { ...process.env, CAUSE_STUDIO_HOME: ws },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (r.status !== 0) throw new Error(`demo failed (exit ${r.status})`);
}

const db = openDatabase(path.join(ws, 'studio.db'), { readonly: true });
const exp = listExperimentSummaries(db).find((e) => e.method === 'cause-mlp' && e.status === 'trained');
if (!exp) throw new Error(`${ws}: no trained cause-mlp experiment`);
const row = getExperimentRow(db, exp.id)!;
const set = listPredictionSets(db, exp.id).find((p) => p.datasetId !== row.dataset_id);
if (!set) throw new Error(`${ws}: experiment ${exp.id} has no predictions on a held-out dataset`);
const frames = listFrames(db, set.datasetId).slice(0, Number(arg('frames') ?? Infinity));
const features = openFeatureSet(ws, set.featureSetId);
const itemOf = new Map(features.items.map((it, i) => [it.frameId, i] as const));
await initTfBackend('auto');
const predictor = new Predictor(loadModel(path.join(ws, row.model_file!)), true);

async function runMode(mode: TemporalMode): Promise<{ cpu: number; wall: number }> {
  const temporal = mode === 'none' ? null : new TemporalPredictor(predictor, mode);
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (const f of frames) {
    const grid = features.read(itemOf.get(f.id)!);
    const region = centreCropRegion(f.width, f.height, features.preprocessing.width, features.preprocessing.height);
    const g = features.grid;
    const p = temporal
      ? temporal.predict({
          sequence: f.sequenceId,
          grid,
          h: g.h,
          w: g.w,
          dim: features.dim,
          outW: f.width,
          outH: f.height,
          region,
          ...(mode === 'flow' ? { rgb: (await readImageRGB(f.imagePath)).data } : {}),
        })
      : predictor.predict(grid, g.h, g.w, features.dim, f.width, f.height, region);
    await encodeClusterMap(p.clusters, p.width, p.height, predictor.clusters);
    await encodeConfidenceMap(p.confidence, p.width, p.height);
  }
  const c = process.cpuUsage(c0);
  return { cpu: (c.user + c.system) / 1e6, wall: Number(process.hrtime.bigint() - t0) / 1e9 };
}

console.log(`machine: ${os.cpus().length} cores; ${uptime()}`);
console.log(`experiment ${exp.id.slice(0, 8)} (${exp.method}), ${frames.length} frames of ${set.datasetId.slice(0, 8)}, ${rounds} rounds`);
const modes: TemporalMode[] = ['none', 'features', 'flow'];
const cpu = new Map<TemporalMode, number>(modes.map((m) => [m, 0]));
const wall = new Map<TemporalMode, number>(modes.map((m) => [m, 0]));
await runMode('none'); // warm-up: tf kernels, caches
for (let r = 0; r < rounds; r++) {
  for (const m of r % 2 === 0 ? modes : [...modes].reverse()) {
    const t = await runMode(m);
    cpu.set(m, cpu.get(m)! + t.cpu);
    wall.set(m, wall.get(m)! + t.wall);
  }
}
const per = (m: TemporalMode) => (cpu.get(m)! / (rounds * frames.length)) * 1000;
for (const m of modes) {
  console.log(`${m.padEnd(9)} ${per(m).toFixed(1)} ms CPU/frame, ${((wall.get(m)! / (rounds * frames.length)) * 1000).toFixed(1)} ms wall/frame, speed ×${(cpu.get('none')! / cpu.get(m)!).toFixed(2)} of per-frame`);
}
const speed = { features: cpu.get('none')! / cpu.get('features')!, flow: cpu.get('none')! / cpu.get('flow')! };
console.log(`command: npm run bench:temporal -- --workspace ${ws} --rounds ${rounds}${arg('frames') ? ` --frames ${arg('frames')}` : ''}`);
console.log('BENCH ' + JSON.stringify({ msPerFrameCpu: Object.fromEntries(modes.map((m) => [m, Number(per(m).toFixed(1))])), speed, target: 0.8, met: { features: speed.features >= 0.8, flow: speed.flow >= 0.8 } }));
predictor.dispose();
features.close();
db.close();
