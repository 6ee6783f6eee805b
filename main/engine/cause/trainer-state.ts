// What a CAUSE training run produces and what it checkpoints: the model inference needs, the resumable
// trainer state, and the seeded state before step 1.
import type { TrainConfig } from '../../../shared/contract/experiments.js';
import { kmeansClusterbook } from './clusterbook-init.js';
import type { FeatureSource } from './features.js';
import { initHeadParams, type HeadSpec } from './heads.js';
import type { AdamState } from './optim.js';
import type { ParamInit } from './params.js';
import { Prng, type PrngState } from '../../../shared/random.js';

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

export function headSpecFor(config: TrainConfig, source: FeatureSource): HeadSpec {
  return {
    kind: config.method === 'cause-tr' ? 'tr' : 'mlp',
    dim: source.dim,
    headDim: config.headDim,
    projDim: config.projDim,
    ffnDim: config.ffnDim,
    gridTokens: source.h * source.w,
    dropout: config.dropout,
    ...(config.method === 'cause-tr' && config.head === 'hybrid' ? { hybrid: { gridWidth: source.w } } : {}),
  };
}

/** The state before step 1: seeded initialisation, teacher = copy of student. */
export function initialTrainerState(source: FeatureSource, config: TrainConfig): TrainerState {
  const k = config.concepts;
  const D = source.dim;
  const spec = headSpecFor(config, source);
  // Separate streams per parameter group so changing one size does not reshuffle the others.
  const initRng = new Prng((config.seed ^ 0x5bd1e995) >>> 0);
  const uniform = initRng.uniformArray(k * D, -1 / k, 1 / k); // drawn either way: the other streams stay put
  const cb = config.step1.init === 'kmeans' ? kmeansClusterbook(source, config) : uniform;
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
