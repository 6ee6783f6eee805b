// A pretraining recipe: the architecture, the objective's hyper-parameters and the schedule. Stored in
// every checkpoint and beside the shipped model, so a run can be reproduced from it and a resumed run
// cannot silently change it.
import type { PretrainSpec } from './params.js';
import { BUILTIN_DIM } from '../backbones/builtin.js';

export interface PretrainRecipe {
  readonly spec: PretrainSpec;
  /** 'dense-distill': EMA teacher on the full window, student on noisy crops, centring + sharpening. */
  readonly objective: 'dense-distill';
  readonly steps: number;
  /** Images per step (each gives one teacher window). */
  readonly batch: number;
  /** Student crops per image. */
  readonly cropsPerImage: number;
  /** Teacher window side in tokens (40 = the 320×320 reference input at patch 8). */
  readonly window: number;
  /** Student crop side in tokens. */
  readonly crop: number;
  readonly lr: number;
  readonly minLr: number;
  readonly warmupSteps: number;
  readonly weightDecay: number;
  readonly clip: number;
  /** EMA momentum, cosine from this to 1. */
  readonly emaStart: number;
  readonly teacherTempStart: number;
  readonly teacherTempEnd: number;
  /** Fraction of the steps over which the teacher temperature ramps. */
  readonly teacherTempRamp: number;
  readonly studentTemp: number;
  readonly centerMomentum: number;
  /** Gaussian noise σ added to the student's tokens. */
  readonly noise: number;
  /** Probability of zeroing a student token value. */
  readonly drop: number;
  readonly seed: number;
}

export const ARCHS = {
  tiny: { dim: 192, heads: 3, ffnDim: 768 },
  small: { dim: 384, heads: 6, ffnDim: 1536 },
} as const;
export type ArchName = keyof typeof ARCHS;

export function defaultRecipe(
  over: Partial<Omit<PretrainRecipe, 'spec'>> & { arch?: ArchName; depth?: number; heads?: number } = {},
): PretrainRecipe {
  const arch = ARCHS[over.arch ?? 'tiny'];
  const { arch: _a, depth, heads, ...rest } = over;
  void _a;
  return {
    spec: {
      inDim: BUILTIN_DIM,
      dim: arch.dim,
      depth: depth ?? 2,
      heads: heads ?? arch.heads,
      ffnDim: arch.ffnDim,
      headHidden: 512,
      bottleneck: 64,
      prototypes: 256,
    },
    objective: 'dense-distill',
    steps: 1000,
    batch: 8,
    cropsPerImage: 2,
    window: 40,
    crop: 24,
    lr: 5e-4,
    minLr: 1e-6,
    warmupSteps: 50,
    weightDecay: 0.04,
    clip: 3,
    emaStart: 0.996,
    teacherTempStart: 0.04,
    teacherTempEnd: 0.07,
    teacherTempRamp: 0.3,
    studentTemp: 0.1,
    centerMomentum: 0.9,
    noise: 0.3,
    drop: 0.2,
    seed: 1,
    ...rest,
  };
}

export function lrAt(r: PretrainRecipe, step: number): number {
  if (step < r.warmupSteps) return (r.lr * (step + 1)) / r.warmupSteps;
  const t = (step - r.warmupSteps) / Math.max(1, r.steps - r.warmupSteps);
  return r.minLr + 0.5 * (r.lr - r.minLr) * (1 + Math.cos(Math.PI * Math.min(1, t)));
}

export function emaAt(r: PretrainRecipe, step: number): number {
  return 1 - (1 - r.emaStart) * 0.5 * (1 + Math.cos((Math.PI * step) / Math.max(1, r.steps)));
}

export function teacherTempAt(r: PretrainRecipe, step: number): number {
  const ramp = Math.max(1, Math.round(r.teacherTempRamp * r.steps));
  return step >= ramp
    ? r.teacherTempEnd
    : r.teacherTempStart + ((r.teacherTempEnd - r.teacherTempStart) * step) / ramp;
}
