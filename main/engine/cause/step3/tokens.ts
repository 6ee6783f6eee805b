// Shared pieces of the Step 3 variants: unit rows, centring, cosine assignment and the count of dead
// clusters. Every variant reads only teacher outputs (T × r, row-major) of grid-sampled training tokens.

/** Teacher outputs the probe is fitted on: T tokens × r dims, from `images` images of `perImage` tokens each. */
export interface ProbeTokens {
  readonly data: Float32Array;
  readonly T: number;
  readonly r: number;
  /** Tokens per image (rows [b·perImage, (b+1)·perImage) come from one image), for per-image graphs. */
  readonly perImage: number;
}

export function unitRows(m: Float32Array, rows: number, r: number): Float32Array {
  const out = new Float32Array(rows * r);
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let j = 0; j < r; j++) s += m[i * r + j]! * m[i * r + j]!;
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let j = 0; j < r; j++) out[i * r + j] = m[i * r + j]! * inv;
  }
  return out;
}

/** The mean row (r values). */
export function meanRow(m: Float32Array, rows: number, r: number): Float32Array {
  const acc = new Float64Array(r);
  for (let i = 0; i < rows; i++) for (let j = 0; j < r; j++) acc[j]! += m[i * r + j]!;
  return Float32Array.from(acc, (v) => v / Math.max(1, rows));
}

/** Rows minus `mu`. */
export function subtractRow(m: Float32Array, rows: number, r: number, mu: Float32Array): Float32Array {
  const out = new Float32Array(rows * r);
  for (let i = 0; i < rows; i++) for (let j = 0; j < r; j++) out[i * r + j] = m[i * r + j]! - mu[j]!;
  return out;
}

/** Index of the highest-cosine centroid per token (the assignment inference makes). `unitX`, `unitC` are unit rows. */
export function argmaxCosine(unitX: Float32Array, T: number, r: number, unitC: Float32Array, K: number): Int32Array {
  const out = new Int32Array(T);
  for (let t = 0; t < T; t++) {
    let bk = 0;
    let bv = -Infinity;
    const o = t * r;
    for (let k = 0; k < K; k++) {
      let s = 0;
      const c = k * r;
      for (let j = 0; j < r; j++) s += unitX[o + j]! * unitC[c + j]!;
      if (s > bv) {
        bv = s;
        bk = k;
      }
    }
    out[t] = bk;
  }
  return out;
}

export interface ClusterUse {
  /** Tokens per cluster. */
  readonly sizes: Int32Array;
  /** Clusters that own at least one token. */
  readonly used: number;
  /** K − used: clusters no token is nearest to (they never appear in a prediction of these tokens). */
  readonly dead: number;
}

/** How many of the K centroids own tokens under argmax cosine, and how many are dead. */
export function clusterUse(tokens: Float32Array, T: number, r: number, centroids: Float32Array, K: number): ClusterUse {
  const a = argmaxCosine(unitRows(tokens, T, r), T, r, unitRows(centroids, K, r), K);
  const sizes = new Int32Array(K);
  for (let t = 0; t < T; t++) sizes[a[t]!]!++;
  let used = 0;
  for (let k = 0; k < K; k++) if (sizes[k]! > 0) used++;
  return { sizes, used, dead: K - used };
}
