// The CAUSE training loop: Step 1 clusterbook, Step 2 head with EMA teacher and concept bank, Step 3
// cluster probe — all on cached features, label-free, resumable at any checkpointed step.
import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../../../shared/contract/experiments.js';
import { ConceptBank } from './bank.js';
import { assignConcepts, conceptVectors, normalizedTranspose, pairMasks } from './concepts.js';
import { contrastiveSum, planContrastive } from './contrastive.js';
import type { FeatureSource } from './features.js';
import { gatherTokens, sampleGrid, sampledCount } from './grid-sampling.js';
import { codebookQueries, headForward, initHeadParams, project, type HeadSpec, type SeedSource } from './heads.js';
import { disposeGraph, modularityGraph, modularityLoss } from './modularity.js';
import { gatherRows, l2normalize } from './ops.js';
import { Adam, type AdamState } from './optim.js';
import { emaUpdate, ParamSet, type ParamInit } from './params.js';
import { Prng, type PrngState } from './prng.js';

export const STAGES = ['step1', 'step2', 'step3'] as const;
export type Stage = (typeof STAGES)[number];

/** A trained CAUSE model: everything inference needs. */
export interface CauseModel {
  readonly method: 'cause-mlp' | 'cause-tr';
  readonly spec: HeadSpec;
  readonly grid: { readonly h: number; readonly w: number };
  /** k × D. */
  readonly clusterbook: Float32Array;
  /** Teacher head + projection. */
  readonly teacher: Map<string, ParamInit>;
  /** K × r cluster probe centroids. */
  readonly centroids: Float32Array;
  /** Run totals (e.g. images skipped for lack of a positive pair); not stored in the model file. */
  readonly counters?: Readonly<Record<string, number>>;
}

export interface TrainerState {
  readonly stage: number;
  readonly stageStep: number;
  readonly globalStep: number;
  readonly rng: PrngState;
  readonly clusterbook: ParamInit;
  readonly student: Map<string, ParamInit> | null;
  readonly teacher: Map<string, ParamInit> | null;
  readonly probe: ParamInit | null;
  readonly adam: AdamState | null;
  readonly bank: { ids: Int32Array; rows: Float32Array } | null;
  readonly counters: Record<string, number>;
}

export interface TrainHooks {
  progress?(u: { stage: Stage; stageStep: number; stageSteps: number; globalStep: number; totalSteps: number }): void;
  /** Metric values of one global step. */
  metrics?(globalStep: number, values: Record<string, number>): void | Promise<void>;
  checkpointEvery?: number;
  saveCheckpoint?(state: TrainerState): void | Promise<void>;
  loadCheckpoint?(): TrainerState | undefined;
  throwIfCancelled?(): void;
  log?(message: string): void;
  /** Tests: stop (as if killed) after this global step has been checkpointed. */
  stopAfterStep?: number;
}

export interface Schedule {
  readonly images: Int32Array;
  readonly stepsPerEpoch: number;
  readonly epochs: readonly [number, number, number];
  readonly stageSteps: readonly [number, number, number];
  readonly totalSteps: number;
}

export function headSpecFor(config: TrainConfig, source: FeatureSource): HeadSpec {
  return {
    kind: config.method === 'cause-tr' ? 'tr' : 'mlp',
    dim: source.dim,
    headDim: config.headDim,
    projDim: config.projDim,
    ffnDim: config.ffnDim,
    gridTokens: source.h * source.w,
    dropout: config.dropout,
  };
}

/** Which items train and how many steps each stage takes. */
export function trainSchedule(config: TrainConfig, count: number): Schedule {
  const n = config.maxImages === null ? count : Math.min(count, config.maxImages);
  const images = new Int32Array(n);
  // Evenly spaced so a limited run still sees the whole drive, not only its first sequence.
  for (let i = 0; i < n; i++) images[i] = Math.floor((i * count) / n);
  const stepsPerEpoch = Math.ceil(n / config.batchSize);
  const epochs = [config.step1.epochs, config.step2.epochs, config.step3.epochs] as const;
  const stageSteps = [epochs[0] * stepsPerEpoch, epochs[1] * stepsPerEpoch, epochs[2] * stepsPerEpoch] as const;
  return { images, stepsPerEpoch, epochs, stageSteps, totalSteps: stageSteps[0] + stageSteps[1] + stageSteps[2] };
}

