// DIAGNOSTIC, never the product path. Where Step 2 loses the features' information, and which label-free
// Step 2 setting keeps it (issue 21, gate (a)): per Step 2 configuration, backbone and training seed,
// Steps 1-2 run once on the TRAIN world with a snapshot of the teacher after chosen epochs; each snapshot
// is scored on the EVAL world by
//   * class-mean (teacher): a labelled read-out of its 90-d outputs (evaluation only: the ceiling of any
//     Step 3 on that teacher), and
//   * every Step 3 variant (label-free, fitted on the TRAIN world) from that teacher,
// beside k-means on the features (the gate's baseline) and the features' own class-mean read-out.
// Per epoch it prints Step 2's pair statistics (share of positive pairs among the pairs kept, positives
// per anchor, loss): coarse positives are one suspected cause of the loss of information.
//   npx tsx scripts/step2-lever.ts --workspace /tmp/s2-ws --train w7201 --eval w7202 --seeds 71,72,73
//       [--backbones builtin,builtin-vit] [--at 1,2,3,5,10,20]
//       [--configs '{"preset":{},"pos.6":{"posThreshold":0.6,"negThreshold":0.4}}' | --configs file.json]
//       [--variants 'default;kmeans;overcluster:overcluster=6,merge=similarity'] [--cache /tmp/s2-cache]
//       [--every 3] [--no-readout] [--fast]
// A config is an override of the fast CAUSE-MLP preset (K = 27), merged per section like method-ceiling.ts.
// Snapshots at epoch E equal a run with step2.epochs = E: the batch order depends on (seed, stage, epoch)
// only and Step 2's learning rate is constant. Rows on tuning worlds or seeds (main/engine/cause/step3/
// tuning.ts) are marked "tuning": choices are made on them, figures are not reported from them.
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs';
import { presetConfig, type TrainConfig } from '../shared/contract/experiments.js';
import { trainCause, TrainingStopped, headSpecFor, type TrainerState, type CauseModel } from '../main/engine/cause/trainer.js';
import { trainSchedule } from '../main/engine/cause/schedule.js';
import { encodeTrainerState, readTrainerState, type TrainedModel, type KmeansModel } from '../main/engine/cause/model-io.js';
import { trainKmeans } from '../main/engine/cause/kmeans-baseline.js';
import { headForward } from '../main/engine/cause/heads.js';
import { ParamSet } from '../main/engine/cause/params.js';
import { parseStep3Spec, splitStep3Specs } from '../main/engine/cause/step3/spec.js';
import { isTuning } from '../main/engine/cause/step3/tuning.js';
import type { FeatureSource } from '../main/engine/cause/features.js';
import { openFeatureSet } from '../main/engine/features/feature-reader.js';
import { initTfBackend } from '../main/engine/tf/backend.js';
import { findFeatureSet, openDemoWorkspace, scoreModel, setGrids, type DemoWorkspace, type QualityScore } from './lib/demo-eval.js';
import { patchClassHistograms } from './lib/diagnostic-features.js';
import { classMeans } from './lib/class-means.js';
import { patchScore } from './lib/patch-score.js';

const argv = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] ? argv[i + 1]! : dflt;
};
const wsPath = opt('workspace', '');
const trainName = opt('train', '');
const evalName = opt('eval', '');
if (!wsPath || !trainName || !evalName) throw new Error('give --workspace, --train and --eval (two imported SynthDrive worlds with features)');
if (trainName === evalName) throw new Error('--eval must be another world than --train');
const backbones = opt('backbones', 'builtin,builtin-vit').split(',');
const seeds = opt('seeds', '71,72,73').split(',').map(Number);
const at = opt('at', '1,2,3,5,10,20').split(',').map(Number);
const variantSpecs = splitStep3Specs(opt('variants', 'default;kmeans;overcluster:overcluster=6,merge=similarity'));
const configsArg = opt('configs', '{"preset":{}}');
const configs = JSON.parse(fs.existsSync(configsArg) ? fs.readFileSync(configsArg, 'utf8') : configsArg) as Record<string, Partial<TrainConfig>>;
const cacheDir = opt('cache', '/tmp/s2-cache');
const skipReadout = argv.includes('--no-readout');
const every = Number(opt('every', '1'));
// --fast: the patch-level yardstick (scripts/lib/patch-score.ts) instead of the product's pixel scorer.
const fast = argv.includes('--fast');
const K = 27;

