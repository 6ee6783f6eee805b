// The step-engine interface: what an engine (onnxruntime, or tfjs as the oracle and fallback) does for
// the trainer. An engine opens three parts — Step 1's clusterbook gradient, Step 2's update and the
// frozen teacher's forward (Step 3, probe init) — and computes only: the trainer owns the schedule,
// the loop, checkpoints, metrics and the random stream, and picks the engine of each part in one place
// (select.ts). Every random draw (grid sampling, dropout masks, bank subsampling) is made by the
// trainer's steps from its one stream and handed to the engine, so both engines train the same model
// for the same seed and a fallback changes nothing but rounding.
//
// Extension points (see ARCHITECTURE.md, "CAUSE engine"):
// - a new engine implements StepEngine (ort-engine.ts, tfjs-engine.ts);
// - a new head adds its dropout sites (dropout-masks.ts), its tfjs forward (heads.ts), its onnxruntime
//   Step 2 runner (ort-engine.ts) and its tfjs masks (tfjs-step2.ts);
// - a new loss changes Step 2's graphs and tfjs-step2.ts together; Step2Outcome stays the contract;
// - a new Step 3 variant registers in steps/step3.ts and needs no engine change (TeacherForward).
import type * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../../../../shared/contract/experiments.js';
import type { BankSnapshot, ConceptBank } from '../bank.js';
import type { FeatureSource } from '../features.js';
import type { HeadSpec } from '../heads.js';
import type { Adam } from '../optim.js';
import type { ParamSet } from '../params.js';
import type { Prng } from '../prng.js';
import type { Step2Masks } from './dropout-masks.js';

/** 'auto' tries onnxruntime and falls back to tfjs with a log line; 'onnxruntime' fails instead. */
export type EngineChoice = 'auto' | 'onnxruntime' | 'tfjs';

/** The trainer's live state. Its tf variables are the state of record (checkpoints, Step 3, the model). */
export interface TrainingState {
  readonly clusterbook: tf.Variable;
  readonly student: ParamSet;
  readonly teacher: ParamSet;
  /** Step 3's centroids, K × r. */
  readonly probe: tf.Variable;
  readonly bank: ConceptBank;
  /** The current stage's optimiser (null after Step 3). */
  adam: Adam | null;
  /** The run's one random stream (checkpointed). */
  readonly rng: Prng;
  readonly counters: Record<string, number>;
}

/** The clusterbook after Step 1 (it no longer changes), read once: normalised (tf and host) and raw. */
export interface FrozenCodebook {
  /** normalize(M)ᵀ [D, k]. */
  readonly cbNormT: tf.Tensor2D;
  /** normalize(M) [k, D]. */
  readonly cbNorm: Float32Array;
  readonly raw: Float32Array;
}

export interface EngineContext {
  readonly source: FeatureSource;
  readonly config: TrainConfig;
  readonly spec: HeadSpec;
  readonly state: TrainingState;
  /** The frozen clusterbook (Steps 2 and 3 only; computed at the first call). */
  readonly codebook: () => FrozenCodebook;
  /** onnxruntime intra-op threads (undefined: all cores). */
  readonly threads?: number;
  /** TR head on tfjs: images per gradient micro-batch (0 = sized from the grid). */
  readonly trMicroBatch: number;
  readonly log?: (message: string) => void;
}

/** One step's grid-sampled tokens, drawn from the trainer's stream (batch.ts). */
export interface SampledBatch {
  readonly items: readonly number[];
  /** Sampled tokens [B·n, D], images contiguous. */
  readonly tokens: Float32Array;
  /** Sampled positions (into h·w) of each image. */
  readonly indices: readonly Int32Array[];
  /** Tokens per image. */
  readonly n: number;
}

export interface Step1Part {
  readonly engine: string;
  /** Modularity loss of the batch and its gradient w.r.t. the clusterbook [k, D] (the caller disposes it). */
  lossAndGrad(batch: SampledBatch): Promise<{ loss: number; grad: tf.Tensor2D }>;
  release(): Promise<void>;
}

export interface Step2Batch extends SampledBatch {
  /** Dropout keep flags of both networks at the sampled rows; null when dropout is off. */
  readonly masks: Step2Masks | null;
  /** The concept bank before this step; null when empty. */
  readonly bank: BankSnapshot | null;
}

/** Pair counts of one target set (the batch, or the bank). */
export interface PairStats {
  /** Images with at least one positive pair (each contributes one loss term). */
  readonly terms: number;
  readonly posPairs: number;
  readonly negPairs: number;
}

export interface Step2Outcome {
  /** Concept of each sampled token [B·n]. */
  readonly ids: Int32Array;
  /** normalize(teacher projection) [B·n, p]: the bank candidates; null when the step had no term. */
  readonly teacherProj: Float32Array | null;
  readonly batch: PairStats;
  /** Null when the bank was empty. */
  readonly bank: PairStats | null;
  /** Mean contrastive term and the student's gradient norm before clipping; NaN when there was no term. */
  readonly loss: number;
  readonly gradNorm: number;
}

export interface Step2Part {
  readonly engine: string;
  /**
   * One Step 2 update: teacher and student forward with the batch's masks, the concept-aware contrastive
   * loss over batch and bank; when it has a term, clip + Adam on the student (state.adam's lr) and the
   * EMA teacher. The bank and counters are the caller's (steps/step2.ts).
   */
  step(batch: Step2Batch): Promise<Step2Outcome>;
  /** Writes what the engine holds elsewhere back into the trainer's variables (before a snapshot, at the stage's end). */
  flush(): void;
  release(): Promise<void>;
}

export interface TeacherForward {
  /** Can change from onnxruntime to tfjs mid-run (select.ts' run-time fallback). */
  readonly engine: string;
  /** The frozen teacher's head outputs (eval mode) at the batch's sampled rows, [B·n, r] (the caller disposes it). */
  outputs(batch: SampledBatch): Promise<tf.Tensor2D>;
  release(): Promise<void>;
}

export interface StepEngine {
  readonly name: 'onnxruntime' | 'tfjs';
  openStep1(ctx: EngineContext): Promise<Step1Part>;
  openStep2(ctx: EngineContext): Promise<Step2Part>;
  /** Null when this engine has no teacher forward for the head (onnxruntime: MLP); the trainer uses tfjs without a warning. */
  openTeacherForward(ctx: EngineContext): Promise<TeacherForward | null>;
}