/** The items of one step; the order of an epoch comes from (seed, stage, epoch) only, so resume needs no state. */
export function batchItems(config: TrainConfig, schedule: Schedule, stage: number, stageStep: number): number[] {
  const epoch = Math.floor(stageStep / schedule.stepsPerEpoch);
  const within = stageStep % schedule.stepsPerEpoch;
  const perm = new Prng((config.seed ^ Math.imul(stage + 1, 0x27d4eb2d) ^ Math.imul(epoch + 1, 0x165667b1)) >>> 0).permutation(
    schedule.images.length,
  );
  const out: number[] = [];
  for (let j = within * config.batchSize; j < Math.min(perm.length, (within + 1) * config.batchSize); j++) {
    out.push(schedule.images[perm[j]!]!);
  }
  return out;
}

/** The state before step 1: seeded initialisation, teacher = copy of student. */
export function initialTrainerState(source: FeatureSource, config: TrainConfig): TrainerState {
  const k = config.concepts;
  const D = source.dim;
  const spec = headSpecFor(config, source);
  // Separate streams per parameter group so changing one size does not reshuffle the others.
  const initRng = new Prng((config.seed ^ 0x5bd1e995) >>> 0);
  const cb = initRng.uniformArray(k * D, -1 / k, 1 / k);
  const head = initHeadParams(spec, new Prng((config.seed ^ 0x1b873593) >>> 0));
  const K = config.clusters;
  const probe = new Prng((config.seed ^ 0xcc9e2d51) >>> 0).uniformArray(K * config.headDim, -1 / K, 1 / K);
  return {
    stage: 0,
    stageStep: 0,
    globalStep: 0,
    rng: new Prng(config.seed).state(),
    clusterbook: { shape: [k, D], values: cb },
    student: head,
    teacher: head, // the teacher starts as an exact copy of the student
    probe: { shape: [K, config.headDim], values: probe },
    adam: null,
    bank: null,
    counters: { skippedImages: 0, skippedSteps: 0 },
  };
}

interface Live {
  clusterbook: tf.Variable;
  student: ParamSet;
  teacher: ParamSet;
  probe: tf.Variable;
  bank: ConceptBank;
  adam: Adam | null;
  rng: Prng;
  counters: Record<string, number>;
}

function sampleBatch(source: FeatureSource, items: number[], rng: Prng): { tokens: Float32Array; indices: Int32Array[]; n: number } {
  const n = sampledCount(source.h, source.w);
  const D = source.dim;
  const tokens = new Float32Array(items.length * n * D);
  const indices: Int32Array[] = [];
  items.forEach((item, b) => {
    const idx = sampleGrid(source.h, source.w, rng);
    indices.push(idx);
    gatherTokens(source.read(item), D, idx, tokens, b * n);
  });
  return { tokens, indices, n };
}

function readGrids(source: FeatureSource, items: number[]): Float32Array {
  const per = source.h * source.w * source.dim;
  const out = new Float32Array(items.length * per);
  items.forEach((item, b) => out.set(source.read(item), b * per));
  return out;
}

function globalIndices(indices: Int32Array[], N: number): Int32Array {
  const n = indices[0]!.length;
  const out = new Int32Array(indices.length * n);
  indices.forEach((idx, b) => {
    for (let t = 0; t < n; t++) out[b * n + t] = b * N + idx[t]!;
  });
  return out;
}

