// Signals that judge a run on data without ground truth: how the pixels are shared among clusters, how
// confident the probe is per cluster, and how much the segmentation flickers over time.
//
// Flicker variant: **static regions**. Between consecutive frames of one sequence, a pixel counts as
// static when its luma changed by at most `staticThreshold` (0..255) — the scene did not move there, so
// a stable segmenter must not change its cluster. Flicker = share of static pixels whose cluster changed.
// We also report the raw share over all pixels (dominated by ego-motion, so only comparable between runs
// on the same frames). No alignment is attempted: a wrong alignment would itself look like flicker.

import { StudioError } from '../contract/errors.js';

export interface LabelFreeSummary {
  readonly clusters: number;
  readonly frames: number;
  readonly pixels: number;
  /** Share of all pixels per cluster (sums to 1 when pixels > 0). */
  readonly pixelShare: Float64Array;
  /** Mean confidence per cluster (NaN for a cluster with no pixels or when no confidence was given). */
  readonly meanConfidence: Float64Array;
  /** Frame pairs compared for flicker (consecutive frames of the same sequence). */
  readonly framePairs: number;
  readonly staticPixels: number;
  /** Static-region flicker: changed static pixels / static pixels (NaN when none). */
  readonly flickerStatic: number;
  /** All-pixel flicker: changed pixels / compared pixels (NaN when no pairs). */
  readonly flickerAll: number;
  /** Per cluster (cluster in the earlier frame): share of its static pixels that changed cluster. */
  readonly flickerStaticPerCluster: Float64Array;
  /** Clusters holding at least one pixel. */
  readonly usedClusters: number;
}

export type ConfidenceMap = Float32Array | Uint8Array | Uint16Array;

/**
 * Everything the accumulator sums, as plain numbers: two accumulators over consecutive parts of the
 * frames merge exactly (every sum is an integer count, or of 8-/16-bit confidences kept unscaled), so
 * evaluation split across the worker pool gives the bits of one pass. Float32 confidences are the one
 * sum whose merge depends on order.
 */
export interface LabelFreeState {
  readonly frames: number;
  readonly pixels: number;
  readonly pairs: number;
  readonly comparedPixels: number;
  readonly changedPixels: number;
  readonly counts: number[];
  readonly confFloat: number[];
  readonly conf8: number[];
  readonly conf16: number[];
  readonly confCount: number[];
  readonly staticByCluster: number[];
  readonly changedStaticByCluster: number[];
}

export class LabelFreeAccumulator {
  readonly K: number;
  private readonly staticThreshold: number;
  private readonly counts: Float64Array;
  // Confidence sums by the map's type; integer maps are summed unscaled so the sums stay exact integers.
  private readonly confFloat: Float64Array;
  private readonly conf8: Float64Array;
  private readonly conf16: Float64Array;
  private readonly confCount: Float64Array;
  private readonly staticByCluster: Float64Array;
  private readonly changedStaticByCluster: Float64Array;
  private frames = 0;
  private pixels = 0;
  private pairs = 0;
  private comparedPixels = 0;
  private changedPixels = 0;
  private prevClusters: Uint16Array | Uint8Array | null = null;
  private prevLuma: Uint8Array | null = null;
  private prevSequence: string | null = null;

  constructor(K: number, options: { staticThreshold?: number } = {}) {
    if (!Number.isInteger(K) || K <= 0) throw new StudioError('bad_request', `cluster count must be a positive integer (got ${K})`);
    this.K = K;
    this.staticThreshold = options.staticThreshold ?? 6;
    this.counts = new Float64Array(K);
    this.confFloat = new Float64Array(K);
    this.conf8 = new Float64Array(K);
    this.conf16 = new Float64Array(K);
    this.confCount = new Float64Array(K);
    this.staticByCluster = new Float64Array(K);
    this.changedStaticByCluster = new Float64Array(K);
  }

