// Small tensor helpers shared by the losses and heads; wasm-friendly (no gather gradient, no batched matMul).
import * as tf from '@tensorflow/tfjs';
import type { GradFn } from '../tf/matmul.js';

/**
 * Runs `f` in a tidy scope and reads its tensor's values. Returning the typed array from tf.tidy itself
 * makes tfjs walk it as a container, every element into a Set: for a map of tens of thousands of values
 * that cost more than the maths (bench:temporal's profile: the largest single item).
 */
export function tidyData<R extends Float32Array | Int32Array = Float32Array>(f: () => tf.Tensor): R {
  const t = tf.tidy(f);
  try {
    return t.dataSync() as R;
  } finally {
    t.dispose();
  }
}

/** Row-wise L2 normalisation, like torch's F.normalize (eps keeps zero rows at zero instead of NaN). */
export function l2normalize<T extends tf.Tensor>(x: T, eps = 1e-12): T {
  const norm = tf.maximum(tf.sqrt(tf.sum(tf.square(x), -1, true)), eps);
  return tf.div(x, norm) as T;
}

/**
 * Row gather whose gradient is a one-hot matMul (UnsortedSegmentSum, gather's stock gradient, is missing
 * on wasm). Used by the TR head to sample its outputs at grid positions.
 */
export function gatherRows(x: tf.Tensor2D, indices: Int32Array): tf.Tensor2D {
  const n = x.shape[0];
  const idx = tf.tensor1d(indices, 'int32');
  const f = tf.customGrad(((xx: tf.Tensor, save: tf.GradSaveFunc) => {
    save([idx]);
    return {
      value: tf.gather(xx as tf.Tensor2D, idx),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const selT = tf.transpose(tf.oneHot(saved[0] as tf.Tensor1D, n).toFloat() as tf.Tensor2D);
        return [tf.matMul(selT, dy as tf.Tensor2D)];
      },
    };
  }) as GradFn);
  return f(x) as tf.Tensor2D;
}

export function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps = 1e-5): tf.Tensor {
  const mean = tf.mean(x, -1, true);
  const c = tf.sub(x, mean);
  const variance = tf.mean(tf.square(c), -1, true);
  return tf.add(tf.mul(tf.div(c, tf.sqrt(tf.add(variance, eps))), gamma), beta);
}