/** Steps 1-3. Takes features only (no labels) and returns the trained model. */
export async function trainCause(source: FeatureSource, config: TrainConfig, hooks: TrainHooks = {}): Promise<CauseModel> {
  if (config.method === 'kmeans') throw new Error('trainCause: k-means runs through trainKmeans');
  sampledCount(source.h, source.w); // reject grids with nothing to sample before any work
  const spec = headSpecFor(config, source);
  const schedule = trainSchedule(config, source.count);
  if (schedule.images.length === 0) throw new Error('trainCause: no feature items to train on');
  const loaded = hooks.loadCheckpoint?.();
  const s0 = loaded ?? initialTrainerState(source, config);
  if (loaded) hooks.log?.(`resuming at global step ${loaded.globalStep} (${STAGES[loaded.stage] ?? 'done'} step ${loaded.stageStep})`);
  const live: Live = {
    clusterbook: tf.tidy(() => tf.variable(tf.tensor(s0.clusterbook.values, s0.clusterbook.shape))),
    student: new ParamSet(s0.student!),
    teacher: new ParamSet(s0.teacher!, false),
    probe: tf.tidy(() => tf.variable(tf.tensor(s0.probe!.values, s0.probe!.shape))),
    bank: s0.bank
      ? ConceptBank.restore({ dim: config.projDim, cap: config.bankPerConcept, ...s0.bank })
      : new ConceptBank(config.projDim, config.bankPerConcept),
    adam: null,
    rng: new Prng(s0.rng),
    counters: { ...s0.counters },
  };
  let stage = s0.stage;
  let stageStep = s0.stageStep;
  let globalStep = s0.globalStep;
  const stageVars = (st: number): ParamSet =>
    st === 0
      ? wrap('clusterbook', live.clusterbook)
      : st === 1
        ? live.student
        : wrap('probe', live.probe);
  const makeAdam = (st: number) => new Adam(stageVars(st), [config.step1.lr, config.step2.lr, config.step3.lr][st]!);
  if (stage < 3) {
    live.adam = makeAdam(stage);
    if (s0.adam) live.adam.load(s0.adam);
  }
  let cbNormT: tf.Tensor2D | null = null;
  let cbNorm: Float32Array | null = null;
  const frozenCodebook = () => {
    if (!cbNormT) {
      cbNormT = normalizedTranspose(live.clusterbook as unknown as tf.Tensor2D);
      cbNorm = tf.tidy(() => tf.transpose(cbNormT!).dataSync() as Float32Array);
    }
    return { cbNormT: cbNormT, cbNorm: cbNorm! };
  };

  const snapshot = (): TrainerState => ({
    stage,
    stageStep,
    globalStep,
    rng: live.rng.state(),
    clusterbook: { shape: [...live.clusterbook.shape], values: live.clusterbook.dataSync() as Float32Array },
    student: live.student.export(),
    teacher: live.teacher.export(),
    probe: { shape: [...live.probe.shape], values: live.probe.dataSync() as Float32Array },
    adam: live.adam ? live.adam.export() : null,
    bank: (() => {
      const s = live.bank.snapshot();
      return { ids: s.ids, rows: s.rows };
    })(),
    counters: { ...live.counters },
  });

  try {
    while (stage < 3) {
      const steps = schedule.stageSteps[stage]!;
      if (stageStep >= steps) {
        // Stage boundary: the next stage gets a fresh optimiser.
        live.adam?.dispose();
        stage++;
        stageStep = 0;
        live.adam = stage < 3 ? makeAdam(stage) : null;
        continue;
      }
      hooks.throwIfCancelled?.();
      const items = batchItems(config, schedule, stage, stageStep);
      const t0 = performance.now();
      const values =
        stage === 0
          ? step1(source, config, live, items)
          : stage === 1
            ? step2(source, config, spec, live, items, frozenCodebook())
            : step3(source, config, spec, live, items, stageStep, schedule.stepsPerEpoch, frozenCodebook());
      values.stepMs = performance.now() - t0;
      stageStep++;
      globalStep++;
      if (hooks.metrics) await hooks.metrics(globalStep, values);
      hooks.progress?.({ stage: STAGES[stage]!, stageStep, stageSteps: steps, globalStep, totalSteps: schedule.totalSteps });
      const every = hooks.checkpointEvery ?? config.checkpointEvery;
      if (hooks.saveCheckpoint && (globalStep % every === 0 || globalStep === schedule.totalSteps)) {
        await hooks.saveCheckpoint(snapshot());
      }
      if (hooks.stopAfterStep !== undefined && globalStep >= hooks.stopAfterStep) throw new TrainingStopped(globalStep);
    }
    return {
      method: config.method,
      spec,
      grid: { h: source.h, w: source.w },
      clusterbook: live.clusterbook.dataSync() as Float32Array,
      teacher: live.teacher.export(),
      centroids: live.probe.dataSync() as Float32Array,
      counters: { ...live.counters },
    };
  } finally {
    const t = cbNormT as tf.Tensor2D | null;
    t?.dispose();
    live.adam?.dispose();
    live.student.dispose();
    live.teacher.dispose();
    live.clusterbook.dispose();
    live.probe.dispose();
  }
}

