// The CAUSE training loop: Step 1 clusterbook, Step 2 head with EMA teacher and concept bank, Step 3
// cluster probe — all on cached features, label-free, resumable at any checkpointed step.
import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../../../shared/contract/experiments.js';
import { ConceptBank } from './bank.js';
import { assignConcepts, conceptVectors, normalizedTranspose, pairMasks, type PairMasks } from './concepts.js';
import { contrastiveSum, planContrastive, slicePlan } from './contrastive.js';
import type { FeatureSource } from './features.js';
import { gatherTokens, sampleGrid, sampledCount } from './grid-sampling.js';
import { codebookQueries, headForward, initHeadParams, project, type HeadSpec } from './heads.js';
import { coMembership, disposeGraph, modularityGraph, modularityLoss, modularityLossFromDelta, type ModularityGraph } from './modularity.js';
import { gatherRows, l2normalize } from './ops.js';
import { Adam, type AdamState } from './optim.js';
import { emaUpdate, ParamSet, type ParamInit } from './params.js';
import { Prng, type PrngState } from './prng.js';
import { applyHostUpdate, dropoutMultipliers, MlpStep2Graph, OrtMlpStep2 } from './ort/mlp-step2.js';
import { drawTrMasks, TrStep2Graph } from './ort/tr-step2.js';
import { TrForwardGraph } from './ort/tr-forward.js';
import { OrtStep1 } from './ort/step1.js';
import { kmeansCentroids, ownership, PROBE_INIT_ITERATIONS, reviveDeadCentroids } from './probe.js';

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
  /** Which engine ran Step 2 ('onnxruntime-cpu', 'tfjs', ...), when Step 2 ran in this call. */
  readonly step2Engine?: string;
  /** Which engine ran Step 1's dense products ('onnxruntime-cpu' or 'tfjs'), when Step 1 ran in this call. */
  readonly step1Engine?: string;
  /** Which engine ran Step 3's teacher forward (TR on onnxruntime, else 'tfjs'), when Step 3 ran in this call. */
  readonly step3Engine?: string;
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
  /**
   * Step 2 engine: 'auto' (default) runs the step (MLP or TR head) as one onnxruntime graph, falling
   * back to tfjs with a log line when the session cannot open; 'tfjs' forces tfjs (the oracle);
   * 'onnxruntime' fails rather than fall back. Also picks the engine of the frozen TR teacher's forward
   * in Step 3 and the probe init (ort/tr-forward.ts), with the same fallback.
   */
  step2Engine?: 'auto' | 'onnxruntime' | 'tfjs';
  /** Step 1: 'auto' (default) runs the assignment products on onnxruntime, the co-membership loop in tfjs. */
  step1Engine?: 'auto' | 'onnxruntime' | 'tfjs';
  /** onnxruntime intra-op threads for Step 2 (default: all cores). */
  ortThreads?: number;
  /** TR head on tfjs: images per gradient micro-batch (default 0 = sized from the grid to bound memory; the onnxruntime graph needs none). */
  trMicroBatch?: number;
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
  /** The onnxruntime Step 2 (MLP or TR graph), opened at the first Step 2 step; its host arrays are flushed into student/teacher/adam. */
  ort: OrtMlpStep2<MlpStep2Graph | TrStep2Graph> | null;
  step2Engine: string | undefined;
  ort1: OrtStep1 | null;
  step1Engine: string | undefined;
  /** Step 3's TR teacher forward on onnxruntime, opened at the first Step 3 step ('tfjs' in step3Engine when not). */
  ort3: TeacherForward | null;
  step3Engine: string | undefined;
}

/** The forward-only TR graph with the frozen teacher and clusterbook as host arrays (read once: neither changes in Step 3). */
export interface TeacherForward {
  readonly graph: TrForwardGraph;
  readonly params: Map<string, Float32Array>;
  readonly clusterbook: Float32Array;
  readonly cbNorm: Float32Array;
  /** A failed session.run: rethrows when onnxruntime was required, else logs and switches the run to tfjs. */
  readonly failed: (e: unknown) => void;
}