const t00 = Date.now();
await initTfBackend('wasm');

const findSet = (ws: DemoWorkspace, dataset: string, backbone: string) => findFeatureSet(ws, dataset, backbone, wsPath);

const configOf = (overrides: Partial<TrainConfig>, seed: number): TrainConfig => {
  const p = presetConfig('fast', 'cause-mlp', K, seed, 'wasm');
  const o = overrides as Record<string, unknown>;
  return {
    ...p,
    ...overrides,
    step1: { ...p.step1, ...((o.step1 as object) ?? {}) },
    step2: { ...p.step2, ...((o.step2 as object) ?? {}) },
    step3: { ...p.step3, ...((o.step3 as object) ?? {}) },
  } as TrainConfig;
};

interface EpochStats {
  loss: number;
  posShare: number;
  posPerAnchor: number;
  skipped: number;
}

/** Teacher snapshots after each epoch in `at` (Step 2 epochs), cached on disk, with per-epoch pair statistics. */
async function snapshots(setId: string, source: FeatureSource, config: TrainConfig): Promise<{ states: Map<number, TrainerState>; stats: EpochStats[] }> {
  const maxEpoch = Math.max(...at);
  const cfg: TrainConfig = { ...config, step2: { ...config.step2, epochs: maxEpoch } };
  const key = createHash('sha256').update(JSON.stringify([path.resolve(wsPath), setId, cfg, at])).digest('hex').slice(0, 16);
  const dir = path.join(cacheDir, key);
  const statsFile = path.join(dir, 'stats.json');
  const states = new Map<number, TrainerState>();
  if (fs.existsSync(statsFile)) {
    for (const e of at) states.set(e, readTrainerState(path.join(dir, `epoch-${e}.bin`)));
    return { states, stats: JSON.parse(fs.readFileSync(statsFile, 'utf8')) as EpochStats[] };
  }
  const sched = trainSchedule(cfg, source.count);
  const s1 = sched.stageSteps[0];
  const spe = sched.stepsPerEpoch;
  const stop = s1 + sched.stageSteps[1];
  const acc: { loss: number[]; pos: number; neg: number; anchors: number; skipped: number }[] = [];
  const n = Math.floor(source.h / 4) * Math.floor(source.w / 4);
  const t0 = Date.now();
  await trainCause(source, cfg, {
    ortThreads: 1,
    checkpointEvery: spe,
    metrics: (g, v) => {
      if (g <= s1) return;
      const e = Math.floor((g - s1 - 1) / spe);
      const a = (acc[e] ??= { loss: [], pos: 0, neg: 0, anchors: 0, skipped: 0 });
      if (Number.isFinite(v['step2.loss'])) a.loss.push(v['step2.loss']!);
      a.pos += v['step2.posPairs'] ?? 0;
      a.neg += v['step2.negPairs'] ?? 0;
      a.anchors += cfg.batchSize * n * (v['step2.bankPosPairs'] ? 2 : 1);
      a.skipped += v['step2.skippedImages'] ?? 0;
    },
    saveCheckpoint: (s) => {
      if (s.stage === 1 && s.stageStep > 0 && s.stageStep % spe === 0 && at.includes(s.stageStep / spe)) states.set(s.stageStep / spe, s);
      if (s.stage === 2 && s.stageStep === 0 && !states.has(maxEpoch)) states.set(maxEpoch, s);
    },
    stopAfterStep: stop,
  }).catch((e: unknown) => {
    if (!(e instanceof TrainingStopped)) throw e;
  });
  const stats = acc.map((a) => ({
    loss: a.loss.reduce((x, y) => x + y, 0) / Math.max(1, a.loss.length),
    posShare: a.pos / Math.max(1, a.pos + a.neg),
    posPerAnchor: a.pos / Math.max(1, a.anchors),
    skipped: a.skipped,
  }));
  fs.mkdirSync(dir, { recursive: true });
  for (const e of at) {
    const s = states.get(e);
    if (!s) throw new Error(`no snapshot after Step 2 epoch ${e}`);
    fs.writeFileSync(path.join(dir, `epoch-${e}.bin`), encodeTrainerState(s));
  }
  fs.writeFileSync(statsFile, JSON.stringify(stats));
  console.log(`  Steps 1-2 (${maxEpoch} epochs) in ${((Date.now() - t0) / 1000).toFixed(0)} s → ${dir}`);
  return { states, stats };
}

