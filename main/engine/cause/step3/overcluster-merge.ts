// Step 3 variant (d): over-cluster, then merge to K. Spherical k-means with K' = factor·K clusters finds
// fine concepts (small classes get their own clusters instead of being absorbed), then a greedy
// agglomeration merges them down to exactly K, by either
//   * 'similarity': average linkage — the pair of groups whose mean unit tokens have the highest dot
//     product (a spread-out group has a short mean, so it is merged late), or
//   * 'modularity': the merge with the largest gain of the Step 3 objective itself (hard modularity of
//     the release's per-image graphs, with a resolution γ: ΔQ = 2(M_ab − γ·P_ab)). Greedy merging to a
//     fixed K sidesteps the objective's own preference for coarse partitions — it only decides which
//     concepts belong together.
// Each final cluster is one centroid (the normalised mean of its tokens), so inference is unchanged.
import type { STEP3_MERGES } from '../../../../shared/contract/experiments.js';
import { kmeans } from '../../clustering/kmeans.js';
import { checkEnoughTokens } from './kmeans.js';
import { unitRows, type ProbeTokens } from './tokens.js';

export type Step3Merge = (typeof STEP3_MERGES)[number];

export interface OverclusterOptions {
  readonly seed: number;
  /** K' = factor · K over-clusters (default 4). */
  readonly factor?: number;
  readonly merge?: Step3Merge;
  /** Modularity resolution γ (default 1). */
  readonly resolution?: number;
  /** Lloyd iterations of the over-clustering (default 100). */
  readonly iterations?: number;
}

export interface OverclusterFit {
  /** K unit centroids. */
  readonly centroids: Float32Array;
  /** Over-clusters found (≤ factor·K: never more than tokens). */
  readonly overclusters: number;
  /** Final cluster of each over-cluster. */
  readonly groupOf: Int32Array;
}

/**
 * Greedy agglomeration of `n` items to `K` groups. `score(a, b)` rates merging groups a and b (higher
 * merges first); `merged(a, b)` folds b into a. O(n³), fine for the few hundred over-clusters used here.
 */
export function agglomerate(n: number, K: number, score: (a: number, b: number) => number, merged: (a: number, b: number) => void): Int32Array {
  const groupOf = Int32Array.from({ length: n }, (_, i) => i);
  const alive = new Uint8Array(n).fill(1);
  for (let left = n; left > K; left--) {
    let ba = -1;
    let bb = -1;
    let bs = -Infinity;
    for (let a = 0; a < n; a++) {
      if (!alive[a]) continue;
      for (let b = a + 1; b < n; b++) {
        if (!alive[b]) continue;
        const s = score(a, b);
        if (s > bs) [bs, ba, bb] = [s, a, b];
      }
    }
    merged(ba, bb);
    alive[bb] = 0;
    for (let i = 0; i < n; i++) if (groupOf[i] === bb) groupOf[i] = ba;
  }
  // Renumber the surviving groups 0..K-1 in order of their first member.
  const ids = new Map<number, number>();
  for (let i = 0; i < n; i++) if (!ids.has(groupOf[i]!)) ids.set(groupOf[i]!, ids.size);
  return groupOf.map((g) => ids.get(g)!);
}

/** Hard-modularity merge statistics of over-clusters: M_ab (affinity) and P_ab (expected), per-image graphs averaged. */
export function modularityStats(x: Float32Array, perImage: number, r: number, assign: Int32Array, n: number): { M: Float64Array; P: Float64Array } {
  const images = Math.floor(assign.length / perImage);
  const M = new Float64Array(n * n);
  const P = new Float64Array(n * n);
  const d = new Float64Array(perImage);
  const A = new Float64Array(perImage * perImage);
  const Dc = new Float64Array(n);
  for (let b = 0; b < images; b++) {
    const o = b * perImage;
    d.fill(0);
    for (let i = 0; i < perImage; i++) {
      A[i * perImage + i] = 0;
      for (let j = i + 1; j < perImage; j++) {
        let s = 0;
        for (let q = 0; q < r; q++) s += x[(o + i) * r + q]! * x[(o + j) * r + q]!;
        const a = s > 0 ? s : 0;
        A[i * perImage + j] = a;
        A[j * perImage + i] = a;
        d[i]! += a;
        d[j]! += a;
      }
    }
    let e = 0;
    for (let i = 0; i < perImage; i++) e += d[i]!;
    if (e <= 0) continue;
    Dc.fill(0);
    for (let i = 0; i < perImage; i++) {
      const ai = assign[o + i]!;
      Dc[ai]! += d[i]!;
      for (let j = 0; j < perImage; j++) if (i !== j) M[ai * n + assign[o + j]!]! += A[i * perImage + j]! / e / images;
    }
    const present: number[] = [];
    for (let a = 0; a < n; a++) if (Dc[a]! > 0) present.push(a);
    for (const a of present) for (const c of present) P[a * n + c]! += (Dc[a]! * Dc[c]!) / (e * e) / images;
  }
  return { M, P };
}

export function overclusterMerge(tokens: ProbeTokens, K: number, o: OverclusterOptions): OverclusterFit {
  const { T, r } = tokens;
  checkEnoughTokens(T, K, 'Step 3 over-clustering');
  const x = unitRows(tokens.data, T, r);
  const n = Math.max(K, Math.min(T, Math.round((o.factor ?? 4) * K)));
  const over = kmeans(x, T, r, { k: n, metric: 'cosine', seed: o.seed, maxIterations: o.iterations ?? 100 });
  const assign = over.assignments;
  const sums = new Float64Array(n * r);
  const sizes = new Float64Array(n);
  for (let t = 0; t < T; t++) {
    const a = assign[t]!;
    sizes[a]!++;
    for (let j = 0; j < r; j++) sums[a * r + j]! += x[t * r + j]!;
  }
  let groupOf: Int32Array;
  if ((o.merge ?? 'similarity') === 'modularity') {
    const gamma = o.resolution ?? 1;
    const { M, P } = modularityStats(x, tokens.perImage, r, assign, n);
    groupOf = agglomerate(
      n,
      K,
      (a, b) => M[a * n + b]! + M[b * n + a]! - gamma * (P[a * n + b]! + P[b * n + a]!),
      (a, b) => {
        for (let c = 0; c < n; c++) {
          M[a * n + c]! += M[b * n + c]!;
          P[a * n + c]! += P[b * n + c]!;
        }
        for (let c = 0; c < n; c++) {
          M[c * n + a]! += M[c * n + b]!;
          P[c * n + a]! += P[c * n + b]!;
        }
      },
    );
  } else {
    // Running sums per group; the average-linkage score is the dot product of the two groups' means.
    const g = Float64Array.from(sums);
    const gs = Float64Array.from(sizes);
    groupOf = agglomerate(
      n,
      K,
      (a, b) => {
        if (gs[a] === 0 || gs[b] === 0) return Infinity; // an empty over-cluster merges first, at no cost
        let s = 0;
        for (let j = 0; j < r; j++) s += g[a * r + j]! * g[b * r + j]!;
        return s / (gs[a]! * gs[b]!);
      },
      (a, b) => {
        for (let j = 0; j < r; j++) g[a * r + j]! += g[b * r + j]!;
        gs[a]! += gs[b]!;
      },
    );
  }
  const acc = new Float64Array(K * r);
  for (let a = 0; a < n; a++) for (let j = 0; j < r; j++) acc[groupOf[a]! * r + j]! += sums[a * r + j]!;
  const centroids = unitRows(Float32Array.from(acc), K, r);
  return { centroids, overclusters: n, groupOf };
}