/** The clusterbook after Step 1 (it no longer changes), read once: normalised (tf and host) and raw (host). */
interface FrozenCodebook {
  readonly cbNormT: tf.Tensor2D;
  readonly cbNorm: Float32Array;
  readonly raw: Float32Array;
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
    ort: null,
    step2Engine: undefined,
    ort1: null,
    step1Engine: undefined,
    ort3: null,
    step3Engine: undefined,
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
  let frozen: FrozenCodebook | null = null;
  const frozenCodebook = (): FrozenCodebook => {
    if (!frozen) {
      const normT = normalizedTranspose(live.clusterbook as unknown as tf.Tensor2D);
      frozen = {
        cbNormT: normT,
        cbNorm: tf.tidy(() => tf.transpose(normT).dataSync() as Float32Array),
        raw: live.clusterbook.dataSync() as Float32Array,
      };
    }
    return frozen;
  };

  // The onnxruntime Step 2 keeps its state in host arrays; the tf variables catch up before anyone reads them.
  const flushOrt = () => live.ort?.flush(live.student, live.teacher, stage === 1 ? live.adam : null);
  const snapshot = (): TrainerState => (flushOrt(), {
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
        flushOrt();
        await live.ort?.release();
        live.ort = null;
        await live.ort1?.release();
        live.ort1 = null;
        await live.ort3?.graph.release();
        live.ort3 = null;
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
          ? await step1(source, config, live, items, hooks)
          : stage === 1
            ? await step2(source, config, spec, live, items, frozenCodebook(), hooks)
            : await step3(source, config, spec, live, items, stageStep, schedule.stepsPerEpoch, frozenCodebook(), hooks);
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
      ...(live.step2Engine ? { step2Engine: live.step2Engine } : {}),
      ...(live.step1Engine ? { step1Engine: live.step1Engine } : {}),
      ...(live.step3Engine ? { step3Engine: live.step3Engine } : {}),
    };
  } finally {
    await live.ort?.release();
    await live.ort1?.release();
    await live.ort3?.graph.release();
    (frozen as FrozenCodebook | null)?.cbNormT.dispose();
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

/** Step 1: the assignment products on onnxruntime unless told otherwise (see ort/step1.ts). */
async function step1(source: FeatureSource, config: TrainConfig, live: Live, items: number[], hooks: TrainHooks): Promise<Record<string, number>> {
  const want = hooks.step1Engine ?? 'auto';
  if (want !== 'tfjs' && !live.ort1 && live.step1Engine === undefined) {
    try {
      const opts = { ...(hooks.ortThreads ? { threads: hooks.ortThreads } : {}), ...(hooks.log ? { log: hooks.log } : {}) };
      live.ort1 = await OrtStep1.open(source.dim, config.concepts, opts);
      live.step1Engine = `onnxruntime-${live.ort1.provider}`;
    } catch (e) {
      if (want === 'onnxruntime') throw e;
      hooks.log?.(`Step 1 on onnxruntime unavailable (${(e as Error).message.split('\n')[0]}); using tfjs`);
      live.step1Engine = 'tfjs';
    }
    hooks.log?.(`Step 1 engine: ${live.step1Engine}`);
  }
  if (live.ort1) return step1Ort(source, config, live, items, live.ort1);
  live.step1Engine ??= 'tfjs';
  return step1Tfjs(source, config, live, items);
}

/** ∂L/∂C by tfjs (the co-membership loop's custom gradient), the products around it by onnxruntime. */
async function step1Ort(source: FeatureSource, config: TrainConfig, live: Live, items: number[], ort1: OrtStep1): Promise<Record<string, number>> {
  const { tokens, n } = sampleBatch(source, items, live.rng);
  const B = items.length;
  const D = source.dim;
  const k = config.concepts;
  const m = live.clusterbook.dataSync() as Float32Array;
  const { xhat, w, e, c } = await ort1.assignment(tokens, B, m);
  const g: ModularityGraph = { W: tf.tensor3d(w, [B, n, n]), e: tf.tensor1d(e), xhat: tf.tensor2d(xhat, [B * n, D]) };
  try {
    let loss = NaN;
    let dc: Float32Array | undefined;
    tf.tidy(() => {
      const { value, grad } = tf.valueAndGrad((C: tf.Tensor) => modularityLossFromDelta(g, coMembership(C as tf.Tensor3D, config.tau)))(tf.tensor3d(c, [B, n, k]));
      loss = value.dataSync()[0]!;
      dc = grad.dataSync() as Float32Array;
    });
    const dm = await ort1.clusterbookGrad(xhat, m, c, dc!);
    const gradNorm = tf.tidy(() => live.adam!.apply({ [live.clusterbook.name]: tf.tensor2d(dm, [k, D]) }, null));
    return { 'step1.loss': loss, 'step1.modularity': -loss, 'step1.gradNorm': gradNorm, lr: live.adam!.lr };
  } finally {
    disposeGraph(g);
  }
}

function step1Tfjs(source: FeatureSource, config: TrainConfig, live: Live, items: number[]): Record<string, number> {
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

/** Step 2: one onnxruntime graph per step (ort/mlp-step2-graph.ts, ort/tr-step2-graph.ts) unless told otherwise. */
async function step2(
  source: FeatureSource,
  config: TrainConfig,
  spec: HeadSpec,
  live: Live,
  items: number[],
  cb: FrozenCodebook,
  hooks: TrainHooks,
): Promise<Record<string, number>> {
  const want = hooks.step2Engine ?? 'auto';
  if (want !== 'tfjs' && !live.ort && live.step2Engine === undefined) {
    try {
      const common = {
        dim: source.dim,
        headDim: spec.headDim,
        projDim: spec.projDim,
        concepts: config.concepts,
        tokensPerImage: sampledCount(source.h, source.w),
        temperature: config.temperature,
        posThreshold: config.posThreshold,
        negThreshold: config.negThreshold,
        dropout: config.dropout > 0,
      };
      const opts = { ...(hooks.ortThreads ? { threads: hooks.ortThreads } : {}), ...(hooks.log ? { log: hooks.log } : {}) };
      const graph =
        spec.kind === 'tr'
          ? await TrStep2Graph.open({ ...common, dropout: config.dropout, ffnDim: spec.ffnDim, gridTokens: spec.gridTokens }, opts)
          : await MlpStep2Graph.open(common, opts);
      live.ort = new OrtMlpStep2<MlpStep2Graph | TrStep2Graph>(graph);
      live.step2Engine = `onnxruntime-${graph.provider}`;
    } catch (e) {
      if (want === 'onnxruntime') throw e;
      hooks.log?.(`Step 2 on onnxruntime unavailable (${(e as Error).message.split('\n')[0]}); using tfjs`);
      live.step2Engine = 'tfjs';
    }
    hooks.log?.(`Step 2 engine: ${live.step2Engine}`);
  }
  if (live.ort) return step2Ort(source, config, live, live.ort, items, cb);
  live.step2Engine ??= 'tfjs';
  return step2Tfjs(source, config, spec, live, items, cb, hooks.trMicroBatch ?? 0);
}

/**
 * Memory the wasm heap may spend on one TR micro-batch's forward + backward. Measured: 1 GiB by this
 * estimate (9 images at 23×23, D 768) aborted the 4 GiB heap, and 3 images at 40×40 peaked at 3.9 GiB
 * RSS — the heap never shrinks and fragments, so the budget stays well below it.
 */
const TR_MICRO_BATCH_BYTES = 384 << 20;

/**
 * Images per TR micro-batch: a rough count of the float32 values one image keeps alive through
 * forward and backward (two N×N attention maps with softmax, dropout and their gradients, the FFN
 * activations, ~40 D-wide activations per token), fitted to TR_MICRO_BATCH_BYTES.
 */
export function trMicroBatch(spec: HeadSpec, config: Pick<TrainConfig, 'batchSize'>): number {
  const N = spec.gridTokens;
  const perImage = 4 * (16 * N * N + 6 * N * spec.ffnDim + 40 * N * spec.dim);
  return Math.max(1, Math.min(config.batchSize, Math.floor(TR_MICRO_BATCH_BYTES / perImage)));
}

/** Dropout seeds of one network's forward over micro-batch `chunk`, derived from the step's base seed. */
function chunkSeeds(base: number, chunk: number): () => number {
  const r = new Prng((base ^ Math.imul(chunk + 1, 0x9e3779b1)) >>> 0);
  return () => r.nextUint32();
}

/** Step 2 (MLP or TR head) through its onnxruntime graph; clipping, Adam and EMA on host arrays. Same metrics as the tfjs path. */
async function step2Ort(
  source: FeatureSource,
  config: TrainConfig,
  live: Live,
  ort: OrtMlpStep2<MlpStep2Graph | TrStep2Graph>,
  items: number[],
  cb: FrozenCodebook,
): Promise<Record<string, number>> {
  const B = items.length;
  const D = source.dim;
  const rng = live.rng;
  const { tokens, indices, n } = sampleBatch(source, items, rng);
  const T = B * n;
  // Seeds drawn as the tfjs path draws them (one base per network, then one per site); the masks are
  // drawn from them in JS so the graph stays deterministic and a resumed run repeats exactly.
  const teacherSeeds = chunkSeeds(rng.nextUint32(), 0);
  const studentSeeds = chunkSeeds(rng.nextUint32(), 0);
  const p = config.dropout;
  const bankSnap = live.bank.size > 0 ? live.bank.snapshot() : null;
  const host = ort.state(live.student, live.teacher, live.adam!);
  const nets = { student: host.student, teacher: host.teacher };
  const graph = ort.graph;
  const out =
    graph instanceof TrStep2Graph
      ? await graph.run(cb.cbNorm, cb.raw, {
          // The TR head runs on the full grids; the graph computes only the sampled rows' outputs.
          grids: readGrids(source, items),
          rows: globalIndices(indices, source.h * source.w),
          bank: bankSnap,
          masks: p > 0 ? { teacher: drawTrMasks(graph.spec, T, p, teacherSeeds), student: drawTrMasks(graph.spec, T, p, studentSeeds) } : null,
          ...nets,
        })
      : await graph.run(cb.cbNorm, {
          tokens,
          bank: bankSnap,
          masks:
            p > 0
              ? {
                  t1: dropoutMultipliers(teacherSeeds(), T * D, p),
                  t2: dropoutMultipliers(teacherSeeds(), T * D, p),
                  s1: dropoutMultipliers(studentSeeds(), T * D, p),
                  s2: dropoutMultipliers(studentSeeds(), T * D, p),
                }
              : null,
          ...nets,
        });
  const st = out.stats;
  const bankTerms = bankSnap ? st.bankTerms : 0;
  const terms = st.batchTerms + bankTerms;
  const skippedImages = B - st.batchTerms + (bankSnap ? B - bankTerms : 0);
  let loss = NaN;
  let gradNorm = NaN;
  if (terms > 0) {
    loss = out.loss;
    gradNorm = applyHostUpdate(host, out.grads, live.adam!.lr, config.gradClip, config.emaMomentum);
    ort.touched();
  }
  live.counters.skippedImages = (live.counters.skippedImages ?? 0) + skippedImages;
  if (terms > 0) live.bank.insert(out.ids, out.teacherProj, rng);
  else live.counters.skippedSteps = (live.counters.skippedSteps ?? 0) + 1;
  return {
    'step2.loss': loss,
    'step2.gradNorm': gradNorm,
    'step2.terms': terms,
    'step2.skippedImages': skippedImages,
    'step2.posPairs': st.batchPosPairs + (bankSnap ? st.bankPosPairs : 0),
    'step2.negPairs': st.batchNegPairs + (bankSnap ? st.bankNegPairs : 0),
    'step2.bankPosPairs': bankSnap ? st.bankPosPairs : 0,
    lr: live.adam!.lr,
    'step2.bankFill': live.bank.size,
  };
}

function step2Tfjs(
  source: FeatureSource,
  config: TrainConfig,
  spec: HeadSpec,
  live: Live,
  items: number[],
  cb: FrozenCodebook,
  microBatch: number,
): Record<string, number> {
  const B = items.length;
  const D = source.dim;
  const N = source.h * source.w;
  const rng = live.rng;
  const { tokens, indices, n } = sampleBatch(source, items, rng);
  // One base seed per network and step; each micro-batch derives its dropout seeds from it, so the main
  // stream advances the same whatever the micro-batching.
  const teacherBase = rng.nextUint32();
  const studentBase = rng.nextUint32();
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

    // Head inputs: MLP samples before the head; TR runs on full grids and samples afterwards, a few
    // images at a time: given the constant teacher targets the loss is a sum of per-image terms, so the
    // micro-batches' gradients add up to the full-batch gradient while memory stays that of a micro-batch
    // (the whole batch of 16 40×40 grids does not fit wasm's 4 GiB heap).
    const mb = spec.kind === 'tr' ? Math.min(B, microBatch > 0 ? microBatch : trMicroBatch(spec, config)) : B;
    const chunks: [number, number][] = [];
    for (let b0 = 0; b0 < B; b0 += mb) chunks.push([b0, Math.min(B, b0 + mb)]);
    const headIn = (b0: number, b1: number): { xIn: tf.Tensor2D; queries?: tf.Tensor2D; gidx: Int32Array | null } => {
      if (spec.kind !== 'tr') return { xIn: chunks.length === 1 ? xs : xs.slice([b0 * n, 0], [(b1 - b0) * n, D]), gidx: null };
      const xIn = tf.tensor2d(grids!.subarray(b0 * N * D, b1 * N * D), [(b1 - b0) * N, D]);
      const queries = codebookQueries(xIn, live.clusterbook as unknown as tf.Tensor2D, cb.cbNormT);
      return { xIn, queries, gidx: globalIndices(indices.slice(b0, b1), N) };
    };

    const ztParts = chunks.map(([b0, b1], c) =>
      tf.tidy(() => {
        const h = headIn(b0, b1);
        const out = headForward(spec, live.teacher, h.xIn, chunkSeeds(teacherBase, c), h.queries);
        return l2normalize(project(live.teacher, h.gidx ? tf.gather(out, tf.tensor1d(h.gidx, 'int32')) : out));
      }),
    );
    const ztn = ztParts.length === 1 ? ztParts[0]! : (tf.concat(ztParts, 0) as tf.Tensor2D);
    const ztnT = tf.transpose(ztn) as tf.Tensor2D;

    let loss = NaN;
    let gradNorm = NaN;
    if (terms > 0) {
      let acc: tf.NamedTensorMap | null = null;
      let sumLoss = 0;
      const rows = (m: PairMasks, r0: number, r1: number): PairMasks =>
        chunks.length === 1 ? m : { pos: m.pos.slice([r0, 0], [r1 - r0, -1]), neg: m.neg.slice([r0, 0], [r1 - r0, -1]) };
      for (const [c, [b0, b1]] of chunks.entries()) {
        const [r0, r1] = [b0 * n, b1 * n];
        const seeds = chunkSeeds(studentBase, c);
        const prev: tf.NamedTensorMap | null = acc;
        const next = tf.tidy(() => {
          const h = headIn(b0, b1);
          const { value, grads } = tf.variableGrads(() => {
            const y = headForward(spec, live.student, h.xIn, seeds, h.queries);
            const z = project(live.student, h.gidx ? gatherRows(y, h.gidx) : y);
            let sum = contrastiveSum(z, ztnT, rows(batchMasks, r0, r1), slicePlan(batchPlan, r0, r1), config.temperature);
            if (bank) sum = tf.add(sum, contrastiveSum(z, bank.targetsT, rows(bank.masks, r0, r1), slicePlan(bank.plan, r0, r1), config.temperature));
            return tf.div(sum, terms) as tf.Scalar;
          }, live.student.list());
          const merged: tf.NamedTensorMap = {};
          for (const [k, g] of Object.entries(grads)) merged[k] = prev ? tf.add(prev[k]!, g) : g;
          return { value, merged };
        });
        if (prev) tf.dispose(Object.values(prev));
        sumLoss += next.value.dataSync()[0]!;
        next.value.dispose();
        acc = next.merged;
      }
      loss = sumLoss;
      gradNorm = live.adam!.apply(acc!, config.gradClip);
      tf.dispose(Object.values(acc!));
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

/**
 * Step 3's TR teacher forward on onnxruntime (ort/tr-forward.ts), opened at the first use and reused;
 * null on the tfjs path (MLP head, step2Engine 'tfjs', or a session that cannot open — logged).
 */
async function teacherForward(source: FeatureSource, config: TrainConfig, spec: HeadSpec, live: Live, cb: FrozenCodebook, hooks: TrainHooks): Promise<TeacherForward | null> {
  if (live.ort3 || live.step3Engine !== undefined) return live.ort3;
  const want = hooks.step2Engine ?? 'auto';
  if (spec.kind !== 'tr' || want === 'tfjs') {
    live.step3Engine = 'tfjs';
    return null;
  }
  try {
    const graph = await TrForwardGraph.open(
      {
        dim: source.dim,
        headDim: spec.headDim,
        ffnDim: spec.ffnDim,
        concepts: config.concepts,
        gridTokens: spec.gridTokens,
        tokensPerImage: sampledCount(source.h, source.w),
      },
      { ...(hooks.ortThreads ? { threads: hooks.ortThreads } : {}), ...(hooks.log ? { log: hooks.log } : {}) },
    );
    const params = new Map([...live.teacher.export()].map(([name, v]) => [name, v.values]));
    const failed = (e: unknown) => {
      if (want === 'onnxruntime') throw e;
      hooks.log?.(`Step 3 TR teacher forward failed on onnxruntime (${(e as Error).message.split('\n')[0]}); using tfjs from here on`);
      live.ort3 = null;
      live.step3Engine = 'tfjs';
      void graph.release().catch(() => undefined); // the session is unusable either way
    };
    live.ort3 = { graph, params, clusterbook: cb.raw, cbNorm: cb.cbNorm, failed };
    live.step3Engine = `onnxruntime-${graph.provider}`;
  } catch (e) {
    if (want === 'onnxruntime') throw e;
    hooks.log?.(`Step 3 TR teacher forward on onnxruntime unavailable (${(e as Error).message.split('\n')[0]}); using tfjs`);
    live.step3Engine = 'tfjs';
  }
  hooks.log?.(`Step 3 teacher forward engine: ${live.step3Engine}`);
  return live.ort3;
}

/**
 * Teacher head outputs (eval mode, no dropout) of the sampled tokens: [B·n, r]. The TR head runs on the
 * full grids; with `fwd` its onnxruntime graph computes only the sampled rows, else tfjs computes every
 * grid row and gathers. Either way the PRNG draws are the same (sampleBatch only).
 */
export async function teacherSampledOutputs(
  source: FeatureSource,
  spec: HeadSpec,
  teacher: ParamSet,
  clusterbook: tf.Tensor2D,
  cbNormT: tf.Tensor2D,
  items: number[],
  rng: Prng,
  fwd: TeacherForward | null = null,
): Promise<{ out: tf.Tensor2D; n: number }> {
  const { tokens, indices, n } = sampleBatch(source, items, rng);
  const B = items.length;
  const D = source.dim;
  const N = source.h * source.w;
  if (spec.kind === 'tr' && fwd) {
    try {
      const y = await fwd.graph.run(fwd.cbNorm, fwd.clusterbook, readGrids(source, items), globalIndices(indices, N), fwd.params);
      return { out: tf.tensor2d(y, [B * n, spec.headDim]), n };
    } catch (e) {
      fwd.failed(e); // the tfjs path below reuses this batch's draws, so the PRNG stream is unchanged
    }
  }
  const out = tf.tidy(() => {
    if (spec.kind === 'mlp') return headForward(spec, teacher, tf.tensor2d(tokens, [B * n, D]), null);
    const x = tf.tensor2d(readGrids(source, items), [B * N, D]);
    const y = headForward(spec, teacher, x, null, codebookQueries(x, clusterbook, cbNormT));
    return tf.gather(y, tf.tensor1d(globalIndices(indices, N), 'int32')) as tf.Tensor2D;
  });
  return { out, n };
}

async function step3(
  source: FeatureSource,
  config: TrainConfig,
  spec: HeadSpec,
  live: Live,
  items: number[],
  stageStep: number,
  stepsPerEpoch: number,
  cb: FrozenCodebook,
  hooks: TrainHooks,
): Promise<Record<string, number>> {
  const B = items.length;
  const K = config.clusters;
  const r = spec.headDim;
  const epoch = Math.floor(stageStep / stepsPerEpoch);
  live.adam!.lr = config.step3.lr * Math.pow(config.step3.decayFactor, Math.floor(epoch / config.step3.decayEvery));
  const init = config.step3.init ?? 'uniform';
  // Studio: centroids start on the trained teacher's outputs. Done at the stage's first step (the teacher
  // is final only now), so a run resumed from a step-2 checkpoint initialises exactly as an unbroken one.
  await teacherForward(source, config, spec, live, cb, hooks); // opens live.ort3 (TR head) once
  if (stageStep === 0 && init !== 'uniform') {
    const values = await probeInitFromTeacher(source, config, spec, live, cb.cbNormT, init === 'kmeans' ? PROBE_INIT_ITERATIONS : 0);
    tf.tidy(() => live.probe.assign(tf.tensor2d(values, [K, r])));
  }
  const clusterbook = live.clusterbook as unknown as tf.Tensor2D;
  // The head is frozen here: its outputs are constants and only the centroids learn.
  const { out, n } = await teacherSampledOutputs(source, spec, live.teacher, clusterbook, cb.cbNormT, items, live.rng, live.ort3);
  try {
    const tokens = out.dataSync() as Float32Array;
    const T = B * n;
    let revived = 0;
    let used: number;
    if (config.step3.reviveDead) {
      const centroids = Float32Array.from(live.probe.dataSync() as Float32Array);
      const rv = reviveDeadCentroids(tokens, T, r, centroids, K);
      used = rv.usedBefore;
      revived = rv.revived;
      if (revived > 0) tf.tidy(() => live.probe.assign(tf.tensor2d(centroids, [K, r])));
    } else used = ownership(tokens, T, r, live.probe.dataSync() as Float32Array, K).used;
    live.counters.probeRevived = (live.counters.probeRevived ?? 0) + revived;
    // Studio option: one graph over every sampled token of the step, so communities are found across
    // images rather than within each image's 100 tokens (the release builds it per image).
    const [gB, gn] = config.step3.graph === 'batch' ? [1, T] : [B, n];
    return tf.tidy(() => {
      const g = modularityGraph(out.reshape([gB, gn, r]) as tf.Tensor3D);
      const P = live.probe as unknown as tf.Tensor2D;
      const { value, grads } = tf.variableGrads(() => modularityLoss(g, P, config.tau, gB, gn), [live.probe]);
      const loss = value.dataSync()[0]!;
      const gradNorm = live.adam!.apply(grads, null);
      disposeGraph(g);
      return {
        'step3.loss': loss,
        'step3.modularity': -loss,
        'step3.gradNorm': gradNorm,
        'step3.clustersUsed': used,
        'step3.revived': revived,
        lr: live.adam!.lr,
      };
    });
  } finally {
    out.dispose();
  }
}

/** Tokens the probe's k-means initialisation reads at most (grid-sampled, evenly spread over the images). */
const PROBE_INIT_TOKENS = 20_000;

/**
 * Studio: K centroids by k-means++ (cosine) on the frozen teacher's outputs of grid-sampled tokens of the
 * training images — label-free, the same inputs the modularity loss sees. Its own PRNG stream, so the
 * release path's draws are unchanged.
 */
async function probeInitFromTeacher(
  source: FeatureSource,
  config: TrainConfig,
  spec: HeadSpec,
  live: Live,
  cbNormT: tf.Tensor2D,
  iterations: number,
): Promise<Float32Array> {
  const { images } = trainSchedule(config, source.count);
  const n = sampledCount(source.h, source.w);
  const take = Math.min(images.length, Math.max(1, Math.ceil(PROBE_INIT_TOKENS / n)));
  const picked: number[] = [];
  for (let i = 0; i < take; i++) picked.push(images[Math.floor((i * images.length) / take)]!);
  const rng = new Prng((config.seed ^ 0x85ebca6b) >>> 0);
  const r = spec.headDim;
  const data = new Float32Array(take * n * r);
  for (let s = 0; s < take; s += config.batchSize) {
    const batch = picked.slice(s, s + config.batchSize);
    const { out } = await teacherSampledOutputs(source, spec, live.teacher, live.clusterbook as unknown as tf.Tensor2D, cbNormT, batch, rng, live.ort3);
    data.set(out.dataSync() as Float32Array, s * n * r);
    out.dispose();
  }
  return kmeansCentroids(data, take * n, r, config.clusters, config.seed, iterations);
}
