// Concept assignment of tokens and the concept-aware positive/negative masks of Step 2.
import * as tf from '@tensorflow/tfjs';
import { l2normalize, tidyData } from './ops.js';

/** id_i = argmax_k cos(x_i, M_k) on raw backbone tokens [T, D]; normalising x does not change the argmax. */
export function assignConcepts(tokens: tf.Tensor2D, clusterbookNormT: tf.Tensor2D): Int32Array {
  return tidyData<Int32Array>(() => tf.argMax(tf.matMul(tokens, clusterbookNormT), 1));
}

/** normalize(M)ᵀ, computed once per stage (the clusterbook is frozen after Step 1). */
export function normalizedTranspose(clusterbook: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.transpose(l2normalize(clusterbook)) as tf.Tensor2D);
}

/** Rows of normalize(M) for the given concept ids, as a constant [T, D]. */
export function conceptVectors(clusterbookNorm: Float32Array, dim: number, ids: Int32Array): Float32Array {
  const out = new Float32Array(ids.length * dim);
  for (let t = 0; t < ids.length; t++) out.set(clusterbookNorm.subarray(ids[t]! * dim, ids[t]! * dim + dim), t * dim);
  return out;
}

export interface PairMasks {
  /** [T, Q] 1 where G > pos threshold (anchor's own position excluded). */
  readonly pos: tf.Tensor2D;
  /** [T, Q] 1 where G < neg threshold. */
  readonly neg: tf.Tensor2D;
}

/**
 * G = v_anchor · v_otherᵀ; positives above `posThreshold`, negatives below `negThreshold`, the band in
 * between is left out. `excludeSelf` removes the diagonal (anchor row t against other row t), used when
 * the "other" set is the batch the anchors come from.
 */
export function pairMasks(
  anchorV: tf.Tensor2D,
  otherV: tf.Tensor2D,
  posThreshold: number,
  negThreshold: number,
  excludeSelf: boolean,
): PairMasks {
  return tf.tidy(() => {
    const G = tf.matMul(anchorV, tf.transpose(otherV));
    let pos = tf.greater(G, posThreshold).toFloat();
    if (excludeSelf) {
      const [T, Q] = G.shape;
      pos = tf.mul(pos, tf.sub(1, tf.eye(T, Q)));
    }
    return { pos: pos as tf.Tensor2D, neg: tf.less(G, negThreshold).toFloat() as tf.Tensor2D };
  });
}
