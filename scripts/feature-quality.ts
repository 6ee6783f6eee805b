// DIAGNOSTIC, never the product path. Does CAUSE-MLP beat k-means once the features are semantic?
//   npx tsx scripts/feature-quality.ts --workspace /tmp/q-demo [--alphas 0,0.3,0.6,0.9] [--seeds 1,2] [--eval-feature-set <val set id>]
//       [--methods class-mean,cause-mlp,kmeans,teacher-kmeans] [--frame-var 0.5] [--noise 1]
//       [--step2-engine auto|onnxruntime|tfjs] [--step2-epochs N] [--ort-threads 1]
//   npx tsx scripts/feature-quality.ts --workspace /tmp/q-demo --alphas 0.9,0 --probe-variants release,kmeans,release+centred,release@tau=0.03
// Needs a workspace where `cause-studio demo` ran; opens its database read-only and writes nothing there.
// Step 3 variants (step3.variant) on these features: scripts/step3-quality.ts.
// Is the CAUSE engine or the backbone the limit? Both methods get features of controlled semantic
// quality (scripts/lib/diagnostic-features.ts), per patch token t of frame f:
//     x_t = α · ( Σ_c h_t[c] · (E_c + δ_{f,c}) + σ_n · ε_t ) + (1 − α) · b̂_t
// h_t  = the class histogram (Cityscapes-27) of the ground-truth pixels under the patch, E_c a fixed random
//        class embedding (D = the builtin's 74 dims, N(0,1)), δ_{f,c} ~ N(0, σ_f²) a per-frame-and-class
//        offset (intra-class variation, so a class is not one point), ε_t ~ N(0,1) per-token noise;
// b̂_t  = the builtin token standardised per channel over the set.
// α = 0 is the (standardised) builtin backbone; α → 1 a "ViT-like" semantic but noisy feature. THE LABELS ARE USED ONLY HERE, TO BUILD THESE DIAGNOSTIC FEATURES, TO BUILD THE LABELLED CEILINGS
// ('class-mean' centroids) AND DIAGNOSTIC STATISTICS, AND TO SCORE. The training functions (trainCause,
// trainKmeans) receive a FeatureSource (features only, no label field), exactly as in the product. Table mode (default), for each α: 'class-mean' (centroid = each class's mean feature — a labelled
// ceiling of the features, not a method), CAUSE-MLP (fast preset, K = 27, Steps 1-3), k-means
// (main/engine/cause/kmeans-baseline.ts, same K, same features) and 'teacher-kmeans' (k-means on the
// CAUSE teacher's flip-averaged outputs: Step 2 without Step 3). Probe mode (--probe-variants): Steps 1-2
// once per α and seed, then each Step 3 variant from that teacher plus a class-mean probe on the teacher,
// with the Step 1/2 signal quality (concept purity, positive/negative pair precision against the classes),
// the Step 3 loss and the hard (and generalised, resolution γ) modularity of each partition on one fixed
// set of evaluation graphs. Everything is scored like the demo: the product's Predictor at each frame's
// resolution with the grid on the centre-crop region, the 'reference' geometry, Cityscapes-27, Hungarian.
// Printed per row: the protocol's mIoU (classes with a defined IoU), mIoU over the classes present in the
// ground truth, pixel accuracy, clusters used. Also printed once: k-means on the rgb backbone (the +10
// reference) and a patch-label oracle (features = h_t, centroids = classes) that checks the patch↔label
// alignment and gives the ceiling at this patch resolution. Ends with `RESULT {json}`.
// Measured results and their reading: the issue-6 report (2026-11-28, seeds 1-3, HEAD engine).
import { presetConfig, type TrainConfig } from '../shared/contract/experiments.js';
import { openFeatureSet } from '../main/engine/features/feature-reader.js';
import type { FeatureSource } from '../main/engine/cause/features.js';
import { Predictor } from '../main/engine/cause/predict.js';
import type { KmeansModel, TrainedModel } from '../main/engine/cause/model-io.js';
import * as tf from '@tensorflow/tfjs';
import { headSpecFor, trainCause, TrainingStopped, trainSchedule, type CauseModel, type TrainerState } from '../main/engine/cause/trainer.js';
import { headForward } from '../main/engine/cause/heads.js';
import { ParamSet } from '../main/engine/cause/params.js';
import { disposeGraph, modularityGraph, modularityLoss } from '../main/engine/cause/modularity.js';
import { gatherTokens, sampleGrid, sampledCount } from '../main/engine/cause/grid-sampling.js';
import { trainKmeans } from '../main/engine/cause/kmeans-baseline.js';
import { Prng } from '../shared/random.js';
import { initTfBackend } from '../main/engine/tf/backend.js';
import { openDemoWorkspace, scoreModel, setGrids, STEP3_VARIANTS, type GridSource, type QualityScore } from './lib/demo-eval.js';
import { diagnosticFeatures } from './lib/diagnostic-features.js';
import { classMeans } from './lib/class-means.js';
import { patchLabelOracle } from './lib/patch-oracle.js';

