// The concept-aware contrastive loss of Step 2 (temperature 0.07).
// Per image b: ℓ_b = mean over positive pairs (i, j) of [−S_ij + log Σ_{m ∈ Pos_i ∪ Neg_i} exp(S_im)],
// S = normalize(z_b)·normalize(z_t)ᵀ / T. An image with no positive pair would make the reference NaN;
// here its term is skipped and counted.
import * as tf from '@tensorflow/tfjs';
import { matMulConstB } from '../tf/matmul.js';
import { l2normalize, tidyData } from './ops.js';
import type { PairMasks } from './concepts.js';
import { RELEASE_STEP2_LOSS, type HardNegatives, type Step2Loss } from '../../../shared/contract/step2-loss.js';

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
  const posRow = tidyData(() => tf.sum(masks.pos, 1));
  const validRow = tidyData(() => tf.sum(tf.add(masks.pos, masks.neg), 1));
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
 * `loss` picks the Studio loss options (shared/contract/step2-loss.ts); the default is the release's.
 * This is the oracle of the ONNX graph's contrastRow(): the same maths, differentiated by tfjs.
 */
export function contrastiveSum(
  z: tf.Tensor2D,
  targetsNormT: tf.Tensor2D,
  masks: PairMasks,
  plan: ContrastivePlan,
  temperature: number,
  loss: Step2Loss = RELEASE_STEP2_LOSS,
): tf.Scalar {
  return tf.tidy(() => {
    const cos = matMulConstB(l2normalize(z), targetsNormT);
    const pos = masks.pos;
    const neg = loss.hardNegatives ? hardestNegatives(cos, masks.neg, loss.hardNegatives) : masks.neg;
    const w = tf.tensor1d(plan.weights);
    const nNeg = tf.sum(neg, 1, true);
    if (loss.kind === 'triplet') {
      const hasNeg = tf.greater(nNeg, 0).toFloat();
      const h = tf.div(tf.sum(tf.mul(cos, neg), 1, true), tf.maximum(nNeg, 1));
      const hinge = tf.relu(tf.add(tf.sub(loss.margin, cos), h));
      const perRow = tf.sum(tf.mul(tf.mul(hinge, pos), hasNeg), 1);
      return tf.sum(tf.mul(perRow, w)) as tf.Scalar;
    }
    const S = tf.div(cos, temperature);
    const guard = tf.tensor1d(plan.guard);
    let den: tf.Tensor;
    if (loss.tauPlus === 0 && loss.beta === 0) {
      den = tf.add(tf.sum(tf.mul(tf.exp(S), tf.add(pos, neg)), 1), guard);
    } else {
      const posRow = tf.sum(pos, 1, true);
      const sumP = tf.sum(tf.mul(tf.exp(S), pos), 1, true);
      const W = tf.mul(tf.exp(tf.mul(S, loss.beta)), neg);
      const R = tf.div(tf.mul(nNeg, tf.sum(tf.mul(W, tf.exp(S)), 1, true)), tf.maximum(tf.sum(W, 1, true), 1e-30));
      const meanP = tf.div(sumP, tf.maximum(posRow, 1));
      const raw = tf.div(tf.sub(R, tf.mul(loss.tauPlus, tf.mul(nNeg, meanP))), 1 - loss.tauPlus);
      const Ng = tf.maximum(raw, tf.mul(nNeg, Math.exp(-1 / temperature)));
      den = tf.add(tf.add(sumP, Ng).reshape([-1]), guard);
    }
    const perRow = tf.sum(tf.mul(pos, tf.sub(tf.log(den).expandDims(1), S)), 1);
    return tf.sum(tf.mul(perRow, w)) as tf.Scalar;
  });
}

/**
 * The hard-negative selection on host values: per row the min(count, N_i) or ceil(fraction·N_i) negatives
 * with the highest cosine. A constant of the step (the graph's TopK threshold picks the same set).
 */
export function hardestNegatives(cos: tf.Tensor2D, neg: tf.Tensor2D, hard: HardNegatives): tf.Tensor2D {
  const [T, Q] = cos.shape;
  const c = cos.dataSync();
  const m = neg.dataSync();
  const out = new Float32Array(T * Q);
  const vals: number[] = [];
  for (let i = 0; i < T; i++) {
    vals.length = 0;
    for (let j = 0; j < Q; j++) if (m[i * Q + j]! > 0.5) vals.push(c[i * Q + j]!);
    const cnt = 'count' in hard ? Math.min(hard.count, vals.length) : Math.ceil(vals.length * hard.fraction);
    if (cnt === 0) continue;
    vals.sort((a, b) => b - a);
    const thr = vals[cnt - 1]!;
    for (let j = 0; j < Q; j++) if (m[i * Q + j]! > 0.5 && c[i * Q + j]! >= thr) out[i * Q + j] = 1;
  }
  return tf.tensor2d(out, [T, Q]);
}