/** k-means on the features (the gate's baseline), cached on disk per feature set and seed. */
function baseline(setId: string, source: FeatureSource, seed: number): KmeansModel {
  const file = path.join(cacheDir, `kmeans-${setId}-${seed}.f32`);
  if (fs.existsSync(file)) {
    const b = fs.readFileSync(file);
    const centroids = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
    return { method: 'kmeans', grid: { h: source.h, w: source.w }, dim: source.dim, centroids, clusters: K };
  }
  const m = trainKmeans(source, presetConfig('fast', 'kmeans', K, seed, 'wasm'));
  fs.mkdirSync(cacheDir, { recursive: true });
  fs.writeFileSync(file, m.centroids);
  return m;
}

/** Concepts of the clusterbook that own sampled training tokens: used, effective (exp entropy), and the share of used pairs above the positive threshold. */
function conceptUse(cb: { shape: number[]; values: Float32Array }, source: FeatureSource, posThreshold: number): string {
  const [k, D] = cb.shape as [number, number];
  const Mn = new Float32Array(k * D);
  for (let i = 0; i < k; i++) {
    let q = 0;
    for (let d = 0; d < D; d++) q += cb.values[i * D + d]! ** 2;
    q = Math.sqrt(q) || 1;
    for (let d = 0; d < D; d++) Mn[i * D + d] = cb.values[i * D + d]! / q;
  }
  const counts = new Float64Array(k);
  for (let it = 0; it < source.count; it += 3) {
    const g = source.read(it);
    for (let t = 0; t < g.length / D; t += 7) {
      let [b, bi] = [-Infinity, 0];
      for (let i = 0; i < k; i++) {
        let c = 0;
        for (let d = 0; d < D; d++) c += g[t * D + d]! * Mn[i * D + d]!;
        if (c > b) [b, bi] = [c, i];
      }
      counts[bi]!++;
    }
  }
  const tot = counts.reduce((a, b) => a + b, 0);
  const used = [...counts.keys()].filter((i) => counts[i]! > 0);
  const H = used.reduce((a, i) => a - (counts[i]! / tot) * Math.log(counts[i]! / tot), 0);
  let [pairs, close] = [0, 0];
  for (const i of used)
    for (const j of used) {
      if (j <= i) continue;
      let c = 0;
      for (let d = 0; d < D; d++) c += Mn[i * D + d]! * Mn[j * D + d]!;
      pairs++;
      if (c > posThreshold) close++;
    }
  return `concepts used ${used.length}/${k}, effective ${Math.exp(H).toFixed(1)}, used pairs above the positive threshold ${close}/${pairs}`;
}

/** The state Step 3 starts from, given a snapshot after some Step 2 epoch. */
const step3Start = (s: TrainerState): TrainerState => ({ ...s, stage: 2, stageStep: 0, adam: null });

interface Row {
  backbone: string;
  config: string;
  seed: number | null;
  epoch: number | null;
  variant: string;
  tuning: boolean;
  miouPresent: number;
  clusters: number;
}
const rows: Row[] = [];
const pct = (x: number) => (x * 100).toFixed(1);