/** Thrown by the `stopAfterStep` test hook: simulates a kill right after a checkpoint. */
export class TrainingStopped extends Error {
  constructor(readonly step: number) {
    super(`training stopped after step ${step}`);
  }
}

/** A ParamSet view of a single existing variable (not copied). */
function wrap(name: string, v: tf.Variable): ParamSet {
  const p = Object.create(ParamSet.prototype) as ParamSet;
  (p as unknown as { vars: Map<string, tf.Variable> }).vars = new Map([[name, v]]);
  return p;
}

function step1(source: FeatureSource, config: TrainConfig, live: Live, items: number[]): Record<string, number> {
  const { tokens, n } = sampleBatch(source, items, live.rng);
  const B = items.length;
  return tf.tidy(() => {
    const x = tf.tensor3d(tokens, [B, n, source.dim]);
    const g = modularityGraph(x);
    const M = live.clusterbook as unknown as tf.Tensor2D;
    const { value, grads } = tf.variableGrads(() => modularityLoss(g, M, config.tau, B, n), [live.clusterbook]);
    const loss = value.dataSync()[0]!;
    const gradNorm = live.adam!.apply(grads, null);
    disposeGraph(g);
    return { 'step1.loss': loss, 'step1.modularity': -loss, 'step1.gradNorm': gradNorm, lr: live.adam!.lr };
  });
}

function step2(
  source: FeatureSource,
  config: TrainConfig,
  spec: HeadSpec,
  live: Live,
  items: number[],
  cb: { cbNormT: tf.Tensor2D; cbNorm: Float32Array },
): Record<string, number> {
  const B = items.length;
  const D = source.dim;
  const N = source.h * source.w;
  const rng = live.rng;
  const seeds: SeedSource = () => rng.nextUint32();
  const { tokens, indices, n } = sampleBatch(source, items, rng);
  const T = B * n;
  const grids = spec.kind === 'tr' ? readGrids(source, items) : null;
  const bankSnap = live.bank.size > 0 ? live.bank.snapshot() : null;

  let result: { ids: Int32Array; proj: Float32Array | null; metrics: Record<string, number> } | undefined;
  tf.tidy(() => {
    const xs = tf.tensor2d(tokens, [T, D]);
    const ids = assignConcepts(xs, cb.cbNormT);
    const V = tf.tensor2d(conceptVectors(cb.cbNorm, D, ids), [T, D]);
    const batchMasks = pairMasks(V, V, config.posThreshold, config.negThreshold, true);
    const batchPlan = planContrastive(batchMasks, B);
    let bank: { masks: ReturnType<typeof pairMasks>; plan: ReturnType<typeof planContrastive>; targetsT: tf.Tensor2D } | null = null;
    if (bankSnap) {
      const Vb = tf.tensor2d(conceptVectors(cb.cbNorm, D, bankSnap.ids), [bankSnap.ids.length, D]);
      const masks = pairMasks(V, Vb, config.posThreshold, config.negThreshold, false);
      bank = {
        masks,
        plan: planContrastive(masks, B),
        targetsT: tf.transpose(tf.tensor2d(bankSnap.rows, [bankSnap.ids.length, config.projDim])),
      };
    }
    const terms = batchPlan.terms + (bank?.plan.terms ?? 0);
    const skippedImages = batchPlan.skipped + (bank?.plan.skipped ?? 0);

    // Head inputs: MLP samples before the head; TR runs on full grids and samples afterwards.
    let xIn: tf.Tensor2D;
    let queries: tf.Tensor2D | undefined;
    let gidx: Int32Array | null = null;
    if (spec.kind === 'tr') {
      xIn = tf.tensor2d(grids!, [B * N, D]);
      queries = codebookQueries(xIn, live.clusterbook as unknown as tf.Tensor2D, cb.cbNormT);
      gidx = globalIndices(indices, N);
    } else xIn = xs;

    const teacherOut = headForward(spec, live.teacher, xIn, seeds, queries);
    const zt = project(live.teacher, gidx ? tf.gather(teacherOut, tf.tensor1d(gidx, 'int32')) : teacherOut);
    const ztn = l2normalize(zt);
    const ztnT = tf.transpose(ztn) as tf.Tensor2D;

    let loss = NaN;
    let gradNorm = NaN;
    if (terms > 0) {
      const { value, grads } = tf.variableGrads(() => {
        const y = headForward(spec, live.student, xIn, seeds, queries);
        const z = project(live.student, gidx ? gatherRows(y, gidx) : y);
        let sum = contrastiveSum(z, ztnT, batchMasks, batchPlan, config.temperature);
        if (bank) sum = tf.add(sum, contrastiveSum(z, bank.targetsT, bank.masks, bank.plan, config.temperature));
        return tf.div(sum, terms) as tf.Scalar;
      }, live.student.list());
      loss = value.dataSync()[0]!;
      gradNorm = live.adam!.apply(grads, config.gradClip);
      emaUpdate(live.teacher, live.student, config.emaMomentum);
    }
    result = {
      ids,
      proj: terms > 0 ? (ztn.dataSync() as Float32Array) : null,
      metrics: {
        'step2.loss': loss,
        'step2.gradNorm': gradNorm,
        'step2.terms': terms,
        'step2.skippedImages': skippedImages,
        'step2.posPairs': batchPlan.posPairs + (bank?.plan.posPairs ?? 0),
        'step2.negPairs': batchPlan.negPairs + (bank?.plan.negPairs ?? 0),
        'step2.bankPosPairs': bank?.plan.posPairs ?? 0,
        lr: live.adam!.lr,
      },
    };
  });
  if (!result) throw new Error('step2 produced no result');
  live.counters.skippedImages = (live.counters.skippedImages ?? 0) + result.metrics['step2.skippedImages']!;
  if (result.proj) live.bank.insert(result.ids, result.proj, rng);
  else live.counters.skippedSteps = (live.counters.skippedSteps ?? 0) + 1;
  result.metrics['step2.bankFill'] = live.bank.size;
  return result.metrics;
}

