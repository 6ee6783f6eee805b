// Scoring a cluster×class pixel histogram under a cluster→class mapping, with the unsupervised
// segmentation protocol's rules (../shared/docs/cause-method.md, "Evaluation protocol"):
//   * IoU_t = TP / (TP + FP + FN);
//   * a class absent from the ground truth and never predicted has no IoU (NaN) and is left out of mIoU;
//     absent but predicted scores 0 (TP = 0, FP > 0);
//   * pixels of unmatched clusters (mapping -1) are errors: they are FN for their true class and FP for
//     no class;
//   * pixel accuracy = Σ TP / Σ H over all valid pixels.
// Pure typed-array code: the renderer re-scores every mapping edit locally from the stored histogram.

import { StudioError } from '../contract/errors.js';
import { hungarian } from './hungarian.js';

/** Mapping value for a cluster that is not assigned to any class (its pixels count as errors). */
export const UNMAPPED = -1;

export interface Score {
  /** Per-class IoU, NaN where undefined (class absent from the ground truth and never predicted). */
  readonly iou: Float64Array;
  /** Mean over classes with a defined IoU; NaN when no class has one (empty histogram). */
  readonly miou: number;
  /** Σ TP / Σ H; NaN for an empty histogram. */
  readonly pixelAccuracy: number;
  readonly tp: Float64Array;
  readonly fp: Float64Array;
  readonly fn: Float64Array;
  /** Ground-truth pixel count per class. */
  readonly gt: Float64Array;
  /** Number of classes whose IoU is defined (the mIoU denominator). */
  readonly classesScored: number;
  /**
   * Mean IoU over the classes that have ground-truth pixels; NaN when none has. Unlike `miou`, a class
   * the data never shows costs nothing when a cluster is matched to it, so methods that spend clusters
   * differently are compared over the same classes.
   */
  readonly miouPresent: number;
  /** Number of classes with ground-truth pixels (the present-class mIoU denominator). */
  readonly classesPresent: number;
  readonly totalPixels: number;
  /** Pixels that fell in unmatched clusters. */
  readonly unmatchedPixels: number;
}

function checkShapes(hist: Float64Array, K: number, C: number, mapping?: Int32Array): void {
  if (hist.length !== K * C) {
    throw new StudioError('bad_request', `histogram has ${hist.length} cells, expected K×C = ${K}×${C} = ${K * C}`);
  }
  if (mapping && mapping.length !== K) {
    throw new StudioError('bad_request', `mapping has ${mapping.length} entries, expected one per cluster (K = ${K})`);
  }
  if (mapping) {
    for (let k = 0; k < K; k++) {
      const t = mapping[k]!;
      if (t < UNMAPPED || t >= C) {
        throw new StudioError('bad_request', `mapping sends cluster ${k} to class ${t}, outside -1..${C - 1}`);
      }
    }
  }
}

/**
 * Score a K×C histogram (row-major: hist[k*C + t] = pixels of cluster k whose true class is t) under
 * `mapping` (cluster → class index or -1).
 */
export function scoreHistogram(hist: Float64Array, K: number, C: number, mapping: Int32Array): Score {
  checkShapes(hist, K, C, mapping);
  const tp = new Float64Array(C);
  const fp = new Float64Array(C);
  const fn = new Float64Array(C);
  const gt = new Float64Array(C);
  let total = 0;
  let unmatched = 0;
  for (let k = 0; k < K; k++) {
    const mapped = mapping[k]!;
    const base = k * C;
    let rowSum = 0;
    for (let t = 0; t < C; t++) {
      const h = hist[base + t]!;
      gt[t] = gt[t]! + h;
      rowSum += h;
    }
    total += rowSum;
    if (mapped < 0) {
      unmatched += rowSum;
      continue;
    }
    const hit = hist[base + mapped]!;
    tp[mapped] = tp[mapped]! + hit;
    fp[mapped] = fp[mapped]! + (rowSum - hit);
  }
  const iou = new Float64Array(C);
  let sum = 0;
  let scored = 0;
  let presentSum = 0;
  let present = 0;
  let tpSum = 0;
  for (let t = 0; t < C; t++) {
    fn[t] = gt[t]! - tp[t]!;
    tpSum += tp[t]!;
    const denom = tp[t]! + fp[t]! + fn[t]!;
    if (denom === 0) {
      iou[t] = Number.NaN;
    } else {
      iou[t] = tp[t]! / denom;
      sum += iou[t]!;
      scored++;
    }
    if (gt[t]! > 0) {
      presentSum += iou[t]!;
      present++;
    }
  }
  return {
    iou,
    miou: scored === 0 ? Number.NaN : sum / scored,
    pixelAccuracy: total === 0 ? Number.NaN : tpSum / total,
    tp,
    fp,
    fn,
    gt,
    classesScored: scored,
    miouPresent: present === 0 ? Number.NaN : presentSum / present,
    classesPresent: present,
    totalPixels: total,
    unmatchedPixels: unmatched,
  };
}

