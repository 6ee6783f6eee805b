// Labelled read-outs for the diagnostics (evaluation only, never training): class means of unit
// vectors over the eval world's patches, the ceiling of a nearest-centroid partition of those vectors.

/**
 * Class means of `dim`-d unit vectors over the eval world's patches: each patch counts for its majority
 * class, weighted by that class's share. `hist` is patchClassHistograms (frames × tokens × classes).
 * Returns the present classes' means, one row each.
 */
export function classMeans(
  hist: Float32Array,
  N: number,
  T: number,
  C: number,
  dim: number,
  vectors: (j: number) => Float32Array,
): Float32Array {
  const sums = new Float64Array(C * dim);
  const counts = new Float64Array(C);
  for (let j = 0; j < N; j++) {
    const g = vectors(j);
    for (let t = 0; t < T; t++) {
      let best = 0;
      let bc = -1;
      for (let c = 0; c < C; c++)
        if (hist[(j * T + t) * C + c]! > best) [best, bc] = [hist[(j * T + t) * C + c]!, c];
      if (bc < 0) continue;
      let nn = 0;
      for (let d = 0; d < dim; d++) nn += g[t * dim + d]! ** 2;
      const s = best / Math.sqrt(Math.max(nn, 1e-24));
      for (let d = 0; d < dim; d++) sums[bc * dim + d]! += g[t * dim + d]! * s;
      counts[bc]! += best;
    }
  }
  const present = [...counts.keys()].filter((c) => counts[c]! > 0);
  const out = new Float32Array(present.length * dim);
  present.forEach((c, q) => {
    for (let d = 0; d < dim; d++) out[q * dim + d] = sums[c * dim + d]! / counts[c]!;
  });
  return out;
}
