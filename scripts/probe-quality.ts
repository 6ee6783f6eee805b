// Step 3 (cluster probe) variants of CAUSE-MLP on a demo workspace, each scored like the demo:
//   npx tsx scripts/probe-quality.ts --workspace /tmp/q-ws [--seeds 1,2,3] [--variants release,kmeans++,...]
// Needs a workspace where `cause-studio demo` ran (the SynthDrive dataset and its builtin features).
// Steps 1-2 train once per seed (the fast preset); every Step 3 variant then resumes from that end-of-
// step-2 state, so variants differ only in the probe. Predictions go through the product's Predictor at
// each frame's resolution (centre-crop region), scored with the evaluation's reference geometry,
// Cityscapes-27, Hungarian — the demo's protocol. Training never sees a label; labels are read here only
// to score. Ends with `RESULT {json}`.
import path from 'node:path';
import { presetConfig, type TrainConfig } from '../shared/contract/experiments.js';
import { hungarianMapping, scoreHistogram } from '../shared/metrics/index.js';
import { openDatabase } from '../main/engine/db/connection.js';
import { listFrames, getProtocol, readLabelMap } from '../main/engine/datasets/frame-source.js';
import { HistogramBuilder } from '../main/engine/eval/histogram.js';
import { openFeatureSet, type FeatureSet } from '../main/engine/features/feature-reader.js';
import type { FeatureSource } from '../main/engine/cause/features.js';
import { centreCropRegion, Predictor } from '../main/engine/cause/predict.js';
import type { TrainedModel } from '../main/engine/cause/model-io.js';
import { trainCause, TrainingStopped, trainSchedule, type TrainerState } from '../main/engine/cause/trainer.js';
import { initTfBackend } from '../main/engine/tf/backend.js';

const argv = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] ? argv[i + 1]! : dflt;
};
const ws = opt('workspace', process.env.CAUSE_STUDIO_HOME ?? '');
if (!ws) throw new Error('give --workspace (a workspace where `cause-studio demo` ran)');
const seeds = opt('seeds', '1').split(',').map(Number);
const K = Number(opt('clusters', '27'));

type Step3 = TrainConfig['step3'];
const fast = presetConfig('fast', 'cause-mlp', K).step3;
const VARIANTS: Record<string, Partial<Step3>> = {
  release: { init: 'uniform', reviveDead: false, graph: 'image' },
  'kmeans++': { init: 'kmeans++' },
  kmeans: { init: 'kmeans' },
  revive: { reviveDead: true },
  'kmeans++ revive': { init: 'kmeans++', reviveDead: true },
  batch: { graph: 'batch' },
  'kmeans++ batch': { init: 'kmeans++', graph: 'batch' },
  'kmeans batch': { init: 'kmeans', graph: 'batch' },
  'kmeans++ revive batch': { init: 'kmeans++', reviveDead: true, graph: 'batch' },
  'kmeans no-train': { init: 'kmeans', epochs: 1, lr: 1e-9 },
};
// --step2-engine auto|onnxruntime|tfjs: which engine trains Step 2 (the teacher every variant shares).
const step2Engine = opt('step2-engine', 'auto') as 'auto' | 'onnxruntime' | 'tfjs';
const chosen = opt('variants', Object.keys(VARIANTS).join(',')).split(',');

await initTfBackend('wasm');
const db = openDatabase(path.join(ws, 'studio.db'), { readonly: true });
const fsRow = db
  .prepare("SELECT id, dataset_id FROM feature_sets WHERE backbone = 'builtin' ORDER BY created_at LIMIT 1")
  .get() as { id: string; dataset_id: string } | undefined;
if (!fsRow) throw new Error(`${ws}: no builtin feature set; run \`cause-studio demo\` there first`);
const set = openFeatureSet(ws, fsRow.id);
const source: FeatureSource = { count: set.items.length, h: set.grid.h, w: set.grid.w, dim: set.dim, read: (i) => set.read(i) };
const protocol = getProtocol(db, 'cityscapes-27');
const frames = listFrames(db, fsRow.dataset_id);
const itemOf = new Map<string, number>();
set.items.forEach((it, i) => {
  if (it.crop === 0 && !itemOf.has(it.frameId)) itemOf.set(it.frameId, i);
});
const labelled = frames.filter((f) => f.labelPath && itemOf.has(f.id));
const labels = await Promise.all(labelled.map((f) => readLabelMap(f.labelPath!)));
console.log(`feature set ${fsRow.id.slice(0, 8)}: ${source.count} items, grid ${source.h}×${source.w}×${source.dim}; ${labelled.length} labelled frames`);