/**
 * Mean IoU over groups of classes (Cityscapes "categories"): classes are merged into their category
 * before scoring, exactly as if the prediction and the ground truth had been relabelled by category.
 * `classToCategory[t]` is the category index of class t (0..G-1). Returns per-category IoU and its mean.
 */
export function scoreCategories(
  hist: Float64Array,
  K: number,
  C: number,
  mapping: Int32Array,
  classToCategory: Int32Array,
  G: number,
): { iou: Float64Array; miou: number; pixelAccuracy: number } {
  checkShapes(hist, K, C, mapping);
  if (classToCategory.length !== C) {
    throw new StudioError('bad_request', `classToCategory has ${classToCategory.length} entries, expected C = ${C}`);
  }
  const catHist = new Float64Array(K * G);
  const catMap = new Int32Array(K);
  for (let k = 0; k < K; k++) {
    const m = mapping[k]!;
    catMap[k] = m < 0 ? UNMAPPED : classToCategory[m]!;
    for (let t = 0; t < C; t++) {
      const g = classToCategory[t]!;
      if (g < 0 || g >= G) {
        throw new StudioError('bad_request', `class ${t} has category ${g}, outside 0..${G - 1}`);
      }
      catHist[k * G + g] = catHist[k * G + g]! + hist[k * C + t]!;
    }
  }
  const s = scoreHistogram(catHist, K, G, catMap);
  return { iou: s.iou, miou: s.miou, pixelAccuracy: s.pixelAccuracy };
}

/**
 * The C×(C+1) confusion matrix between true classes (rows) and predicted classes (columns; the last
 * column is "unmatched cluster"), raw counts and normalised per true class (rows sum to 1; an absent
 * class's row is all zeros).
 */
export function confusionMatrix(
  hist: Float64Array,
  K: number,
  C: number,
  mapping: Int32Array,
): { counts: Float64Array; normalized: Float64Array; cols: number } {
  checkShapes(hist, K, C, mapping);
  const cols = C + 1;
  const counts = new Float64Array(C * cols);
  for (let k = 0; k < K; k++) {
    const m = mapping[k]!;
    const p = m < 0 ? C : m;
    for (let t = 0; t < C; t++) counts[t * cols + p] = counts[t * cols + p]! + hist[k * C + t]!;
  }
  const normalized = new Float64Array(C * cols);
  for (let t = 0; t < C; t++) {
    let row = 0;
    for (let p = 0; p < cols; p++) row += counts[t * cols + p]!;
    if (row > 0) for (let p = 0; p < cols; p++) normalized[t * cols + p] = counts[t * cols + p]! / row;
  }
  return { counts, normalized, cols };
}

/** One-to-one mapping maximising Σ H (the published protocol). With K > C the extra clusters stay -1. */
export function hungarianMapping(hist: Float64Array, K: number, C: number): Int32Array {
  checkShapes(hist, K, C);
  return hungarian(hist, K, C, 'max');
}

/**
 * Many-to-one mapping: each cluster goes to the class it overlaps most (ties → lowest class index).
 * A cluster with no labelled pixels stays -1. A second, clearly labelled protocol — it is never the
 * headline number.
 */
