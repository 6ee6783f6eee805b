// A fast screening yardstick for the diagnostics (evaluation only): each grid patch of the eval frames
// gets the cluster of its vector (the nearest unit centroid by cosine, no flip, no upsampling), and the
// confusion histogram adds the patch's labelled-pixel class counts to that cluster's row. Hungarian
// one-to-one matching and present-class mIoU as the protocol computes them. It ranks settings like the
// pixel scorer (scripts/lib/demo-eval.ts scoreModel) at a fraction of its cost; figures of record come
// from the pixel scorer.
import { hungarianMapping } from '../../shared/metrics/index.js';

export interface PatchScore {
  readonly miouPresent: number;
  /** Distinct clusters given to at least one patch. */
  readonly clusters: number;
}

/** `vectors(j)`: frame j's T × dim vectors; `centroids`: K × dim; `hist`: frames × T × C pixel counts. */
export function patchScore(
  hist: Float32Array,
  N: number,
  T: number,
  C: number,
  dim: number,
  vectors: (j: number) => Float32Array,
  centroids: Float32Array,
): PatchScore {
  const K = centroids.length / dim;
  const cn = new Float32Array(centroids.length);
  for (let k = 0; k < K; k++) {
    let s = 0;
    for (let d = 0; d < dim; d++) s += centroids[k * dim + d]! ** 2;
    const inv = 1 / Math.sqrt(Math.max(s, 1e-24));
    for (let d = 0; d < dim; d++) cn[k * dim + d] = centroids[k * dim + d]! * inv;
  }
  const H = new Float64Array(K * C);
  const used = new Set<number>();
  for (let j = 0; j < N; j++) {
    const g = vectors(j);
    for (let t = 0; t < T; t++) {
      let best = -Infinity;
      let bk = 0;
      for (let k = 0; k < K; k++) {
        let s = 0;
        for (let d = 0; d < dim; d++) s += g[t * dim + d]! * cn[k * dim + d]!;
        if (s > best) [best, bk] = [s, k];
      }
      let any = false;
      for (let c = 0; c < C; c++) {
        const v = hist[(j * T + t) * C + c]!;
        if (v > 0) {
          H[bk * C + c]! += v;
          any = true;
        }
      }
      if (any) used.add(bk);
    }
  }
  const mapping = hungarianMapping(H, K, C);
  const gt = new Float64Array(C);
  const pred = new Float64Array(K);
  for (let k = 0; k < K; k++) for (let c = 0; c < C; c++) [gt[c], pred[k]] = [gt[c]! + H[k * C + c]!, pred[k]! + H[k * C + c]!];
  let sum = 0;
  let present = 0;
  for (let c = 0; c < C; c++) {
    if (gt[c]! <= 0) continue;
    present++;
    const k = mapping.indexOf(c);
    if (k < 0) continue;
    const tp = H[k * C + c]!;
    sum += tp / (gt[c]! + pred[k]! - tp);
  }
  return { miouPresent: present ? sum / present : 0, clusters: used.size };
}