function score(
  model: TrainedModel,
  detail = false,
  fset: FeatureSet = set,
  transform?: (grid: Float32Array) => Float32Array,
): { miou: number; pixelAccuracy: number; clustersPredicted: number } {
  const items = new Map<string, number>();
  fset.items.forEach((it, i) => {
    if (it.crop === 0 && !items.has(it.frameId)) items.set(it.frameId, i);
  });
  const predictor = new Predictor(model, true);
  const builder = new HistogramBuilder(predictor.clusters, protocol, 'reference');
  const seen = new Set<number>();
  try {
    labelled.forEach((f, i) => {
      const region = centreCropRegion(f.width, f.height, fset.preprocessing.width, fset.preprocessing.height);
      const grid = fset.read(items.get(f.id)!);
      const p = predictor.predict(transform ? transform(grid) : grid, fset.grid.h, fset.grid.w, fset.dim, f.width, f.height, region);
      for (let j = 0; j < p.clusters.length; j += 7) seen.add(p.clusters[j]!);
      builder.addFrame({ frameId: f.id, labelPath: f.labelPath! }, { data: p.clusters, width: p.width, height: p.height }, labels[i]!);
    });
  } finally {
    predictor.dispose();
  }
  const C = protocol.classNames.length;
  const s = scoreHistogram(builder.histogram, predictor.clusters, C, hungarianMapping(builder.histogram, predictor.clusters, C));
  if (detail) {
    const total = s.gt.reduce((a, b) => a + b, 0);
    protocol.classNames.forEach((name, t) => {
      if (s.gt[t]! > 0 || s.fp[t]! > 0) console.log(`  ${name.padEnd(16)} gt ${((s.gt[t]! / total) * 100).toFixed(1).padStart(5)} %  IoU ${(s.iou[t]! * 100).toFixed(1)}`);
    });
  }
  return { miou: s.miou, pixelAccuracy: s.pixelAccuracy, clustersPredicted: seen.size };
}

// --score <model file>: only score an existing model (e.g. the demo's) with this script's protocol.
const only = opt('score', '');
if (only) {
  const { loadModel } = await import('../main/engine/cause/model-io.js');
  // --predict-features <id>: predict from another feature set of the same frames (e.g. whole frames);
  // --rescale-x: diagnostic only, maps the builtin backbone's horizontal-position channels (36 and its
  // context average 73) from that set's view width back to the training crop's, to test whether the
  // position channel explains a drop.
  const other = opt('predict-features', '');
  const fset = other ? openFeatureSet(ws, other) : set;
  const sx = fset.grid.w / set.grid.w;
  const transform = argv.includes('--rescale-x')
    ? (g: Float32Array) => {
        const out = Float32Array.from(g);
        for (let t = 0; t < out.length / fset.dim; t++) for (const c of [36, 73]) out[t * fset.dim + c] = out[t * fset.dim + c]! * sx;
        return out;
      }
    : undefined;
  const s = score(loadModel(only), true, fset, transform);
  console.log(`${only} on ${fset.id.slice(0, 8)} (${fset.grid.h}×${fset.grid.w})${transform ? ' x rescaled' : ''}: mIoU ${(s.miou * 100).toFixed(1)}  acc ${(s.pixelAccuracy * 100).toFixed(1)}  clusters predicted ${s.clustersPredicted}`);
  process.exit(0);
}

const results: Record<string, { seed: number; miou: number; pixelAccuracy: number; clustersPredicted: number; lastUsed: number; revived: number }[]> = {};
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
    const s = score(model);
    (results[name] ??= []).push({ seed, ...s, lastUsed, revived });
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
set.close();
db.close();