/** Teacher head outputs (eval mode, no dropout) of the sampled tokens: [B·n, r]. */
export function teacherSampledOutputs(
  source: FeatureSource,
  spec: HeadSpec,
  teacher: ParamSet,
  clusterbook: tf.Tensor2D,
  cbNormT: tf.Tensor2D,
  items: number[],
  rng: Prng,
): { out: tf.Tensor2D; n: number } {
  const { tokens, indices, n } = sampleBatch(source, items, rng);
  const B = items.length;
  const D = source.dim;
  const out = tf.tidy(() => {
    if (spec.kind === 'mlp') return headForward(spec, teacher, tf.tensor2d(tokens, [B * n, D]), null);
    const N = source.h * source.w;
    const x = tf.tensor2d(readGrids(source, items), [B * N, D]);
    const y = headForward(spec, teacher, x, null, codebookQueries(x, clusterbook, cbNormT));
    return tf.gather(y, tf.tensor1d(globalIndices(indices, N), 'int32')) as tf.Tensor2D;
  });
  return { out, n };
}

function step3(
  source: FeatureSource,
  config: TrainConfig,
  spec: HeadSpec,
  live: Live,
  items: number[],
  stageStep: number,
  stepsPerEpoch: number,
  cb: { cbNormT: tf.Tensor2D },
): Record<string, number> {
  const B = items.length;
  const epoch = Math.floor(stageStep / stepsPerEpoch);
  live.adam!.lr = config.step3.lr * Math.pow(config.step3.decayFactor, Math.floor(epoch / config.step3.decayEvery));
  return tf.tidy(() => {
    // The head is frozen here: its outputs are constants and only the centroids learn.
    const { out, n } = teacherSampledOutputs(source, spec, live.teacher, live.clusterbook as unknown as tf.Tensor2D, cb.cbNormT, items, live.rng);
    const g = modularityGraph(out.reshape([B, n, spec.headDim]) as tf.Tensor3D);
    const P = live.probe as unknown as tf.Tensor2D;
    const { value, grads } = tf.variableGrads(() => modularityLoss(g, P, config.tau, B, n), [live.probe]);
    const loss = value.dataSync()[0]!;
    const gradNorm = live.adam!.apply(grads, null);
    disposeGraph(g);
    return { 'step3.loss': loss, 'step3.modularity': -loss, 'step3.gradNorm': gradNorm, lr: live.adam!.lr };
  });
}
