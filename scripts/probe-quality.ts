// Step 3 (cluster probe) variants of CAUSE-MLP on a demo workspace, each scored like the demo:
//   npx tsx scripts/probe-quality.ts --workspace /tmp/q-ws [--seeds 1,2,3] [--variants release,kmeans++,...]
// Needs a workspace where `cause-studio demo` ran (the SynthDrive dataset and its builtin features).
// Steps 1-2 train once per seed (the fast preset); every Step 3 variant then resumes from that end-of-
// step-2 state, so variants differ only in the probe. Predictions go through the product's Predictor at
// each frame's resolution (centre-crop region), scored with the evaluation's reference geometry,
// Cityscapes-27, Hungarian — the demo's protocol. Training never sees a label; labels are read here only
// to score. Ends with `RESULT {json}`.
import { presetConfig, type TrainConfig } from '../shared/contract/experiments.js';
import { openFeatureSet } from '../main/engine/features/feature-reader.js';
import type { FeatureSource } from '../main/engine/cause/features.js';
import { trainCause, TrainingStopped, trainSchedule, type TrainerState } from '../main/engine/cause/trainer.js';
import { initTfBackend } from '../main/engine/tf/backend.js';
import { openDemoWorkspace, scoreModel, setGrids, STEP3_VARIANTS } from './lib/demo-eval.js';

const argv = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] ? argv[i + 1]! : dflt;
};
const wsPath = opt('workspace', process.env.CAUSE_STUDIO_HOME ?? '');
if (!wsPath) throw new Error('give --workspace (a workspace where `cause-studio demo` ran)');
const seeds = opt('seeds', '1').split(',').map(Number);
const K = Number(opt('clusters', '27'));

const fast = presetConfig('fast', 'cause-mlp', K).step3;
const VARIANTS = STEP3_VARIANTS;
// --step2-engine auto|onnxruntime|tfjs: which engine trains Step 2 (the teacher every variant shares).
const step2Engine = opt('step2-engine', 'auto') as 'auto' | 'onnxruntime' | 'tfjs';
const chosen = opt('variants', Object.keys(VARIANTS).join(',')).split(',');

await initTfBackend('wasm');
const ws = await openDemoWorkspace(wsPath);
const { set } = ws;
const source: FeatureSource = { count: set.items.length, h: set.grid.h, w: set.grid.w, dim: set.dim, read: (i) => set.read(i) };
console.log(`feature set ${set.id.slice(0, 8)}: ${source.count} items, grid ${source.h}×${source.w}×${source.dim}; ${ws.labelled.length} labelled frames`);

// --score <model file>: only score an existing model (e.g. the demo's) with this script's protocol.
const only = opt('score', '');
if (only) {
  const { loadModel } = await import('../main/engine/cause/model-io.js');
  // --predict-features <id>: predict from another feature set of the same frames (e.g. whole frames);
  // --rescale-x: diagnostic only, maps the builtin backbone's horizontal-position channels (36 and its
  // context average 73) from that set's view width back to the training crop's, to test whether the
  // position channel explains a drop.
  const other = opt('predict-features', '');
  const fset = other ? openFeatureSet(wsPath, other) : set;
  const sx = fset.grid.w / set.grid.w;
  const transform = argv.includes('--rescale-x')
    ? (g: Float32Array) => {
        const out = Float32Array.from(g);
        for (let t = 0; t < out.length / fset.dim; t++) for (const c of [36, 73]) out[t * fset.dim + c] = out[t * fset.dim + c]! * sx;
        return out;
      }
    : undefined;
  const s = scoreModel(ws, loadModel(only), setGrids(ws, fset, transform), true);
  console.log(`${only} on ${fset.id.slice(0, 8)} (${fset.grid.h}×${fset.grid.w})${transform ? ' x rescaled' : ''}: mIoU ${(s.miou * 100).toFixed(1)}  acc ${(s.pixelAccuracy * 100).toFixed(1)}  clusters predicted ${s.clustersPredicted}`);
  process.exit(0);
}

const results: Record<string, { seed: number; miou: number; miouPresent: number; pixelAccuracy: number; clustersPredicted: number; lastUsed: number; revived: number }[]> = {};
for (const seed of seeds) {
  const base = presetConfig('fast', 'cause-mlp', K, seed, 'wasm');
  const sched = trainSchedule(base, source.count);
  const endOfStep2 = sched.stageSteps[0] + sched.stageSteps[1];
  let state: TrainerState | undefined;
  const t0 = Date.now();
  await trainCause(source, base, { step2Engine, checkpointEvery: endOfStep2, saveCheckpoint: (s) => void (state = s), stopAfterStep: endOfStep2 }).catch((e: unknown) => {
    if (!(e instanceof TrainingStopped)) throw e;
  });
  console.log(`seed ${seed}: steps 1-2 (${endOfStep2} steps, step 2 engine ${step2Engine}) in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  for (const name of chosen) {
    const v = VARIANTS[name];
    if (!v) throw new Error(`unknown variant '${name}' (known: ${Object.keys(VARIANTS).join(', ')})`);
    const config: TrainConfig = { ...base, step3: { ...fast, ...v } };
    let lastUsed = NaN;
    let revived = 0;
    const t1 = Date.now();
    const model = await trainCause(source, config, {
      loadCheckpoint: () => state,
      metrics: (_s, m) => {
        if (m['step3.clustersUsed'] !== undefined) lastUsed = m['step3.clustersUsed'];
        revived += m['step3.revived'] ?? 0;
      },
    });
    const s = scoreModel(ws, model);
    (results[name] ??= []).push({ seed, miou: s.miou, miouPresent: s.miouPresent, pixelAccuracy: s.pixelAccuracy, clustersPredicted: s.clustersPredicted, lastUsed, revived });
    console.log(
      `  ${name.padEnd(24)} mIoU ${(s.miou * 100).toFixed(1)}  acc ${(s.pixelAccuracy * 100).toFixed(1)}  clusters predicted ${s.clustersPredicted}/${K}  ` +
        `(last step used ${lastUsed}, revived ${revived}; ${((Date.now() - t1) / 1000).toFixed(0)} s)`,
    );
  }
}
for (const [name, rs] of Object.entries(results)) {
  const mean = (f: (r: (typeof rs)[number]) => number) => ((rs.reduce((a, r) => a + f(r), 0) / rs.length) * 100).toFixed(1);
  console.log(`${name.padEnd(24)} mean over seeds ${seeds.join(',')}: mIoU ${mean((r) => r.miou)}  acc ${mean((r) => r.pixelAccuracy)}`);
}
console.log(`command: npx tsx scripts/probe-quality.ts ${argv.join(' ')}`);
console.log('RESULT ' + JSON.stringify(results));
ws.close();
