// Step 3 variants: how the K clusters are learned on the frozen teacher's outputs. The trainer's loop
// only calls the variant's step; the variant reads the teacher through TeacherForward (any engine) and
// keeps its state in the trainer's checkpointed state (state.probe, the stage's Adam, counters).
//
// To add a variant: implement Step3Variant in its own file, register it in STEP3_VARIANTS and let
// step3VariantFor pick it from the config. Its random draws must come from the stream it is given (the
// batch's: state.rng) or from a seed-derived stream of its own, never from Math.random or tf.random*,
// so resume stays exact and both engines give the same model.
import type * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../../../../shared/contract/experiments.js';
import type { Prng } from '../prng.js';
import type { EngineContext } from '../engines/step-engine.js';
import { releaseProbe } from './step3-probe.js';

export interface Step3Context {
  readonly engine: EngineContext;
  /** Step within Step 3 (0 = the stage's first step: the teacher is final only now). */
  readonly stageStep: number;
  readonly stepsPerEpoch: number;
  /** The frozen teacher's outputs (eval mode) at grid-sampled rows of `items`, drawn from `rng`: [B·n, r] (the caller disposes). */
  teacherOutputs(items: readonly number[], rng: Prng): Promise<{ out: tf.Tensor2D; n: number }>;
}

export interface Step3Variant {
  readonly name: string;
  /** One step on the batch `items`; returns its metrics (names 'step3.*', plus 'lr' when it has one). */
  step(s: Step3Context, items: readonly number[]): Promise<Record<string, number>>;
}

export const STEP3_VARIANTS: Readonly<Record<string, Step3Variant>> = {
  [releaseProbe.name]: releaseProbe,
};

/** The variant a config asks for (today only the release's modularity probe). */
export function step3VariantFor(config: TrainConfig): Step3Variant {
  void config;
  return releaseProbe;
}
