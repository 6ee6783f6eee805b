// Seeded k-means over row-major Float32Array data (n rows × d columns): k-means++ seeding, Lloyd
// iterations, Euclidean or cosine (spherical k-means) distance. Used by SynthDrive's realism gate and by
// the CAUSE k-means baseline, so it is written for large n: no per-point allocation, the inner loops run
// over flat typed arrays, and distances use ‖x‖² − 2x·c + ‖c‖² with precomputed norms.
export { mulberry32 } from '../../../shared/random.js';
import { mulberry32 } from '../../../shared/random.js';

export type KMeansMetric = 'euclidean' | 'cosine';

export interface KMeansOptions {
  readonly k: number;
  readonly metric?: KMeansMetric;
  /** Seed of the PRNG used by k-means++; the same seed and data give the same result. */
  readonly seed?: number;
  /** Upper bound on Lloyd iterations (default 100). */
  readonly maxIterations?: number;
  /**
   * Stops when the largest centroid move (squared, relative to the mean squared norm of the data) falls
   * below this (default 1e-6), or when no assignment changed.
   */
  readonly tolerance?: number;
  /** Candidates tried per k-means++ step (greedy k-means++, as scikit-learn); default 2 + ⌊ln k⌋. */
  readonly trials?: number;
}

export interface KMeansResult {
  /** k × d, row-major. For cosine, rows are unit length. */
  readonly centroids: Float32Array;
  /** n entries, the centroid of each row. */
  readonly assignments: Int32Array;
  readonly k: number;
  readonly d: number;
  readonly iterations: number;
  readonly converged: boolean;
  /** Sum of squared distances to the assigned centroid (cosine: of the normalised rows). */
  readonly inertia: number;
}

