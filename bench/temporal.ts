// Temporal prediction's cost against per-frame prediction of the same experiment on the same frames:
// CPU time (all threads of this process) and wall time of the prediction path of the predict job
// (probabilities, carry, image decoding for 'flow', PNG encoding), modes interleaved over rounds so load
// drift hits all alike. Temporal modes run as the job runs them: through a LinkPipeline, their
// correspondences on a helper thread ('2T', the job's default on ≥ 2 cores) or on this thread ('1T',
// CAUSE_TEMPORAL_THREADS=1).
// Gate (issue 18): temporal ≥ 0.8× per-frame speed. Speed is frames per second, so the gate's figure is the
// wall-clock ratio wall(none)/wall(mode), which needs an otherwise idle machine; the CPU ratio is printed
// beside it (robust to load, but it counts the helper thread's work as if it ran on this one).
//
// Run: npm run bench:temporal -- [--workspace DIR] [--rounds N] [--frames N] [--direction backward|forward|both]
//   (both: the job's two passes, cause/predict-two-pass.ts, frames encoded as the job encodes them; '2T'
//   is then three threads, the second pass on a helper of its own, temporal/second-pass.ts)
// (the temporal modes visit each sequence backward by default, as the predict job does)
// DIR holds a finished `cause-studio demo` (default $CAUSE_STUDIO_HOME); without one the bench runs
// `demo --seeds 1` into a temporary workspace first (several minutes).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TemporalDirection, TemporalMode } from '../shared/contract/experiments.js';
import { loadModel } from '../main/engine/cause/model-io.js';
import { encodeClusterMap, encodeConfidenceMap } from '../main/engine/cause/prediction-png.js';
import { Predictor } from '../main/engine/cause/predict.js';
import { openDatabase } from '../main/engine/db/connection.js';
import { getExperimentRow, listExperimentSummaries, listPredictionSets } from '../main/engine/db/queries/experiments.js';
import { listFrames, readImageRGB } from '../main/engine/datasets/frame-source.js';
import { openFeatureSet } from '../main/engine/features/feature-reader.js';
import { LINK_LOOKAHEAD, LinkPipeline, stopTemporalHelper } from '../main/engine/temporal/link-pipeline.js';
import { sequenceOrder } from '../main/engine/temporal/sequence-order.js';
import { TemporalPredictor } from '../main/engine/temporal/temporal-predictor.js';
import { predictBothWays, temporalFrameOf } from '../main/engine/cause/predict-two-pass.js';
import { initTfBackend } from '../main/engine/tf/backend.js';
import { uptime } from './lib/machine.js';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const rounds = Number(arg('rounds') ?? 2);
/** Which way the temporal modes visit each sequence (the predict job's default: backward). */
const direction: TemporalDirection = arg('direction') === 'forward' ? 'forward' : arg('direction') === 'both' ? 'both' : 'backward';
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
const order = sequenceOrder(frames, direction);
const features = openFeatureSet(ws, set.featureSetId);
const itemOf = new Map(features.items.map((it, i) => [it.frameId, i] as const));
await initTfBackend('auto');
const predictor = new Predictor(loadModel(path.join(ws, row.model_file!)), true);