const argv = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] ? argv[i + 1]! : dflt;
};
const wsPath = opt('workspace', process.env.CAUSE_STUDIO_HOME ?? '/tmp/q-demo');
const alphas = opt('alphas', '0,0.3,0.6,0.9').split(',').map(Number);
const seeds = opt('seeds', '1').split(',').map(Number);
// class-mean: centroids = each class's mean feature (built from labels: a diagnostic ceiling of the
// features under cosine nearest-centroid, not a method); seed-independent, so computed for the first seed.
const methods = opt('methods', 'class-mean,cause-mlp,kmeans,teacher-kmeans').split(',');
const frameVar = Number(opt('frame-var', '0.5'));
const noise = Number(opt('noise', '1'));
const featureSeed = Number(opt('feature-seed', '7'));
const step2Engine = opt('step2-engine', 'auto') as 'auto' | 'onnxruntime' | 'tfjs';
const ortThreads = Number(opt('ort-threads', '1'));
const K = 27;
// --step2-epochs N: a longer (or shorter) Step 2 than the fast preset's, to test whether the budget limits the teacher.
const step2Epochs = opt('step2-epochs', '');
const causeConfig = (seed: number): TrainConfig => {
  const c = presetConfig('fast', 'cause-mlp', K, seed, 'wasm');
  return step2Epochs ? { ...c, step2: { ...c.step2, epochs: Number(step2Epochs) } } : c;
};
// --probe-variants release,kmeans,...: instead of the method table, decompose CAUSE per α: Steps 1-2 once,
// then each Step 3 variant from that teacher, plus a label-built "class-mean" probe (diagnostic only),
// each with its modularity loss on one fixed set of graphs (lower = better for the Step 3 objective).
const probeVariants = opt('probe-variants', '') ? opt('probe-variants', '').split(',') : [];
// A variant is NAME[+centred][@tau=X]: +centred shifts the teacher's last bias so its outputs on the
// training tokens have zero mean (label-free), for Step 3 and inference alike; @tau=X sets τ for Step 3
// only (the run resumes after Step 2, so Steps 1-2 keep τ = 0.1).
function parseVariant(v: string): { name: string; centred: boolean; tau: number | null } {
  const m = /^([^+@]+)(\+centred)?(?:@tau=([0-9.]+))?$/.exec(v);
  if (!m || !STEP3_VARIANTS[m[1]!]) throw new Error(`unknown probe variant '${v}' (known: ${Object.keys(STEP3_VARIANTS).join(', ')}, each optionally +centred and/or @tau=X)`);
  return { name: m[1]!, centred: !!m[2], tau: m[3] ? Number(m[3]) : null };
}
probeVariants.forEach(parseVariant);
for (const m of methods) if (!['cause-mlp', 'kmeans', 'teacher-kmeans', 'class-mean'].includes(m)) throw new Error(`unknown method '${m}'`);
if (methods.includes('teacher-kmeans') && !methods.includes('cause-mlp')) throw new Error('teacher-kmeans needs cause-mlp');

const t00 = Date.now();
await initTfBackend('wasm');
const ws = await openDemoWorkspace(wsPath, opt('feature-set', '') || undefined);
const { set, protocol, labelled } = ws;
const { h, w } = set.grid;
const D = set.dim;
const T = h * w;
const C = protocol.classNames.length;
const N = labelled.length;
if (N !== set.items.length) throw new Error(`${set.id}: ${set.items.length} items but ${N} labelled crop-0 frames; this diagnostic needs one labelled frame per item`);
console.log(`workspace ${wsPath}, feature set ${set.id} (${set.backbone}, input ${set.preprocessing.width}×${set.preprocessing.height}): ${N} frames, grid ${h}×${w}×${D}`);

// --- Patch class histograms h_t and the diagnostic features (scripts/lib/diagnostic-features.ts). ---
const diag = diagnosticFeatures(ws, { frameVar, noise, featureSeed });
const { hist } = diag;
const buildFeatures = (alpha: number): Float32Array => diag.build(alpha);

