// Step 3 variant (b): k-means / k-means++ (cosine) directly on the frozen teacher's outputs — the
// clustering the inference argmax then reproduces. Label-free: it reads the same grid-sampled teacher
// outputs the release's modularity probe reads.
import { StudioError } from '../../../../shared/contract/errors.js';
import { kmeans } from '../../clustering/kmeans.js';

/** Lloyd iterations of 'kmeans' (k-means++ seeding only when 0). */
export const STEP3_KMEANS_ITERATIONS = 100;

export interface KmeansFit {
  /** K unit rows. */
  readonly centroids: Float32Array;
  /** Lloyd iterations run (0 for the seeding alone). */
  readonly iterations: number;
}

export function checkEnoughTokens(T: number, K: number, what: string): void {
  if (T < K) {
    throw new StudioError('invalid_input', `${what}: only ${T} sampled tokens to place K = ${K} clusters; use more images or fewer clusters`);
  }
}

/** Spherical k-means with k-means++ seeding; `iterations` 0 = the seeding alone ('kmeans++'). */
export function kmeansProbe(tokens: Float32Array, T: number, r: number, K: number, seed: number, iterations: number): KmeansFit {
  checkEnoughTokens(T, K, 'Step 3 k-means');
  const km = kmeans(tokens, T, r, { k: K, metric: 'cosine', seed, maxIterations: iterations });
  return { centroids: km.centroids, iterations: km.iterations };
}