for (const backbone of backbones) {
  const probe = await openDemoWorkspace(wsPath);
  const tr = findSet(probe, trainName, backbone);
  const ev = findSet(probe, evalName, backbone);
  probe.close();
  const all = await openDemoWorkspace(wsPath, ev.id);
  // --every k scores every k-th eval frame (a cheaper, consistent yardstick for choosing; figures of record use all).
  const ws: DemoWorkspace = every > 1 ? { ...all, labelled: all.labelled.filter((_, j) => j % every === 0), labels: all.labels.filter((_, j) => j % every === 0) } : all;
  const trainSet = openFeatureSet(wsPath, tr.id);
  const trainItems = trainSet.items.map((it, i) => ({ it, i })).filter(({ it }) => it.crop === 0).map(({ i }) => i);
  const source: FeatureSource = { count: trainItems.length, h: trainSet.grid.h, w: trainSet.grid.w, dim: trainSet.dim, read: (i) => trainSet.read(trainItems[i]!) };
  const grids = setGrids(ws);
  const { h, w } = ws.set.grid;
  const T = h * w;
  const C = ws.protocol.classNames.length;
  const N = ws.labelled.length;
  const hist = patchClassHistograms(ws);
  const tuningWorld = isTuning(tr.world, NaN) || isTuning(ev.world, NaN);
  console.log(`${backbone}: train ${trainName} (world ${tr.world ?? '?'}, ${source.count} frames) → eval ${evalName} (world ${ev.world ?? '?'}, ${N} frames), grid ${h}×${w}×${ws.set.dim}${tuningWorld ? ' (tuning worlds)' : ''}`);
  const push = (config: string, seed: number | null, epoch: number | null, variant: string, s: QualityScore, note = '') => {
    const r: Row = { backbone, config, seed, epoch, variant, tuning: tuningWorld || (seed !== null && isTuning(null, seed)), miouPresent: s.miouPresent, clusters: s.clustersPredicted };
    rows.push(r);
    console.log(
      `  ${backbone.padEnd(12)} ${config.padEnd(16)} seed ${String(seed ?? '-').padStart(3)} ep ${String(epoch ?? '-').padStart(2)}  ${variant.padEnd(40)} present ${pct(s.miouPresent).padStart(5)}  clusters ${String(s.clustersPredicted).padStart(2)}  ${note}`,
    );
  };
  const teacherOutputs = (spec: ReturnType<typeof headSpecFor>, params: Map<string, { shape: number[]; values: Float32Array }>): Float32Array[] => {
    const teacher = new ParamSet(params, false);
    const outs: Float32Array[] = [];
    for (let j = 0; j < N; j++) outs.push(tf.tidy(() => headForward(spec, teacher, tf.tensor2d(grids.grid(j), [T, ws.set.dim])).dataSync() as Float32Array));
    teacher.dispose();
    return outs;
  };
  // outs: the model's teacher outputs on the eval frames when the caller has them (fast mode).
  const score = (model: TrainedModel, outs?: Float32Array[]): QualityScore => {
    if (!fast) return scoreModel(ws, model, grids);
    const r =
      model.method === 'kmeans'
        ? patchScore(hist, N, T, C, model.dim, (j) => grids.grid(j), model.centroids)
        : ((o) => patchScore(hist, N, T, C, model.spec.headDim, (j) => o[j]!, model.centroids))(outs ?? teacherOutputs(model.spec, model.teacher));
    return { miouPresent: r.miouPresent, clustersPredicted: r.clusters } as QualityScore;
  };
  const cmFeatures = classMeans(hist, N, T, C, ws.set.dim, (j) => grids.grid(j));
  push('-', null, null, 'class-mean (features, labelled)', score({ method: 'kmeans', grid: { h, w }, dim: ws.set.dim, centroids: cmFeatures, clusters: cmFeatures.length / ws.set.dim }));
  for (const seed of seeds) push('-', seed, null, 'k-means (features)', score(baseline(tr.id, source, seed)));
  for (const [name, overrides] of Object.entries(configs)) {
    for (const seed of seeds) {
      const config = configOf(overrides, seed);
      const { states, stats } = await snapshots(tr.id, source, config);
      console.log(
        `  ${backbone} ${name} seed ${seed} per epoch (loss | positive share of kept pairs | positives per anchor): ` +
          stats.map((s, e) => `${e + 1}: ${s.loss.toFixed(2)} | ${(s.posShare * 100).toFixed(0)}% | ${s.posPerAnchor.toFixed(1)}`).join('  '),
      );
      console.log(`  ${backbone} ${name} seed ${seed} clusterbook: ${conceptUse(states.get(at[0]!)!.clusterbook, source, config.posThreshold)}`);
      for (const epoch of at) {
        const state = states.get(epoch)!;
        const spec2 = headSpecFor(config, source);
        const outs = fast || !skipReadout ? teacherOutputs(spec2, state.teacher!) : [];
        for (const spec of variantSpecs) {
          const step3 = spec === 'default' ? {} : parseStep3Spec(spec);
          const cfg: TrainConfig = { ...config, step2: { ...config.step2, epochs: epoch }, step3: { ...config.step3, ...step3 } };
          const t1 = Date.now();
          const model = (await trainCause(source, cfg, { loadCheckpoint: () => step3Start(state) })) as CauseModel;
          const t2 = Date.now();
          push(name, seed, epoch, spec, score(model, fast && !cfg.step3.centre ? outs : undefined), `fit ${((t2 - t1) / 1000).toFixed(0)} s, score ${((Date.now() - t2) / 1000).toFixed(0)} s`);
        }
        if (skipReadout) continue;
        const spec = spec2;
        const model: CauseModel = { method: 'cause-mlp', spec, grid: { h, w }, clusterbook: state.clusterbook.values, teacher: state.teacher!, centroids: classMeans(hist, N, T, C, spec.headDim, (j) => outs[j]!) };
        push(name, seed, epoch, 'class-mean (teacher, labelled)', score(model, outs));
      }
    }
  }
  trainSet.close();
  ws.close();
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const sd = (xs: number[]) => (xs.length < 2 ? 0 : Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1)));
console.log(`\n| backbone | Step 2 config | epochs | Step 3 | present-class mIoU (mean ± sd) | vs k-means | clusters |`);
console.log(`|---|---|---|---|---|---|---|`);
for (const backbone of backbones) {
  const mine = rows.filter((r) => r.backbone === backbone);
  const km = mean(mine.filter((r) => r.variant === 'k-means (features)').map((r) => r.miouPresent));
  const keys = [...new Set(mine.map((r) => JSON.stringify([r.config, r.epoch, r.variant])))];
  for (const k of keys) {
    const [config, epoch, variant] = JSON.parse(k) as [string, number | null, string];
    const rs = mine.filter((r) => r.config === config && r.epoch === epoch && r.variant === variant);
    const p = rs.map((r) => r.miouPresent);
    const d = (mean(p) - km) * 100;
    console.log(
      `| ${backbone} | ${config} | ${epoch ?? '-'} | ${variant}${rs.some((r) => r.tuning) ? ' (tuning)' : ''} | ${pct(mean(p))} ± ${pct(sd(p))} | ${(d >= 0 ? '+' : '') + d.toFixed(1)} | ${mean(rs.map((r) => r.clusters)).toFixed(1)} |`,
    );
  }
}
console.log(`(sd: sample, over seeds ${seeds.join(',')})`);
console.log(`total ${((Date.now() - t00) / 1000).toFixed(0)} s`);
console.log(`command: npx tsx scripts/step2-lever.ts ${argv.map((a) => (/[\s;{}"]/.test(a) ? `'${a}'` : a)).join(' ')}`);
console.log('RESULT ' + JSON.stringify({ train: trainName, eval: evalName, seeds, at, configs, rows }));