// --- Alignment check and ceiling (scripts/lib/patch-oracle.ts). ---
const pct = (x: number) => (x * 100).toFixed(1);
const oracleAligned = patchLabelOracle(ws, hist, 0);
const oracleShifted = patchLabelOracle(ws, hist, 2);
console.log(
  `patch-label oracle (alignment check): mIoU ${pct(oracleAligned.miou)} (present ${pct(oracleAligned.miouPresent)}), acc ${pct(oracleAligned.pixelAccuracy)}; ` +
    `shifted 2 patches right: mIoU ${pct(oracleShifted.miou)}, acc ${pct(oracleShifted.pixelAccuracy)}`,
);
if (oracleAligned.pixelAccuracy <= oracleShifted.pixelAccuracy) throw new Error('patch↔label alignment check failed: the aligned oracle is no better than a shifted one');

// --- Reference: k-means on the rgb backbone's matching feature set (the "+10 mIoU" baseline). ---
const rgbRow = ws.db
  .prepare("SELECT id FROM feature_sets WHERE backbone = 'rgb' AND dataset_id = ? AND preprocessing = (SELECT preprocessing FROM feature_sets WHERE id = ?)")
  .get(set.datasetId, set.id) as { id: string } | undefined;
const rgbScores: { seed: number; score: QualityScore }[] = [];
if (rgbRow && !probeVariants.length) {
  const rgb = openFeatureSet(wsPath, rgbRow.id);
  const rgbSource: FeatureSource = { count: rgb.items.length, h: rgb.grid.h, w: rgb.grid.w, dim: rgb.dim, read: (i) => rgb.read(i) };
  for (const seed of seeds) {
    const s = scoreModel(ws, trainKmeans(rgbSource, presetConfig('fast', 'kmeans', K, seed, 'wasm')), setGrids(ws, rgb));
    rgbScores.push({ seed, score: s });
    console.log(`k-means rgb (${rgbRow.id}) seed ${seed}: mIoU ${pct(s.miou)} (present ${pct(s.miouPresent)}), acc ${pct(s.pixelAccuracy)}, clusters ${s.clustersPredicted}`);
  }
  rgb.close();
} else if (!rgbRow) console.log('no rgb feature set with the same preprocessing: rgb reference skipped');

interface Row {
  alpha: number;
  method: string;
  seed: number;
  miou: number;
  miouPresent: number;
  pixelAccuracy: number;
  clusters: number;
  classesScored: number;
  seconds: number;
  step3ClustersUsed?: number;
}
const rows: Row[] = [];
const row = (alpha: number, method: string, seed: number, s: QualityScore, seconds: number, extra: Partial<Row> = {}) => {
  const r: Row = {
    alpha,
    method,
    seed,
    miou: s.miou,
    miouPresent: s.miouPresent,
    pixelAccuracy: s.pixelAccuracy,
    clusters: s.clustersPredicted,
    classesScored: s.classesScored,
    seconds,
    ...extra,
  };
  rows.push(r);
  console.log(
    `α ${alpha.toFixed(2)}  ${method.padEnd(15)} seed ${seed}  mIoU ${pct(s.miou).padStart(5)} (${s.classesScored} cl.)  present-class mIoU ${pct(s.miouPresent).padStart(5)} (${s.classesPresent} cl.)  ` +
      `acc ${pct(s.pixelAccuracy).padStart(5)}  clusters ${String(s.clustersPredicted).padStart(2)}/${K}  ${seconds.toFixed(0)} s`,
  );
};

interface ProbeRow {
  alpha: number;
  seed: number;
  variant: string;
  miou: number;
  miouPresent: number;
  pixelAccuracy: number;
  clusters: number;
  usedFirst: number;
  usedLast: number;
  modularityLoss: number;
  hardModularity: number;
}
const probeRows: ProbeRow[] = [];