function checkShape(data: Float32Array, n: number, d: number, what: string): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${what}: n must be a positive integer, got ${n}`);
  if (!Number.isInteger(d) || d < 1) throw new RangeError(`${what}: d must be a positive integer, got ${d}`);
  if (data.length < n * d)
    throw new RangeError(`${what}: data has ${data.length} values, expected n×d = ${n * d}`);
}

/** Unit-length copy of each row (zero rows stay zero), for cosine k-means. */
export function normalizeRows(data: Float32Array, n: number, d: number): Float32Array {
  const out = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const o = i * d;
    let s = 0;
    for (let j = 0; j < d; j++) {
      const v = data[o + j]!;
      s += v * v;
    }
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let j = 0; j < d; j++) out[o + j] = data[o + j]! * inv;
  }
  return out;
}

function rowNorms(data: Float32Array, n: number, d: number): Float64Array {
  const norms = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * d;
    let s = 0;
    for (let j = 0; j < d; j++) {
      const v = data[o + j]!;
      s += v * v;
    }
    norms[i] = s;
  }
  return norms;
}

/** Squared Euclidean distance between row i of data and row c of cent. */
function sqDist(
  data: Float32Array,
  i: number,
  cent: Float32Array | Float64Array,
  c: number,
  d: number,
): number {
  const a = i * d;
  const b = c * d;
  // four independent accumulators let the CPU overlap the multiply-adds
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let j = 0;
  for (; j + 3 < d; j += 4) {
    const t0 = data[a + j]! - cent[b + j]!;
    const t1 = data[a + j + 1]! - cent[b + j + 1]!;
    const t2 = data[a + j + 2]! - cent[b + j + 2]!;
    const t3 = data[a + j + 3]! - cent[b + j + 3]!;
    s0 += t0 * t0;
    s1 += t1 * t1;
    s2 += t2 * t2;
    s3 += t3 * t3;
  }
  for (; j < d; j++) {
    const t = data[a + j]! - cent[b + j]!;
    s0 += t * t;
  }
  return s0 + s1 + s2 + s3;
}

/** Greedy k-means++ seeding: D² sampling, keeping the best of a few candidates per step. */
function seedPlusPlus(
  data: Float32Array,
  n: number,
  d: number,
  k: number,
  rand: () => number,
  trials: number,
): Float32Array {
  const centroids = new Float32Array(k * d);
  const closest = new Float64Array(n);
  const candDist = new Float64Array(n);
  const bestDist = new Float64Array(n);
  const first = Math.min(n - 1, Math.floor(rand() * n));
  centroids.set(data.subarray(first * d, first * d + d), 0);
  let potential = 0;
  for (let i = 0; i < n; i++) {
    const v = sqDist(data, i, centroids, 0, d);
    closest[i] = v;
    potential += v;
  }
  const cand = new Float32Array(d);
  for (let c = 1; c < k; c++) {
    let bestPot = Infinity;
    let bestIdx = -1;
    for (let t = 0; t < trials; t++) {
      let idx: number;
      if (potential <= 0) {
        // All points coincide with a centroid: any point is as good as another.
        idx = Math.min(n - 1, Math.floor(rand() * n));
      } else {
        let r = rand() * potential;
        idx = n - 1;
        for (let i = 0; i < n; i++) {
          r -= closest[i]!;
          if (r <= 0) {
            idx = i;
            break;
          }
        }
      }
      cand.set(data.subarray(idx * d, idx * d + d));
      let pot = 0;
      for (let i = 0; i < n; i++) {
        const v = Math.min(closest[i]!, sqDist(data, i, cand, 0, d));
        candDist[i] = v;
        pot += v;
      }
      if (pot < bestPot) {
        bestPot = pot;
        bestIdx = idx;
        bestDist.set(candDist);
      }
    }
    centroids.set(data.subarray(bestIdx * d, bestIdx * d + d), c * d);
    closest.set(bestDist);
    potential = bestPot;
  }
  return centroids;
}

/**
 * Assigns each row to its nearest centroid. Rows are processed in blocks so a block of data and all
 * centroids stay in cache; the dot products run in a tight loop over the flat arrays.
 * Returns the total squared distance (inertia). `dataNorms` may be passed to avoid recomputing them.
 */
export function assignToCentroids(
  data: Float32Array,
  n: number,
  d: number,
  centroids: Float32Array,
  k: number,
  out: Int32Array = new Int32Array(n),
  dataNorms?: Float64Array,
): { assignments: Int32Array; inertia: number } {
  checkShape(data, n, d, 'assignToCentroids');
  if (centroids.length < k * d)
    throw new RangeError(
      `assignToCentroids: centroids hold ${centroids.length} values, expected k×d = ${k * d}`,
    );
  const cNorm = rowNorms(centroids, k, d);
  let inertia = 0;
  if (d <= 4) {
    // Low-dimensional (RGB) data: direct differences are cheaper and exact.
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bestD = Infinity;
      for (let c = 0; c < k; c++) {
        const v = sqDist(data, i, centroids, c, d);
        if (v < bestD) {
          bestD = v;
          best = c;
        }
      }
      out[i] = best;
      inertia += bestD;
    }
    return { assignments: out, inertia };
  }
  const xNorm = dataNorms ?? rowNorms(data, n, d);
  const BLOCK = 64;
  const dots = new Float64Array(BLOCK * k);
  for (let i0 = 0; i0 < n; i0 += BLOCK) {
    const i1 = Math.min(n, i0 + BLOCK);
    // four centroids per pass over a row: each data value is loaded once for four dot products
    let c = 0;
    for (; c + 3 < k; c += 4) {
      const c0 = c * d;
      const c1 = c0 + d;
      const c2 = c1 + d;
      const c3 = c2 + d;
      for (let i = i0; i < i1; i++) {
        const xo = i * d;
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        for (let j = 0; j < d; j++) {
          const v = data[xo + j]!;
          s0 += v * centroids[c0 + j]!;
          s1 += v * centroids[c1 + j]!;
          s2 += v * centroids[c2 + j]!;
          s3 += v * centroids[c3 + j]!;
        }
        const o = (i - i0) * k + c;
        dots[o] = s0;
        dots[o + 1] = s1;
        dots[o + 2] = s2;
        dots[o + 3] = s3;
      }
    }
    for (; c < k; c++) {
      const co = c * d;
      for (let i = i0; i < i1; i++) {
        const xo = i * d;
        let s0 = 0;
        for (let j = 0; j < d; j++) s0 += data[xo + j]! * centroids[co + j]!;
        dots[(i - i0) * k + c] = s0;
      }
    }
    for (let i = i0; i < i1; i++) {
      let best = 0;
      let bestD = Infinity;
      const base = (i - i0) * k;
      for (let c = 0; c < k; c++) {
        const v = cNorm[c]! - 2 * dots[base + c]!;
        if (v < bestD) {
          bestD = v;
          best = c;
        }
      }
      out[i] = best;
      inertia += Math.max(0, bestD + xNorm[i]!);
    }
  }
  return { assignments: out, inertia };
}

/** k-means on n rows of d floats. Throws RangeError on impossible shapes (k > n, k < 1). */
export function kmeans(data: Float32Array, n: number, d: number, options: KMeansOptions): KMeansResult {
  checkShape(data, n, d, 'kmeans');
  const { k } = options;
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`kmeans: k must be a positive integer, got ${k}`);
  if (k > n) throw new RangeError(`kmeans: k = ${k} exceeds the number of rows n = ${n}`);
  const metric = options.metric ?? 'euclidean';
  const maxIterations = options.maxIterations ?? 100;
  const tolerance = options.tolerance ?? 1e-6;
  const trials = options.trials ?? 2 + Math.floor(Math.log(k));
  const rand = mulberry32(options.seed ?? 0);

  const x = metric === 'cosine' ? normalizeRows(data, n, d) : data;
  const xNorm = rowNorms(x, n, d);
  let meanNorm = 0;
  for (let i = 0; i < n; i++) meanNorm += xNorm[i]!;
  meanNorm = meanNorm / n || 1;

  const centroids = seedPlusPlus(x, n, d, k, rand, trials);
  if (metric === 'cosine') normalizeInPlace(centroids, k, d);
  const assignments = new Int32Array(n).fill(-1);
  const previous = new Int32Array(n);
  const sums = new Float64Array(k * d);
  const counts = new Float64Array(k);
  let iterations = 0;
  let converged = false;
  let inertia = 0;

  for (let it = 0; it < maxIterations; it++) {
    previous.set(assignments);
    inertia = assignToCentroids(x, n, d, centroids, k, assignments, xNorm).inertia;
    iterations = it + 1;
    let changed = 0;
    for (let i = 0; i < n; i++) if (assignments[i] !== previous[i]) changed++;
    if (changed === 0) {
      converged = true;
      break;
    }
    sums.fill(0);
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      const c = assignments[i]!;
      counts[c]! += 1;
      const so = c * d;
      const xo = i * d;
      for (let j = 0; j < d; j++) sums[so + j]! += x[xo + j]!;
    }
    let maxShift = 0;
    for (let c = 0; c < k; c++) {
      const co = c * d;
      if (counts[c] === 0) {
        // An empty cluster takes the row farthest from its centroid, deterministically, so k stays k.
        const far = farthestRow(x, n, d, centroids, assignments);
        for (let j = 0; j < d; j++) centroids[co + j] = x[far * d + j]!;
        assignments[far] = c;
        maxShift = Infinity;
        continue;
      }
      let shift = 0;
      for (let j = 0; j < d; j++) {
        const v = sums[co + j]! / counts[c]!;
        const t = v - centroids[co + j]!;
        shift += t * t;
        centroids[co + j] = v;
      }
      if (shift > maxShift) maxShift = shift;
    }
    if (metric === 'cosine') normalizeInPlace(centroids, k, d);
    if (maxShift / meanNorm < tolerance) {
      inertia = assignToCentroids(x, n, d, centroids, k, assignments, xNorm).inertia;
      converged = true;
      break;
    }
  }
  return { centroids, assignments, k, d, iterations, converged, inertia };
}

function normalizeInPlace(m: Float32Array, rows: number, d: number): void {
  for (let r = 0; r < rows; r++) {
    const o = r * d;
    let s = 0;
    for (let j = 0; j < d; j++) s += m[o + j]! * m[o + j]!;
    if (s <= 0) continue;
    const inv = 1 / Math.sqrt(s);
    for (let j = 0; j < d; j++) m[o + j] = m[o + j]! * inv;
  }
}

function farthestRow(
  x: Float32Array,
  n: number,
  d: number,
  centroids: Float32Array,
  assignments: Int32Array,
): number {
  let far = 0;
  let farD = -1;
  for (let i = 0; i < n; i++) {
    const v = sqDist(x, i, centroids, assignments[i]!, d);
    if (v > farD) {
      farD = v;
      far = i;
    }
  }
  return far;
}
