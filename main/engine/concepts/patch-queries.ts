// Answers over a patch index: each cluster's top patches and the similar-patch probe (brute-force cosine
// over the int8 vectors — exact ranking up to quantisation, and fast enough for a click: see
// `npm run bench:concepts`).
import type { ConceptPatches, PatchRef, SimilarPatches } from '../../../shared/contract/concepts.js';
import { StudioError } from '../../../shared/contract/errors.js';
import { patchAssetId, Q, type PatchIndex } from './patch-index.js';

export function patchRef(index: PatchIndex, patch: number, score: number): PatchRef {
  const cells = index.gridH * index.gridW;
  const frame = index.frames[Math.floor(patch / cells)]!;
  const cell = patch % cells;
  return {
    id: patchAssetId(index, patch),
    frameId: frame.frameId,
    frameName: frame.name,
    gx: cell % index.gridW,
    gy: Math.floor(cell / index.gridW),
    cluster: index.cluster[patch]!,
    score,
  };
}

/**
 * The best `perCluster` patches of each cluster by score, at most one per frame while other frames still
 * have candidates, so a cluster's thumbnails show it across the dataset rather than one frame's neighbours.
 */
export function topPatches(index: PatchIndex, perCluster: number): ConceptPatches {
  const K = index.clusters;
  const cells = index.gridH * index.gridW;
  const F = index.frames.length;
  const bestOfFrame = new Int32Array(F * K).fill(-1);
  const count = new Float64Array(K);
  for (let f = 0; f < F; f++) {
    for (let c = 0; c < cells; c++) {
      const p = f * cells + c;
      const k = index.cluster[p]!;
      if (index.score[p]! <= 0) continue;
      count[k]!++;
      const o = f * K + k;
      const cur = bestOfFrame[o]!;
      if (cur < 0 || index.score[p]! > index.score[cur]!) bestOfFrame[o] = p;
    }
  }
  const totalPatches = count.reduce((a, b) => a + b, 0) || 1;
  const concepts = Array.from({ length: K }, (_, k) => {
    const firsts: number[] = [];
    for (let f = 0; f < F; f++) if (bestOfFrame[f * K + k]! >= 0) firsts.push(bestOfFrame[f * K + k]!);
    firsts.sort((a, b) => index.score[b]! - index.score[a]!);
    const picked = firsts.slice(0, perCluster);
    if (picked.length < perCluster && count[k]! > picked.length) {
      // Fewer frames than slots: fill with the cluster's next best patches wherever they are.
      const taken = new Set(picked);
      const rest = new TopK(perCluster - picked.length);
      for (let p = 0; p < F * cells; p++) if (index.cluster[p] === k && index.score[p]! > 0 && !taken.has(p)) rest.offer(index.score[p]!, p);
      picked.push(...rest.items().map((x) => x.id));
    }
    return { cluster: k, patchShare: count[k]! / totalPatches, patches: picked.map((p) => patchRef(index, p, index.score[p]!)) };
  });
  return {
    experimentId: index.experimentId,
    datasetId: index.datasetId,
    featureSetId: index.featureSetId,
    grid: { h: index.gridH, w: index.gridW },
    clusters: K,
    frames: F,
    framesPredicted: index.framesPredicted,
    concepts,
  };
}

/** Cosine similarity of `query` (unit float vector) to every indexed patch, into `out`. */
export function scanCosine(index: PatchIndex, query: Float32Array, out: Float32Array, stride = 1): void {
  const D = index.dim;
  const v = index.vectors;
  const n = index.cluster.length;
  const D4 = D - (D % 4);
  for (let p = 0; p < n; p += stride) {
    const b = p * D;
    // Four independent accumulators: V8 keeps them in registers and the adds overlap (measured 1.6×
    // over one accumulator in bench/concepts.ts's setting).
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let d = 0; d < D4; d += 4) {
      s0 += query[d]! * v[b + d]!;
      s1 += query[d + 1]! * v[b + d + 1]!;
      s2 += query[d + 2]! * v[b + d + 2]!;
      s3 += query[d + 3]! * v[b + d + 3]!;
    }
    for (let d = D4; d < D; d++) s0 += query[d]! * v[b + d]!;
    out[p] = (s0 + s1 + s2 + s3) / Q;
  }
}