/** This (main) thread's CPU seconds from /proc (Linux; NaN elsewhere): what bounds the wall time on 2 cores. */
function mainThreadCpu(): number {
  try {
    const f = fs.readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

type Mode = 'none' | 'features 1T' | 'features 2T' | 'flow 1T' | 'flow 2T';

async function runMode(mode: Mode): Promise<{ cpu: number; wall: number; main: number; wait: number }> {
  const tmode: TemporalMode = mode === 'none' ? 'none' : mode.startsWith('features') ? 'features' : 'flow';
  const temporal = tmode === 'none' ? null : new TemporalPredictor(predictor, tmode, { direction });
  const c0 = process.cpuUsage();
  const m0 = mainThreadCpu();
  const t0 = process.hrtime.bigint();
  if (tmode !== 'none' && direction === 'both') {
    const image = (f: (typeof frames)[number]) => readImageRGB(f.imagePath).then((im) => im.data);
    const run = { set: features, itemOf, frames, order, predictor, mode: tmode, skip: () => false, image, threads: mode.endsWith('2T') ? 2 : 1 };
    await predictBothWays(run, async (_i, _pos, p) => {
      await encodeClusterMap(p!.clusters, p!.width, p!.height, predictor.clusters);
      await encodeConfidenceMap(p!.confidence, p!.width, p!.height);
    });
    const c = process.cpuUsage(c0);
    return { cpu: (c.user + c.system) / 1e6, wall: Number(process.hrtime.bigint() - t0) / 1e9, main: mainThreadCpu() - m0, wait: 0 };
  }
  // as predict-worker.ts: the pipeline opened per job, frames submitted LINK_LOOKAHEAD ahead (features
  // read once, the image decode under way)
  const links = temporal ? await LinkPipeline.open(temporal.mode, temporal.linkOptions, mode.endsWith('2T') ? 2 : 1) : null;
  if (mode.endsWith('2T') && !links!.threaded) throw new Error('the temporal helper thread did not start');
  // frames as the job builds them (temporalFrameOf: features read once per frame)
  const inputs = new Map<number, ReturnType<typeof temporalFrameOf>>();
  // k: a position in the visiting order (each sequence in `direction`, as the predict job visits it)
  const submit = (k: number) => {
    const f = frames[order[k]!];
    if (!links || !f) return;
    const input = temporalFrameOf(features, itemOf, f);
    inputs.set(k, input);
    links.submit({ ...input, ...(tmode === 'flow' ? { rgb: readImageRGB(f.imagePath).then((im) => im.data) } : {}) });
  };
  let submitted = 0;
  let wait = 0;
  for (const [k, i] of order.entries()) {
    const f = frames[i]!;
    for (; submitted <= k + LINK_LOOKAHEAD; submitted++) submit(submitted);
    const input = inputs.get(k) ?? temporalFrameOf(features, itemOf, f);
    inputs.delete(k);
    const w0 = performance.now();
    const link = links ? await links.next() : null;
    wait += performance.now() - w0;
    const p = temporal ? temporal.predict({ ...input, link: link! }) : predictor.predict(input.grid, input.h, input.w, input.dim, input.outW, input.outH, input.region);
    await encodeClusterMap(p.clusters, p.width, p.height, predictor.clusters);
    await encodeConfidenceMap(p.confidence, p.width, p.height);
  }
  links?.close();
  const c = process.cpuUsage(c0);
  return { cpu: (c.user + c.system) / 1e6, wall: Number(process.hrtime.bigint() - t0) / 1e9, main: mainThreadCpu() - m0, wait: wait / 1000 };
}

const loadBefore = uptime();
console.log(`machine: ${os.cpus().length} cores; ${loadBefore}`);
console.log(`experiment ${exp.id.slice(0, 8)} (${exp.method}), ${frames.length} frames of ${set.datasetId.slice(0, 8)}, ${rounds} rounds, temporal modes ${direction}`);
const modes: Mode[] = ['none', 'features 1T', 'features 2T', 'flow 1T', 'flow 2T'];
const cpu = new Map<Mode, number>(modes.map((m) => [m, 0]));
const wall = new Map<Mode, number>(modes.map((m) => [m, 0]));
const main = new Map<Mode, number>(modes.map((m) => [m, 0]));
const waits = new Map<Mode, number>(modes.map((m) => [m, 0]));
// the least disturbed round per mode (the machine is shared; load comes in bursts)
const bestWall = new Map<Mode, number>(modes.map((m) => [m, Infinity]));
// warm-up: tf kernels, JIT, the flow helper thread started, images and features in the page cache
await runMode('none');
await runMode('flow 2T');
for (let r = 0; r < rounds; r++) {
  for (const m of r % 2 === 0 ? modes : [...modes].reverse()) {
    const t = await runMode(m);
    cpu.set(m, cpu.get(m)! + t.cpu);
    wall.set(m, wall.get(m)! + t.wall);
    main.set(m, main.get(m)! + t.main);
    waits.set(m, waits.get(m)! + t.wait);
    bestWall.set(m, Math.min(bestWall.get(m)!, t.wall));
  }
}
const n = rounds * frames.length;
const per = (x: Map<Mode, number>, m: Mode) => (x.get(m)! / n) * 1000;
const ratio = (x: Map<Mode, number>, m: Mode) => x.get('none')! / x.get(m)!;
console.log('cache: warm (one warm-up pass of none and flow 2T read every image and feature first; the flow helper thread already started)');
console.log('mode       ms CPU/frame (main thread)  ms wall/frame (waiting for links)  speed ×none CPU  speed ×none wall (the gate: ≥ 0.8)');
for (const m of modes) {
  console.log(
    `${m.padEnd(11)} ${per(cpu, m).toFixed(1).padStart(10)} (${per(main, m).toFixed(0).padStart(4)})       ${per(wall, m).toFixed(1).padStart(14)} (${per(waits, m).toFixed(1).padStart(5)})               ${ratio(cpu, m).toFixed(2).padStart(15)} ${ratio(wall, m).toFixed(2).padStart(17)}`,
  );
}
console.log(
  `best round's wall ms/frame: ${modes.map((m) => `${m} ${((bestWall.get(m)! / frames.length) * 1000).toFixed(1)} (×${(bestWall.get('none')! / bestWall.get(m)!).toFixed(2)})`).join(', ')}`,
);
console.log(`load: before ${loadBefore.replace(/.*load average/, 'load average')}; after ${uptime().replace(/.*load average/, 'load average')}`);
const speed = (x: Map<Mode, number>) => Object.fromEntries(modes.slice(1).map((m) => [m, Number(ratio(x, m).toFixed(3))]));
console.log(`command: npm run bench:temporal -- --workspace ${ws} --rounds ${rounds}${arg('frames') ? ` --frames ${arg('frames')}` : ''} --direction ${direction}`);
console.log(
  'BENCH ' +
    JSON.stringify({
      msPerFrameCpu: Object.fromEntries(modes.map((m) => [m, Number(per(cpu, m).toFixed(1))])),
      msPerFrameMainThread: Object.fromEntries(modes.map((m) => [m, Number(per(main, m).toFixed(1))])),
      msPerFrameWall: Object.fromEntries(modes.map((m) => [m, Number(per(wall, m).toFixed(1))])),
      speedCpu: speed(cpu),
      speedWall: speed(wall),
      speedWallBestRound: Object.fromEntries(modes.slice(1).map((m) => [m, Number((bestWall.get('none')! / bestWall.get(m)!).toFixed(3))])),
      target: 0.8,
      metWall: Object.fromEntries(modes.slice(1).map((m) => [m, ratio(wall, m) >= 0.8])),
    }),
);
await stopTemporalHelper();
predictor.dispose();
features.close();
db.close();