/** Diagnostic: the Step 3 decomposition on one teacher (see --probe-variants). */
async function probeDecomposition(alpha: number, seed: number, source: FeatureSource, grids: GridSource): Promise<void> {
  const base = causeConfig(seed);
  const sched = trainSchedule(base, N);
  const endOfStep2 = sched.stageSteps[0] + sched.stageSteps[1];
  let state: TrainerState | undefined;
  await trainCause(source, base, { step2Engine, ortThreads, checkpointEvery: endOfStep2, saveCheckpoint: (st) => void (state = st), stopAfterStep: endOfStep2 }).catch(
    (e: unknown) => {
      if (!(e instanceof TrainingStopped)) throw e;
    },
  );
  if (!state?.teacher) throw new Error('no end-of-step-2 checkpoint');
  const spec = headSpecFor(base, source);
  const r = spec.headDim;
  // Fixed evaluation graphs: 32 images, grid-sampled with their own stream, teacher in eval mode (as Step 3).
  const evalImages = Array.from({ length: Math.min(32, N) }, (_, i) => Math.floor((i * N) / Math.min(32, N)));
  const n = sampledCount(h, w);
  const B = evalImages.length;
  const rng = new Prng(99);
  const x = new Float32Array(B * n * D);
  const cls = new Int32Array(B * n);
  evalImages.forEach((j, b) => {
    const idx = sampleGrid(h, w, rng);
    gatherTokens(source.read(j), D, idx, x, b * n);
    // Majority class of each sampled patch (labels: diagnostic only, for the class-mean probe).
    idx.forEach((t, q) => {
      let best = -1;
      let bc = -1;
      for (let c = 0; c < C; c++) if (hist[(j * T + t) * C + c]! > best) [best, bc] = [hist[(j * T + t) * C + c]!, c];
      cls[b * n + q] = best > 0 ? bc : -1;
    });
  });
  const teacher = new ParamSet(state.teacher, false);
  const out = tf.tidy(() => headForward(spec, teacher, tf.tensor2d(x, [B * n, D])));
  const y = out.dataSync() as Float32Array;
  const graph = modularityGraph(out.reshape([B, n, r]) as tf.Tensor3D);
  const lossOf = (centroids: Float32Array) =>
    tf.tidy(() => modularityLoss(graph, tf.tensor2d(centroids, [centroids.length / r, r]), base.tau, B, n).dataSync()[0]!);
  // Cone check: how far the teacher outputs share one direction (mean cosine to their mean direction).
  const mu = new Float64Array(r);
  const unit = new Float32Array(B * n * r);
  for (let i = 0; i < B * n; i++) {
    let s2 = 0;
    for (let d = 0; d < r; d++) s2 += y[i * r + d]! ** 2;
    const inv = 1 / Math.sqrt(Math.max(s2, 1e-24));
    for (let d = 0; d < r; d++) {
      unit[i * r + d] = y[i * r + d]! * inv;
      mu[d]! += unit[i * r + d]!;
    }
  }
  const muN = Math.sqrt(mu.reduce((a, v) => a + v * v, 0));
  let coneCos = 0;
  for (let i = 0; i < B * n; i++) {
    let dot = 0;
    for (let d = 0; d < r; d++) dot += unit[i * r + d]! * mu[d]!;
    coneCos += dot / muN;
  }
  coneCos /= B * n;
  // Class-mean probe: centroid c = mean unit teacher output of the sampled tokens whose patch is mostly class c.
  const sums = new Float64Array(C * r);
  const counts = new Int32Array(C);
  for (let i = 0; i < B * n; i++) {
    const c = cls[i]!;
    if (c < 0) continue;
    counts[c]!++;
    for (let d = 0; d < r; d++) sums[c * r + d]! += unit[i * r + d]!;
  }
  const present = [...counts.keys()].filter((c) => counts[c]! > 0);
  const classMeans = new Float32Array(present.length * r);
  present.forEach((c, q) => {
    for (let d = 0; d < r; d++) classMeans[q * r + d] = sums[c * r + d]! / counts[c]!;
  });
  console.log(
    `α ${alpha.toFixed(2)} seed ${seed}: teacher outputs' mean cosine to their mean direction ${coneCos.toFixed(3)}; ` +
      `${present.length} classes among the ${B * n} evaluation tokens`,
  );
  // Hard modularity Q = mean_b (1/e_b) Σ_ij W_ij [l_i = l_j] of a partition of the evaluation tokens
  // (higher = better); tokens without a label are singletons.
  const Wv = graph.W.dataSync() as Float32Array;
  const ev = graph.e.dataSync() as Float32Array;
  const hardQ = (l: Int32Array) => {
    let q = 0;
    for (let b = 0; b < B; b++) {
      let sb = 0;
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) if (i === j || (l[b * n + i]! >= 0 && l[b * n + i] === l[b * n + j])) sb += Wv[(b * n + i) * n + j]!;
      q += sb / ev[b]!;
    }
    return q / B;
  };
  const argmaxOf = (centroids: Float32Array, ys: Float32Array) => {
    const k = centroids.length / r;
    const l = new Int32Array(B * n);
    for (let i = 0; i < B * n; i++) {
      let best = -Infinity;
      for (let c = 0; c < k; c++) {
        let dot = 0;
        let nn = 0;
        for (let d = 0; d < r; d++) {
          dot += ys[i * r + d]! * centroids[c * r + d]!;
          nn += centroids[c * r + d]! ** 2;
        }
        const cos = dot / Math.sqrt(Math.max(nn, 1e-24));
        if (cos > best) [best, l[i]] = [cos, c];
      }
    }
    return l;
  };
  console.log(`α ${alpha.toFixed(2)} seed ${seed}: hard modularity of the ground-truth class partition ${hardQ(cls).toFixed(4)}`);
  // Generalised modularity with a resolution γ (W_γ = A − γ·ddᵀ/e; γ = 1 is the loss's W), recomputed
  // from the unit outputs: does a larger γ make the class partition beat the collapsed one?
  const gammas = [1, 1.5, 2, 3];
  const qGamma = (l: Int32Array) =>
    gammas.map((gamma) => {
      let q = 0;
      for (let b = 0; b < B; b++) {
        const A = new Float64Array(n * n);
        const dg = new Float64Array(n);
        for (let i = 0; i < n; i++)
          for (let j = 0; j < n; j++) {
            if (i === j) continue;
            let dot = 0;
            for (let d = 0; d < r; d++) dot += unit[(b * n + i) * r + d]! * unit[(b * n + j) * r + d]!;
            A[i * n + j] = Math.max(0, dot);
            dg[i]! += A[i * n + j]!;
          }
        const e = dg.reduce((a, v) => a + v, 0) || 1;
        let sb = 0;
        for (let i = 0; i < n; i++)
          for (let j = 0; j < n; j++) if (i === j || (l[b * n + i]! >= 0 && l[b * n + i] === l[b * n + j])) sb += A[i * n + j]! - (gamma * dg[i]! * dg[j]!) / e;
        q += sb / e;
      }
      return q / B;
    });
  const fmtQ = (qs: number[]) => qs.map((q, i) => `γ${gammas[i]} ${q.toFixed(3)}`).join(' ');
  console.log(`α ${alpha.toFixed(2)} seed ${seed}: generalised modularity of the class partition: ${fmtQ(qGamma(cls))}`);
  // Step 1 → Step 2 signal: concept of each evaluation token (argmax cosine to the clusterbook, as Step 2
  // assigns it), and how the concept-aware pairs (G > posThreshold positive, G < negThreshold negative,
  // within an image, self excluded) agree with the ground-truth classes (diagnostic only).
  {
    const kc = state.clusterbook.values.length / D;
    const M = state.clusterbook.values;
    const mUnit = new Float32Array(kc * D);
    for (let c = 0; c < kc; c++) {
      let nn = 0;
      for (let d = 0; d < D; d++) nn += M[c * D + d]! ** 2;
      const inv = 1 / Math.sqrt(Math.max(nn, 1e-24));
      for (let d = 0; d < D; d++) mUnit[c * D + d] = M[c * D + d]! * inv;
    }
    const ids = new Int32Array(B * n);
    for (let i = 0; i < B * n; i++) {
      let best = -Infinity;
      for (let c = 0; c < kc; c++) {
        let dot = 0;
        for (let d = 0; d < D; d++) dot += x[i * D + d]! * mUnit[c * D + d]!;
        if (dot > best) [best, ids[i]] = [dot, c];
      }
    }
    const used = new Set(ids).size;
    // Concept purity: share of tokens whose concept's majority class is their class.
    const tab = new Map<number, Int32Array>();
    for (let i = 0; i < B * n; i++) if (cls[i]! >= 0) (tab.get(ids[i]!) ?? tab.set(ids[i]!, new Int32Array(C)).get(ids[i]!)!)[cls[i]!]!++;
    let pure = 0;
    let lab = 0;
    for (const row of tab.values()) {
      pure += Math.max(...row);
      lab += row.reduce((a, v) => a + v, 0);
    }
    let pos = 0;
    let posSame = 0;
    let neg = 0;
    let negDiff = 0;
    let pairs = 0;
    let same = 0;
    for (let b = 0; b < B; b++)
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) {
          if (i === j) continue;
          const a = b * n + i;
          const c2 = b * n + j;
          if (cls[a]! < 0 || cls[c2]! < 0) continue;
          let g = 0;
          for (let d = 0; d < D; d++) g += mUnit[ids[a]! * D + d]! * mUnit[ids[c2]! * D + d]!;
          const isSame = cls[a] === cls[c2];
          pairs++;
          if (isSame) same++;
          if (g > base.posThreshold) {
            pos++;
            if (isSame) posSame++;
          } else if (g < base.negThreshold) {
            neg++;
            if (!isSame) negDiff++;
          }
        }
    console.log(
      `α ${alpha.toFixed(2)} seed ${seed}: clusterbook ${used}/${kc} concepts used by the evaluation tokens, concept purity ${pct(pure / lab)} %; ` +
        `within-image pairs: same class ${pct(same / pairs)} %, positives ${pct(pos / pairs)} % of pairs (precision ${pct(posSame / Math.max(1, pos))} %, ` +
        `recall ${pct(posSame / Math.max(1, same))} %), negatives ${pct(neg / pairs)} % (different-class ${pct(negDiff / Math.max(1, neg))} %)`,
    );
  }
  // Label-free centring: the mean teacher output over grid-sampled tokens of every training image.
  const centredState = (): TrainerState => {
    const crng = new Prng(98);
    const acc = new Float64Array(r);
    let cnt = 0;
    const xs = new Float32Array(n * D);
    for (let j = 0; j < N; j++) {
      gatherTokens(source.read(j), D, sampleGrid(h, w, crng), xs, 0);
      const o = tf.tidy(() => headForward(spec, teacher, tf.tensor2d(xs, [n, D])).dataSync() as Float32Array);
      for (let i = 0; i < n; i++) for (let d = 0; d < r; d++) acc[d]! += o[i * r + d]!;
      cnt += n;
    }
    const t = new Map(state!.teacher!);
    const b1 = t.get('head.f1.b')!;
    t.set('head.f1.b', { shape: b1.shape, values: b1.values.map((v, d) => v - acc[d]! / cnt) });
    return { ...state!, teacher: t };
  };
  let centred: TrainerState | undefined;
  const fast = presetConfig('fast', 'cause-mlp', K).step3;
  let releaseModel: CauseModel | undefined;
  const report = (variant: string, model: CauseModel, usedFirst: number, usedLast: number) => {
    const s = scoreModel(ws, model, grids);
    const loss = lossOf(model.centroids);
    // The argmax partition on the uncentred evaluation outputs (centring shifts every output by one
    // vector, so for a centred model its own outputs are y − μ: recompute them).
    const ys = model.teacher === state!.teacher ? y : tf.tidy(() => {
      const tp = new ParamSet(model.teacher, false);
      const o = headForward(spec, tp, tf.tensor2d(x, [B * n, D])).dataSync() as Float32Array;
      tp.dispose();
      return o;
    });
    const part = argmaxOf(model.centroids, ys);
    const q = hardQ(part);
    console.log(`    generalised modularity of ${variant}'s partition: ${fmtQ(qGamma(part))}`);
    probeRows.push({ alpha, seed, variant, miou: s.miou, miouPresent: s.miouPresent, pixelAccuracy: s.pixelAccuracy, clusters: s.clustersPredicted, usedFirst, usedLast, modularityLoss: loss, hardModularity: q });
    console.log(
      `α ${alpha.toFixed(2)}  probe ${variant.padEnd(18)} seed ${seed}  mIoU ${pct(s.miou).padStart(5)}  present ${pct(s.miouPresent).padStart(5)}  acc ${pct(s.pixelAccuracy).padStart(5)}  ` +
        `clusters ${String(s.clustersPredicted).padStart(2)} (step-3 first/last step used ${usedFirst}/${usedLast})  modularity loss ${loss.toFixed(4)}  hard Q ${q.toFixed(4)}`,
    );
  };
  try {
    for (const v of probeVariants) {
      const pv = parseVariant(v);
      let first = NaN;
      let last = NaN;
      const from = pv.centred ? (centred ??= centredState()) : state;
      const model = await trainCause(source, { ...base, ...(pv.tau !== null ? { tau: pv.tau } : {}), step3: { ...fast, ...STEP3_VARIANTS[pv.name]! } }, {
        loadCheckpoint: () => from,
        metrics: (_s, m) => {
          if (m['step3.clustersUsed'] === undefined) return;
          if (Number.isNaN(first)) first = m['step3.clustersUsed'];
          last = m['step3.clustersUsed'];
        },
      });
      report(v, model, first, last);
      if (v === 'release') releaseModel = model;
    }
    releaseModel ??= { method: 'cause-mlp', spec, grid: { h, w }, clusterbook: state.clusterbook.values, teacher: state.teacher, centroids: new Float32Array(K * r) };
    report(`class-mean (${present.length})`, { ...releaseModel, teacher: state.teacher, centroids: classMeans }, NaN, NaN);
  } finally {
    disposeGraph(graph);
    out.dispose();
    teacher.dispose();
  }
}

