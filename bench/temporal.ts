// Temporal prediction's cost against per-frame prediction of the same experiment on the same frames:
// CPU time (all threads of this process) and wall time of the prediction path of the predict job
// (probabilities, carry, image decoding for 'flow', PNG encoding), modes interleaved over rounds so load
// drift hits all alike. 'flow' runs as the job runs it: through a FlowPipeline, on a helper thread
// ('flow 2T', the job's default on ≥ 2 cores) or on this thread ('flow 1T', CAUSE_FLOW_THREADS=1).
// Gate (issue 18): temporal ≥ 0.8× per-frame speed. Speed is frames per second, so the gate's figure is the
// wall-clock ratio wall(none)/wall(mode), which needs an otherwise idle machine; the CPU ratio is printed
// beside it (robust to load, but it counts the helper thread's work as if it ran on this one).
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
import { FlowPipeline, stopFlowHelper } from '../main/engine/temporal/flow-pipeline.js';
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

type Mode = 'none' | 'features' | 'flow 1T' | 'flow 2T';

async function runMode(mode: Mode): Promise<{ cpu: number; wall: number }> {
  const tmode: TemporalMode = mode === 'none' ? 'none' : mode === 'features' ? 'features' : 'flow';
  const temporal = tmode === 'none' ? null : new TemporalPredictor(predictor, tmode);
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  // as predict-worker.ts: the pipeline opened per job, frames submitted one ahead with their decode
  const flows = tmode === 'flow' ? await FlowPipeline.open(temporal!.flowOptions, mode === 'flow 2T' ? 2 : 1) : null;
  if (mode === 'flow 2T' && !flows!.threaded) throw new Error('the flow helper thread did not start');
  const submit = (k: number) => {
    const g = frames[k];
    if (!flows || !g) return;
    const size = temporal!.flowSize(g.width, g.height);
    flows.submit({ sequence: g.sequenceId, rgb: readImageRGB(g.imagePath).then((im) => im.data), width: g.width, height: g.height, w: size.width, h: size.height });
  };
  submit(0);
  for (const [k, f] of frames.entries()) {
    submit(k + 1);
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
          ...(flows ? { flow: await flows.next() } : {}),
        })
      : predictor.predict(grid, g.h, g.w, features.dim, f.width, f.height, region);
    await encodeClusterMap(p.clusters, p.width, p.height, predictor.clusters);
    await encodeConfidenceMap(p.confidence, p.width, p.height);
  }
  flows?.close();
  const c = process.cpuUsage(c0);
  return { cpu: (c.user + c.system) / 1e6, wall: Number(process.hrtime.bigint() - t0) / 1e9 };
}

const loadBefore = uptime();
console.log(`machine: ${os.cpus().length} cores; ${loadBefore}`);
console.log(`experiment ${exp.id.slice(0, 8)} (${exp.method}), ${frames.length} frames of ${set.datasetId.slice(0, 8)}, ${rounds} rounds`);
const modes: Mode[] = ['none', 'features', 'flow 1T', 'flow 2T'];
const cpu = new Map<Mode, number>(modes.map((m) => [m, 0]));
const wall = new Map<Mode, number>(modes.map((m) => [m, 0]));
// warm-up: tf kernels, JIT, the flow helper thread started, images and features in the page cache
await runMode('none');
await runMode('flow 2T');
for (let r = 0; r < rounds; r++) {
  for (const m of r % 2 === 0 ? modes : [...modes].reverse()) {
    const t = await runMode(m);
    cpu.set(m, cpu.get(m)! + t.cpu);
    wall.set(m, wall.get(m)! + t.wall);
  }
}
const n = rounds * frames.length;
const per = (x: Map<Mode, number>, m: Mode) => (x.get(m)! / n) * 1000;
const ratio = (x: Map<Mode, number>, m: Mode) => x.get('none')! / x.get(m)!;
console.log('cache: warm (one warm-up pass of none and flow 2T read every image and feature first; the flow helper thread already started)');
console.log('mode       ms CPU/frame  ms wall/frame  speed ×none CPU  speed ×none wall (the gate: ≥ 0.8)');
for (const m of modes) {
  console.log(`${m.padEnd(9)} ${per(cpu, m).toFixed(1).padStart(12)} ${per(wall, m).toFixed(1).padStart(14)} ${ratio(cpu, m).toFixed(2).padStart(16)} ${ratio(wall, m).toFixed(2).padStart(17)}`);
}
console.log(`load: before ${loadBefore.replace(/.*load average/, 'load average')}; after ${uptime().replace(/.*load average/, 'load average')}`);
const speed = (x: Map<Mode, number>) => Object.fromEntries(modes.slice(1).map((m) => [m, Number(ratio(x, m).toFixed(3))]));
console.log(`command: npm run bench:temporal -- --workspace ${ws} --rounds ${rounds}${arg('frames') ? ` --frames ${arg('frames')}` : ''}`);
console.log(
  'BENCH ' +
    JSON.stringify({
      msPerFrameCpu: Object.fromEntries(modes.map((m) => [m, Number(per(cpu, m).toFixed(1))])),
      msPerFrameWall: Object.fromEntries(modes.map((m) => [m, Number(per(wall, m).toFixed(1))])),
      speedCpu: speed(cpu),
      speedWall: speed(wall),
      target: 0.8,
      metWall: Object.fromEntries(modes.slice(1).map((m) => [m, ratio(wall, m) >= 0.8])),
    }),
);
await stopFlowHelper();
predictor.dispose();
features.close();
db.close();
