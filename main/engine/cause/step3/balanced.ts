// Step 3 variant (c): balanced assignment, as SwAV's online clustering does it. Centroids are refined
// like spherical k-means, but each refinement assigns tokens by a soft assignment whose cluster marginals
// are pushed towards equal by Sinkhorn-Knopp scaling, so no centroid can starve (the release probe's dead clusters)
// and no single direction of the teacher's narrow output cone can take most tokens.
//
// `balance` λ ∈ (0, 1] relaxes the equal-marginal constraint (unbalanced optimal transport: the column
// scaling is raised to λ): 1 = exactly equal cluster masses, smaller = sizes may follow the data.
// Inference still takes the plain argmax cosine; the balance only decides where the centroids sit.
import { kmeans } from '../../clustering/kmeans.js';
import { checkEnoughTokens } from './kmeans.js';
import { unitRows } from './tokens.js';

export interface BalancedOptions {
  readonly seed: number;
  /** Marginal strength λ (default 1). */
  readonly balance?: number;
  /** Softmax temperature ε of the assignment (default 0.05, SwAV's). */
  readonly epsilon?: number;
  /** Centroid refinements (default 30). */
  readonly iterations?: number;
  /** Sinkhorn-Knopp scalings per refinement (default 5). */
  readonly sinkhornIterations?: number;
}

/**
 * Soft assignment Q (T × K, rows sum to 1) of unit tokens to unit centroids: exp(cos/ε) scaled so every
 * cluster's mass approaches T/K (exactly when λ = 1 and the scaling converged).
 */
export function sinkhornAssign(x: Float32Array, T: number, r: number, c: Float32Array, K: number, epsilon: number, balance: number, iters: number): Float64Array {
  const Q = new Float64Array(T * K);
  for (let t = 0; t < T; t++) {
    let mx = -Infinity;
    for (let k = 0; k < K; k++) {
      let s = 0;
      for (let j = 0; j < r; j++) s += x[t * r + j]! * c[k * r + j]!;
      Q[t * K + k] = s / epsilon;
      if (Q[t * K + k]! > mx) mx = Q[t * K + k]!;
    }
    let z = 0;
    for (let k = 0; k < K; k++) z += Q[t * K + k] = Math.exp(Q[t * K + k]! - mx);
    for (let k = 0; k < K; k++) Q[t * K + k]! /= z;
  }
  const col = new Float64Array(K);
  const target = T / K;
  for (let s = 0; s < iters; s++) {
    col.fill(0);
    for (let t = 0; t < T; t++) for (let k = 0; k < K; k++) col[k]! += Q[t * K + k]!;
    for (let k = 0; k < K; k++) col[k] = col[k]! > 0 ? Math.pow(target / col[k]!, balance) : 0;
    for (let t = 0; t < T; t++) {
      let z = 0;
      for (let k = 0; k < K; k++) z += Q[t * K + k] = Q[t * K + k]! * col[k]!;
      if (z > 0) for (let k = 0; k < K; k++) Q[t * K + k]! /= z;
    }
  }
  return Q;
}

/** K unit centroids by balanced spherical k-means on the tokens (T × r). */
export function balancedProbe(tokens: Float32Array, T: number, r: number, K: number, o: BalancedOptions): Float32Array {
  checkEnoughTokens(T, K, 'Step 3 balanced assignment');
  const balance = o.balance ?? 1;
  const epsilon = o.epsilon ?? 0.05;
  const x = unitRows(tokens, T, r);
  // k-means++ seeding (no Lloyd step): a spread start the balanced refinements then move.
  const c = kmeans(x, T, r, { k: K, metric: 'cosine', seed: o.seed, maxIterations: 0 }).centroids;
  const acc = new Float64Array(K * r);
  for (let it = 0; it < (o.iterations ?? 30); it++) {
    const Q = sinkhornAssign(x, T, r, c, K, epsilon, balance, o.sinkhornIterations ?? 5);
    // Hard codes (each token to its largest balanced weight), then the members' mean: soft means of a
    // split tight class coincide, and coinciding centroids would leave all but one dead under argmax.
    acc.fill(0);
    for (let t = 0; t < T; t++) {
      let bk = 0;
      for (let k = 1; k < K; k++) if (Q[t * K + k]! > Q[t * K + bk]!) bk = k;
      for (let j = 0; j < r; j++) acc[bk * r + j]! += x[t * r + j]!;
    }
    for (let k = 0; k < K; k++) {
      let s = 0;
      for (let j = 0; j < r; j++) s += acc[k * r + j]! ** 2;
      // A cluster no token chose keeps its previous centroid.
      if (s <= 1e-24) continue;
      const inv = 1 / Math.sqrt(s);
      for (let j = 0; j < r; j++) c[k * r + j] = acc[k * r + j]! * inv;
    }
  }
  return c;
}