if (probeVariants.length) {
  for (const alpha of alphas) {
    const feats = buildFeatures(alpha);
    const source: FeatureSource = { count: N, h, w, dim: D, read: (i) => feats.subarray(i * T * D, (i + 1) * T * D) };
    const grids: GridSource = { h, w, dim: D, inputWidth: set.preprocessing.width, inputHeight: set.preprocessing.height, grid: (j) => source.read(j) };
    for (const seed of seeds) await probeDecomposition(alpha, seed, source, grids);
  }
  console.log(`total ${((Date.now() - t00) / 1000).toFixed(0)} s`);
  console.log(`command: npx tsx scripts/feature-quality.ts ${argv.join(' ')}`);
  console.log('RESULT ' + JSON.stringify({ mode: 'probe-decomposition', featureSet: set.id, params: { alphas, seeds, frameVar, noise, featureSeed, step2Engine, step2Epochs: step2Epochs || 'preset' }, rows: probeRows }));
  ws.close();
  process.exit(0);
}

// --eval-feature-set <id> (table mode): train on the workspace's set as before, but score every method on
// another set (the demo's val world, never trained on): its diagnostic features share the class
// embeddings E (same --feature-seed) and draw their own per-frame offsets and noise. 'class-mean' is
// then the read-out of the held-out features.
const evalSetId = opt('eval-feature-set', '');
if (evalSetId && probeVariants.length) throw new Error('--eval-feature-set applies to the table mode, not --probe-variants');
if (evalSetId && methods.includes('teacher-kmeans')) throw new Error('--eval-feature-set: leave out teacher-kmeans (it is fitted and scored on one set)');
const heldOut = evalSetId ? await openDemoWorkspace(wsPath, evalSetId) : null;
if (heldOut) {
  if (heldOut.set.dim !== D) throw new Error(`--eval-feature-set ${evalSetId}: ${heldOut.set.dim} channels, the training set has ${D}`);
  console.log(`held-out scoring on feature set ${heldOut.set.id} (${heldOut.set.backbone}, input ${heldOut.set.preprocessing.width}×${heldOut.set.preprocessing.height}): ${heldOut.labelled.length} frames, grid ${heldOut.set.grid.h}×${heldOut.set.grid.w}`);
}
const heldOutDiag = heldOut ? diagnosticFeatures(heldOut, { frameVar, noise, featureSeed, drawSeed: featureSeed + 0x9e3779b9 }) : null;

