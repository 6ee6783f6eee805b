// The concept-aware contrastive loss of Step 2 (temperature 0.07).
// Per image b: ℓ_b = mean over positive pairs (i, j) of [−S_ij + log Σ_{m ∈ Pos_i ∪ Neg_i} exp(S_im)],
// S = normalize(z_b)·normalize(z_t)ᵀ / T. An image with no positive pair would make the reference NaN;
// here its term is skipped and counted.
import * as tf from '@tensorflow/tfjs';
import { matMulConstB } from '../tf/matmul.js';
import { l2normalize } from './ops.js';
import type { PairMasks } from './concepts.js';

export interface ContrastivePlan {
  /** Per anchor row: 1/(positive pairs of its image), 0 for images without positives. */
  readonly weights: Float32Array;
  /** Per anchor row: 1 where the row has nothing to compare with (keeps log finite). */
  readonly guard: Float32Array;
  readonly terms: number;
  readonly skipped: number;
  readonly posPairs: number;
  readonly negPairs: number;
}

/** Counts and weights of one step's terms, from the masks alone (constants of the step). */
export function planContrastive(masks: PairMasks, B: number): ContrastivePlan {
  const T = masks.pos.shape[0];
  const n = T / B;
  const posRow = tf.tidy(() => tf.sum(masks.pos, 1).dataSync() as Float32Array);
  const validRow = tf.tidy(() => tf.sum(tf.add(masks.pos, masks.neg), 1).dataSync() as Float32Array);
  const weights = new Float32Array(T);
  const guard = new Float32Array(T);
  let terms = 0;
  let skipped = 0;
  let posPairs = 0;
  let validPairs = 0;
  for (let b = 0; b < B; b++) {
    let p = 0;
    for (let i = b * n; i < (b + 1) * n; i++) p += posRow[i]!;
    posPairs += p;
    if (p > 0) {
      terms++;
      for (let i = b * n; i < (b + 1) * n; i++) weights[i] = 1 / p;
    } else skipped++;
  }
  for (let i = 0; i < T; i++) {
    validPairs += validRow[i]!;
    if (validRow[i]! === 0) guard[i] = 1;
  }
  return { weights, guard, terms, skipped, posPairs, negPairs: validPairs - posPairs };
}

/**
 * The plan restricted to anchor rows [r0, r1) of whole images (a TR micro-batch): weights and guards are
 * per row and an image's weight depends only on its own rows, so the slices' sums add up to the whole.
 * Only the fields contrastiveSum reads are meaningful in the slice.
 */
export function slicePlan(plan: ContrastivePlan, r0: number, r1: number): ContrastivePlan {
  if (r0 === 0 && r1 === plan.weights.length) return plan;
  return { ...plan, weights: plan.weights.subarray(r0, r1), guard: plan.guard.subarray(r0, r1) };
}

/**
 * Σ over images with positives of ℓ_b. z: student projections [B·n, p] (gradient flows);
 * targetsNormT: normalize(teacher or bank projections)ᵀ [p, Q] (constant); masks [B·n, Q].
 */
export function contrastiveSum(
  z: tf.Tensor2D,
  targetsNormT: tf.Tensor2D,
  masks: PairMasks,
  plan: ContrastivePlan,
  temperature: number,
): tf.Scalar {
  return tf.tidy(() => {
    const S = tf.div(matMulConstB(l2normalize(z), targetsNormT), temperature);
    const valid = tf.add(masks.pos, masks.neg);
    const lse = tf.log(tf.add(tf.sum(tf.mul(tf.exp(S), valid), 1), tf.tensor1d(plan.guard)));
    const perRow = tf.sum(tf.mul(masks.pos, tf.sub(lse.expandDims(1), S)), 1);
    return tf.sum(tf.mul(perRow, tf.tensor1d(plan.weights))) as tf.Scalar;
  });
}