/** The probed patch's unit vector, dequantised. */
export function patchVector(index: PatchIndex, patch: number): Float32Array {
  const D = index.dim;
  const q = new Float32Array(D);
  let ss = 0;
  for (let d = 0; d < D; d++) {
    q[d] = index.vectors[patch * D + d]!;
    ss += q[d]! * q[d]!;
  }
  const inv = ss > 0 ? 1 / Math.sqrt(ss) : 0;
  for (let d = 0; d < D; d++) q[d] = q[d]! * inv;
  return q;
}

export type ProbePoint = { readonly u: number; readonly v: number } | { readonly gx: number; readonly gy: number };

export function similarPatches(index: PatchIndex, frameId: string, at: ProbePoint, limit: number): SimilarPatches {
  const f = index.frameOf.get(frameId);
  if (f === undefined) {
    throw new StudioError('not_found', `frame ${frameId} is not in experiment ${index.experimentId}'s predictions (or not indexed)`);
  }
  const frame = index.frames[f]!;
  const r = frame.region;
  let gx: number;
  let gy: number;
  if ('u' in at) {
    // (u, v) are fractions of the whole frame; the grid covers `region` only, so edges clamp to the border cells.
    gx = Math.min(index.gridW - 1, Math.max(0, Math.floor(((at.u * frame.width - r.x) / r.width) * index.gridW)));
    gy = Math.min(index.gridH - 1, Math.max(0, Math.floor(((at.v * frame.height - r.y) / r.height) * index.gridH)));
  } else {
    if (at.gx >= index.gridW || at.gy >= index.gridH) {
      throw new StudioError('bad_request', `cell (${at.gx}, ${at.gy}) is outside the ${index.gridW}×${index.gridH} feature grid`);
    }
    ({ gx, gy } = at);
  }
  const cells = index.gridH * index.gridW;
  const probe = f * cells + gy * index.gridW + gx;
  const scores = new Float32Array(index.cluster.length);
  scanCosine(index, patchVector(index, probe), scores);
  const heatmap = Array.from(scores.subarray(f * cells, (f + 1) * cells), (x) => Math.round(x * 1e4) / 1e4);
  // Over-collect, then keep at most 3 per frame so the list shows the dataset, not one frame's
  // neighbours; only when too few frames remain are the skipped ones taken back.
  const top = new TopK(limit * 8);
  for (let p = 0; p < scores.length; p++) if (p !== probe) top.offer(scores[p]!, p);
  const perFrame = new Map<number, number>();
  const kept: { score: number; id: number }[] = [];
  const skipped: { score: number; id: number }[] = [];
  for (const c of top.items()) {
    const fr = Math.floor(c.id / cells);
    const n = perFrame.get(fr) ?? 0;
    if (n >= 3) skipped.push(c);
    else if (kept.length < limit) {
      perFrame.set(fr, n + 1);
      kept.push(c);
    }
  }
  kept.push(...skipped.slice(0, limit - kept.length));
  kept.sort((a, b) => b.score - a.score);
  const matches = kept.map((c) => patchRef(index, c.id, Math.round(c.score * 1e4) / 1e4));
  return {
    experimentId: index.experimentId,
    frameId,
    frameWidth: frame.width,
    frameHeight: frame.height,
    grid: { h: index.gridH, w: index.gridW },
    region: r,
    gx,
    gy,
    cluster: index.cluster[probe]!,
    heatmap,
    matches,
    searched: scores.length,
  };
}

/** The k largest (score, id) pairs offered, kept sorted (descending); k is small, offers are many. */
export class TopK {
  private readonly scores: number[] = [];
  private readonly ids: number[] = [];
  constructor(private readonly k: number) {}

  offer(score: number, id: number): void {
    const n = this.scores.length;
    if (n === this.k && score <= this.scores[n - 1]!) return;
    let i = n === this.k ? n - 1 : n;
    while (i > 0 && this.scores[i - 1]! < score) {
      this.scores[i] = this.scores[i - 1]!;
      this.ids[i] = this.ids[i - 1]!;
      i--;
    }
    this.scores[i] = score;
    this.ids[i] = id;
  }

  items(): { score: number; id: number }[] {
    return this.scores.map((score, i) => ({ score, id: this.ids[i]! }));
  }
}