for (const alpha of alphas) {
  const feats = buildFeatures(alpha);
  const source: FeatureSource = { count: N, h, w, dim: D, read: (i) => feats.subarray(i * T * D, (i + 1) * T * D) };
  const trainGrids: GridSource = { h, w, dim: D, inputWidth: set.preprocessing.width, inputHeight: set.preprocessing.height, grid: (j) => source.read(j) };
  // What is scored: the training set itself, or the held-out set's features of the same α.
  const scoreWs = heldOut ?? ws;
  const heldOutSources = heldOutDiag ? heldOutDiag.sources(heldOutDiag.build(alpha)) : null;
  const grids: GridSource = heldOutSources ? heldOutSources.grids : trainGrids;
  if (methods.includes('class-mean')) {
    // The labelled read-out of the scored set: each token counts for its patch's majority class,
    // weighted by that class's share (scripts/lib/class-means.ts).
    const t0 = Date.now();
    const d = heldOutDiag ?? diag;
    const read = heldOutSources ? (j: number) => heldOutSources.source.read(j) : (j: number) => source.read(j);
    const centroids = classMeans(d.hist, d.N, d.T, d.C, D, read);
    const model: KmeansModel = { method: 'kmeans', grid: { h: scoreWs.set.grid.h, w: scoreWs.set.grid.w }, dim: D, centroids, clusters: centroids.length / D };
    row(alpha, 'class-mean', seeds[0]!, scoreModel(scoreWs, model, grids), (Date.now() - t0) / 1000);
  }
  for (const seed of seeds) {
    if (methods.includes('kmeans')) {
      const t0 = Date.now();
      const km = trainKmeans(source, presetConfig('fast', 'kmeans', K, seed, 'wasm'));
      row(alpha, 'kmeans', seed, scoreModel(scoreWs, km, grids), (Date.now() - t0) / 1000);
    }
    if (methods.includes('cause-mlp')) {
      const t0 = Date.now();
      const config: TrainConfig = causeConfig(seed);
      let used = NaN;
      const model = await trainCause(source, config, {
        step2Engine,
        ortThreads,
        metrics: (_s, m) => {
          if (m['step3.clustersUsed'] !== undefined) used = m['step3.clustersUsed'];
        },
      });
      row(alpha, 'cause-mlp', seed, scoreModel(scoreWs, model, grids), (Date.now() - t0) / 1000, { step3ClustersUsed: used });
      if (methods.includes('teacher-kmeans')) {
        // k-means on the teacher's inference embedding (flip-averaged, as Predictor computes it), scored
        // through the same Predictor with that embedding as the "features": Step 2 without Step 3.
        const t1 = Date.now();
        const pred = new Predictor(model as TrainedModel, config.flipAveraging);
        const r = model.spec.headDim;
        const emb = new Float32Array(N * T * r);
        try {
          for (let j = 0; j < N; j++) {
            const e = pred.embed(source.read(j), h, w, D);
            emb.set(e.dataSync() as Float32Array, j * T * r);
            e.dispose();
          }
        } finally {
          pred.dispose();
        }
        const teacherSource: FeatureSource = { count: N, h, w, dim: r, read: (i) => emb.subarray(i * T * r, (i + 1) * T * r) };
        const km = trainKmeans(teacherSource, presetConfig('fast', 'kmeans', K, seed, 'wasm'));
        const tg: GridSource = { ...grids, dim: r, grid: (j) => teacherSource.read(j) };
        row(alpha, 'teacher-kmeans', seed, scoreModel(ws, km, tg), (Date.now() - t1) / 1000);
      }
    }
  }
}

