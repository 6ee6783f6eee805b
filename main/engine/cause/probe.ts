// Step 3 cluster-probe helpers that are Studio deviations from the release (each behind a config field
// of `step3`, absent = the release): k-means initialisation of the centroids on the frozen teacher's
// outputs, and re-seeding of centroids that no token is nearest to. Both are label-free: they read the
// same grid-sampled teacher outputs the modularity loss reads.
//
// Why: with the release's uniform(±1/K) start, the teacher's 90-d outputs lie in a narrow cone, so most
// random centroids have a negative cosine to every token; max(0, cos) then gives them no gradient ever,
// and the probe ends up using 5-6 of 27 clusters (measured on SynthDrive with the builtin backbone).
import { StudioError } from '../../../shared/contract/errors.js';
import { kmeans } from '../clustering/kmeans.js';

/** Lloyd iterations of the 'kmeans' init; the 'kmeans++' init runs none (seeding only). */
export const PROBE_INIT_ITERATIONS = 50;

/**
 * The norm a uniform(±1/K) row of r values has in expectation. Initial centroids are scaled to it so the
 * step-3 learning rate (Adam steps are ~lr per coordinate whatever the scale) turns them as fast as it
 * turns the release's centroids.
 */
export function uniformInitNorm(K: number, r: number): number {
  return Math.sqrt(r / 3) / K;
}

/**
 * K centroids (K × r, row-major) by k-means++ seeding on the cosine geometry of `tokens` (T × r), with
 * `iterations` Lloyd iterations after it (0 = seeding only), scaled to the release's initial norm.
 */
export function kmeansCentroids(tokens: Float32Array, T: number, r: number, K: number, seed: number, iterations: number): Float32Array {
  if (T < K) {
    throw new StudioError(
      'invalid_input',
      `cluster probe: only ${T} sampled tokens to initialise K = ${K} centroids from; use more images or fewer clusters`,
    );
  }
  const km = kmeans(tokens, T, r, { k: K, metric: 'cosine', seed, maxIterations: iterations });
  const scale = uniformInitNorm(K, r);
  const out = new Float32Array(K * r);
  for (let i = 0; i < out.length; i++) out[i] = km.centroids[i]! * scale;
  return out;
}

function normalizedRows(m: Float32Array, rows: number, r: number): { unit: Float32Array; norms: Float64Array } {
  const unit = new Float32Array(rows * r);
  const norms = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let j = 0; j < r; j++) s += m[i * r + j]! * m[i * r + j]!;
    const norm = Math.sqrt(s);
    norms[i] = norm;
    const inv = norm > 0 ? 1 / norm : 0;
    for (let j = 0; j < r; j++) unit[i * r + j] = m[i * r + j]! * inv;
  }
  return { unit, norms };
}

export interface Ownership {
  /** Tokens whose highest cosine is to each centroid (K entries). */
  readonly owned: Int32Array;
  /** Per token, its highest cosine to any centroid. */
  readonly best: Float32Array;
  /** Centroids that own at least one token. */
  readonly used: number;
}

/** Which centroid each token is nearest to by cosine — the assignment inference makes (argmax). */
export function ownership(tokens: Float32Array, T: number, r: number, centroids: Float32Array, K: number): Ownership {
  const x = normalizedRows(tokens, T, r).unit;
  const c = normalizedRows(centroids, K, r).unit;
  const owned = new Int32Array(K);
  const best = new Float32Array(T);
  for (let t = 0; t < T; t++) {
    let bk = 0;
    let bv = -Infinity;
    for (let k = 0; k < K; k++) {
      let s = 0;
      for (let j = 0; j < r; j++) s += x[t * r + j]! * c[k * r + j]!;
      if (s > bv) {
        bv = s;
        bk = k;
      }
    }
    owned[bk]!++;
    best[t] = bv;
  }
  let used = 0;
  for (let k = 0; k < K; k++) if (owned[k]! > 0) used++;
  return { owned, best, used };
}

/**
 * Re-seeds, in place, every centroid that owns none of the step's tokens: each takes the direction of the
 * token the current centroids serve worst (lowest best cosine), farthest-first, at the mean norm of the
 * centroids that do own tokens. Deterministic (no random draw), so a resumed run repeats it exactly.
 * Returns the number of centroids re-seeded and how many were in use before.
 */
export function reviveDeadCentroids(
  tokens: Float32Array,
  T: number,
  r: number,
  centroids: Float32Array,
  K: number,
): { revived: number; usedBefore: number } {
  const own = ownership(tokens, T, r, centroids, K);
  if (own.used === K || T === 0) return { revived: 0, usedBefore: own.used };
  const { norms } = normalizedRows(centroids, K, r);
  let normSum = 0;
  for (let k = 0; k < K; k++) if (own.owned[k]! > 0) normSum += norms[k]!;
  const norm = normSum / own.used;
  const x = normalizedRows(tokens, T, r).unit;
  const best = Float32Array.from(own.best);
  let revived = 0;
  for (let k = 0; k < K; k++) {
    if (own.owned[k]! > 0) continue;
    let far = 0;
    for (let t = 1; t < T; t++) if (best[t]! < best[far]!) far = t;
    for (let j = 0; j < r; j++) centroids[k * r + j] = x[far * r + j]! * norm;
    // The new centroid now serves the tokens near it; the next dead one goes elsewhere.
    for (let t = 0; t < T; t++) {
      let s = 0;
      for (let j = 0; j < r; j++) s += x[t * r + j]! * x[far * r + j]!;
      if (s > best[t]!) best[t] = s;
    }
    revived++;
  }
  return { revived, usedBefore: own.used };
}