  /**
   * Add one frame, in sequence order. `luma` (same geometry, 0..255) enables flicker; `confidence` is in
   * 0..1 (Float32) or scaled to the integer type's full range (Uint8 /255, Uint16 /65535).
   * The maps passed in must not be mutated afterwards: the previous frame is kept by reference.
   */
  addFrame(frame: {
    sequence: string;
    clusters: Uint16Array | Uint8Array;
    confidence?: ConfidenceMap;
    luma?: Uint8Array;
  }): void {
    const { clusters, confidence, luma } = frame;
    const n = clusters.length;
    const K = this.K;
    if (confidence && confidence.length !== n) {
      throw new StudioError('bad_request', `confidence map has ${confidence.length} pixels, cluster map ${n}`);
    }
    if (luma && luma.length !== n) {
      throw new StudioError('bad_request', `luma image has ${luma.length} pixels, cluster map ${n}`);
    }
    const counts = this.counts;
    for (let i = 0; i < n; i++) {
      const k = clusters[i]!;
      if (k >= K) throw new StudioError('invalid_input', `cluster map contains cluster id ${k}, but K = ${K}`);
      counts[k] = counts[k]! + 1;
    }
    if (confidence) {
      const sum = confidence instanceof Float32Array ? this.confFloat : confidence instanceof Uint8Array ? this.conf8 : this.conf16;
      const cnt = this.confCount;
      for (let i = 0; i < n; i++) {
        const k = clusters[i]!;
        sum[k] = sum[k]! + confidence[i]!;
        cnt[k] = cnt[k]! + 1;
      }
    }
    const prev = this.prevClusters;
    const prevLuma = this.prevLuma;
    if (prev && prevLuma && luma && this.prevSequence === frame.sequence && prev.length === n) {
      const thr = this.staticThreshold;
      const stat = this.staticByCluster;
      const chg = this.changedStaticByCluster;
      let changed = 0;
      for (let i = 0; i < n; i++) {
        const a = prev[i]!;
        const moved = a !== clusters[i]!;
        if (moved) changed++;
        const d = luma[i]! - prevLuma[i]!;
        if (d <= thr && d >= -thr) {
          stat[a] = stat[a]! + 1;
          if (moved) chg[a] = chg[a]! + 1;
        }
      }
      this.pairs++;
      this.comparedPixels += n;
      this.changedPixels += changed;
    }
    this.prime(frame);
    this.frames++;
    this.pixels += n;
  }

  /** Makes `frame` the previous one without counting it: a part that starts mid-sequence pairs its first frame with it. */
  prime(frame: { sequence: string; clusters: Uint16Array | Uint8Array; luma?: Uint8Array }): void {
    this.prevClusters = frame.clusters;
    this.prevLuma = frame.luma ?? null;
    this.prevSequence = frame.sequence;
  }

  state(): LabelFreeState {
    const a = (x: Float64Array) => Array.from(x);
    return {
      frames: this.frames,
      pixels: this.pixels,
      pairs: this.pairs,
      comparedPixels: this.comparedPixels,
      changedPixels: this.changedPixels,
      counts: a(this.counts),
      confFloat: a(this.confFloat),
      conf8: a(this.conf8),
      conf16: a(this.conf16),
      confCount: a(this.confCount),
      staticByCluster: a(this.staticByCluster),
      changedStaticByCluster: a(this.changedStaticByCluster),
    };
  }

  /** Adds another accumulator's sums (a later part of the same frames). */
  merge(s: LabelFreeState): void {
    const arrays = ['counts', 'confFloat', 'conf8', 'conf16', 'confCount', 'staticByCluster', 'changedStaticByCluster'] as const;
    for (const name of arrays) {
      if (s[name].length !== this.K) throw new StudioError('invalid_input', `label-free state has ${s[name].length} clusters in ${name}, expected ${this.K}`);
    }
    for (const name of arrays) {
      const into = this[name];
      const from = s[name];
      for (let k = 0; k < this.K; k++) into[k] = into[k]! + from[k]!;
    }
    this.frames += s.frames;
    this.pixels += s.pixels;
    this.pairs += s.pairs;
    this.comparedPixels += s.comparedPixels;
    this.changedPixels += s.changedPixels;
  }

  summary(): LabelFreeSummary {
    const K = this.K;
    const pixelShare = new Float64Array(K);
    const meanConfidence = new Float64Array(K);
    const perCluster = new Float64Array(K);
    let staticPixels = 0;
    let changedStatic = 0;
    let used = 0;
    for (let k = 0; k < K; k++) {
      const c = this.counts[k]!;
      if (c > 0) used++;
      pixelShare[k] = this.pixels > 0 ? c / this.pixels : Number.NaN;
      const conf = this.confFloat[k]! + this.conf8[k]! / 255 + this.conf16[k]! / 65535;
      meanConfidence[k] = this.confCount[k]! > 0 ? conf / this.confCount[k]! : Number.NaN;
      const s = this.staticByCluster[k]!;
      perCluster[k] = s > 0 ? this.changedStaticByCluster[k]! / s : Number.NaN;
      staticPixels += s;
      changedStatic += this.changedStaticByCluster[k]!;
    }
    return {
      clusters: K,
      frames: this.frames,
      pixels: this.pixels,
      pixelShare,
      meanConfidence,
      framePairs: this.pairs,
      staticPixels,
      flickerStatic: staticPixels > 0 ? changedStatic / staticPixels : Number.NaN,
      flickerAll: this.comparedPixels > 0 ? this.changedPixels / this.comparedPixels : Number.NaN,
      flickerStaticPerCluster: perCluster,
      usedClusters: used,
    };
  }
}