const mean2 = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
console.log(`\nmeans over seeds ${seeds.join(',')} (mIoU / present-class mIoU / acc / clusters):`);
const summary: Record<string, Record<string, { miou: number; miouPresent: number; pixelAccuracy: number; clusters: number }>> = {};
for (const alpha of alphas) {
  const parts: string[] = [];
  for (const m of methods) {
    const rs = rows.filter((r) => r.alpha === alpha && r.method === m);
    if (!rs.length) continue;
    const s = {
      miou: mean2(rs.map((r) => r.miou)),
      miouPresent: mean2(rs.map((r) => r.miouPresent)),
      pixelAccuracy: mean2(rs.map((r) => r.pixelAccuracy)),
      clusters: mean2(rs.map((r) => r.clusters)),
    };
    (summary[String(alpha)] ??= {})[m] = s;
    parts.push(`${m} ${pct(s.miou)} / ${pct(s.miouPresent)} / ${pct(s.pixelAccuracy)} / ${s.clusters.toFixed(0)}`);
  }
  const c = summary[String(alpha)]?.['cause-mlp'];
  const k = summary[String(alpha)]?.kmeans;
  const margin = c && k ? `  | CAUSE − k-means ${((c.miou - k.miou) * 100).toFixed(1)} (present ${((c.miouPresent - k.miouPresent) * 100).toFixed(1)})` : '';
  console.log(`α ${alpha.toFixed(2)}: ${parts.join('  |  ')}${margin}`);
}
const rgbMean = rgbScores.length ? mean2(rgbScores.map((r) => r.score.miou)) : NaN;
if (rgbScores.length) console.log(`k-means rgb: mIoU ${pct(rgbMean)} (present ${pct(mean2(rgbScores.map((r) => r.score.miouPresent)))})`);
console.log(`total ${((Date.now() - t00) / 1000).toFixed(0)} s`);
console.log(`command: npx tsx scripts/feature-quality.ts ${argv.join(' ')}`);
console.log(
  'RESULT ' +
    JSON.stringify({
      featureSet: set.id,
      frames: N,
      grid: [h, w, D],
      params: { alphas, seeds, frameVar, noise, featureSeed, step2Engine, step2Epochs: step2Epochs || 'preset', evalFeatureSet: evalSetId || null },
      oracle: { aligned: { miou: oracleAligned.miou, pixelAccuracy: oracleAligned.pixelAccuracy }, shifted2: { miou: oracleShifted.miou, pixelAccuracy: oracleShifted.pixelAccuracy } },
      rgbKmeans: rgbScores.map((r) => ({ seed: r.seed, miou: r.score.miou, miouPresent: r.score.miouPresent, pixelAccuracy: r.score.pixelAccuracy })),
      rows,
      summary,
    }),
);
ws.close();