export function majorityMapping(hist: Float64Array, K: number, C: number): Int32Array {
  checkShapes(hist, K, C);
  const out = new Int32Array(K).fill(UNMAPPED);
  for (let k = 0; k < K; k++) {
    let best = 0;
    let bestT = UNMAPPED;
    for (let t = 0; t < C; t++) {
      const h = hist[k * C + t]!;
      if (h > best) {
        best = h;
        bestT = t;
      }
    }
    out[k] = bestT;
  }
  return out;
}

/** Mean IoU of each frame's histogram under one mapping, for "worst frames first" views. */
export function perFrameMiou(
  frameHists: readonly Float64Array[],
  K: number,
  C: number,
  mapping: Int32Array,
): Float64Array {
  const out = new Float64Array(frameHists.length);
  for (let i = 0; i < frameHists.length; i++) out[i] = scoreHistogram(frameHists[i]!, K, C, mapping).miou;
  return out;
}

/**
 * mIoU of one frame given as a sparse K×C histogram (flat cell indices and counts), under the same rules
 * as scoreHistogram, in O(cells + C) — per-frame histograms are mostly zeros.
 */
export function sparseMiou(
  cells: ArrayLike<number>,
  counts: ArrayLike<number>,
  K: number,
  C: number,
  mapping: Int32Array,
  scratch: Float64Array = new Float64Array(3 * C),
): number {
  if (mapping.length !== K) throw new StudioError('bad_request', `mapping has ${mapping.length} entries, expected one per cluster (K = ${K})`);
  scratch.fill(0, 0, 3 * C);
  // scratch: [0, C) TP, [C, 2C) FP, [2C, 3C) GT
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i]!;
    const v = counts[i]!;
    const k = Math.floor(cell / C);
    const t = cell - k * C;
    if (k >= K) throw new StudioError('bad_request', `sparse histogram cell ${cell} is outside ${K}×${C}`);
    scratch[2 * C + t] = scratch[2 * C + t]! + v;
    const m = mapping[k]!;
    if (m === t) scratch[t] = scratch[t]! + v;
    else if (m >= 0) scratch[C + m] = scratch[C + m]! + v;
  }
  let sum = 0;
  let n = 0;
  for (let t = 0; t < C; t++) {
    const tp = scratch[t]!;
    const denom = scratch[C + t]! + scratch[2 * C + t]!; // TP + FP + FN = FP + GT
    if (denom > 0) {
      sum += tp / denom;
      n++;
    }
  }
  return n === 0 ? Number.NaN : sum / n;
}

/**
 * Add one frame's pixels to a K×C histogram. `clusterMap` holds cluster ids per pixel; `labelClassMap`
 * holds the protocol's class index per pixel with 255 = ignore. Clusters ≥ K are rejected rather than
 * silently dropped: they mean the prediction and the experiment disagree on K.
 */
export function accumulate(
  hist: Float64Array,
  clusterMap: Uint16Array | Uint8Array,
  labelClassMap: Uint8Array,
  K: number,
  C: number,
): number {
  const n = clusterMap.length;
  if (labelClassMap.length !== n) {
    throw new StudioError(
      'bad_request',
      `cluster map has ${n} pixels but the label map has ${labelClassMap.length}; they must share a geometry`,
    );
  }
  if (hist.length !== K * C) {
    throw new StudioError('bad_request', `histogram has ${hist.length} cells, expected K×C = ${K}×${C}`);
  }
  let counted = 0;
  let badCluster = -1;
  for (let i = 0; i < n; i++) {
    const t = labelClassMap[i]!;
    if (t >= C) continue; // 255 (ignore) and anything outside the protocol
    const k = clusterMap[i]!;
    if (k >= K) {
      badCluster = k;
      break;
    }
    const idx = k * C + t;
    hist[idx] = hist[idx]! + 1;
    counted++;
  }
  if (badCluster >= 0) {
    throw new StudioError('invalid_input', `cluster map contains cluster id ${badCluster}, but the experiment has K = ${K}`);
  }
  return counted;
}
