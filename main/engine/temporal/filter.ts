// The temporal filter: a recursive average of each frame's cluster scores (cosines, i.e. log-probabilities
// up to a per-pixel constant) carried along correspondences, plus label hysteresis.
//
// Why not the probability blend of carry.ts alone: even along the TRUE motion it only halves the ground-
// truth inconsistency (scripts/temporal-tune.ts --oracle). Pixels whose two best clusters are nearly tied
// keep flipping under any blend weight that still lets new evidence in. Hysteresis breaks the tie in
// favour of the label the pixel already had: the carried label gets a bonus of `margin` (cosine units),
// so frame t's own evidence must beat it by that much to change it. The bonus is spread over the four
// bilinear taps of the carried position, so it follows sub-pixel motion instead of snapping to a grid.
//
// The state lives at a reduced resolution (the caller chooses; the scores are smooth at the patch scale
// anyway), which makes the filter cheap; the caller upsamples the decision scores for the output.
import type { Correspondence } from './carry.js';

export const FILTER_DEFAULTS = {
  /** Weight of the carried scores at full correspondence confidence (scripts/temporal-tune.ts). */
  carry: 0.7,
  /** Hysteresis bonus of the carried label, in cosine units, at full correspondence confidence. */
  margin: 0.3,
  /** A scene cut: the frame's mean match cosine falls this far below the sequence's running mean. */
  cutDrop: 0.2,
  /**
   * Bonus (cosine units) of a still pixel's own previous label (Correspondence.still): where the luma did
   * not change, the label at the same place holds as well as the one carried along the motion.
   */
  stillMargin: 0.3,
} as const;

export interface FilterOptions {
  readonly carry?: number;
  readonly margin?: number;
  readonly cutDrop?: number;
  readonly stillMargin?: number;
}

/** The carried state of one sequence at the filter's resolution. */
export class TemporalFilter {
  private state: Float32Array | null = null;
  /** The state buffer not in use: the next state is written into it (no 3.5 MB allocation per frame). */
  private spare: Float32Array | null = null;
  private labels: Uint16Array | null = null;
  /** The labels buffer not in use: frame t's labels are written into it while t−1's are still read. */
  private spareLabels: Uint16Array | null = null;
  private width = 0;
  private height = 0;
  private sequence: string | null = null;
  private simMean = 0;
  private simCount = 0;
  private readonly carry: number;
  private readonly margin: number;
  private readonly cutDrop: number;
  private readonly stillMargin: number;
  /** Frames that started a new state (sequence starts and scene cuts), for the job's log. */
  resets = 0;
  cuts = 0;

  constructor(
    readonly K: number,
    options: FilterOptions = {},
  ) {
    this.carry = options.carry ?? FILTER_DEFAULTS.carry;
    this.margin = options.margin ?? FILTER_DEFAULTS.margin;
    this.cutDrop = options.cutDrop ?? FILTER_DEFAULTS.cutDrop;
    this.stillMargin = options.stillMargin ?? FILTER_DEFAULTS.stillMargin;
  }

  /** True when the previous frame's state can be carried to this frame (same sequence, no cut). */
  private continues(sequence: string, meanSimilarity: number | null, width: number, height: number): boolean {
    if (sequence !== this.sequence || this.state === null || this.width !== width || this.height !== height) return false;
    if (meanSimilarity !== null && this.simCount > 0 && meanSimilarity < this.simMean - this.cutDrop) {
      this.cuts++;
      return false;
    }
    return true;
  }

  /**
   * Filters the scores [h·w·K] of frame t in place: on return they are the decision scores (filtered
   * scores plus the hysteresis bonus), whose argmax is the frame's labels. `corr` null (or a reset) keeps
   * frame t's own scores.
   */
  step(sequence: string, scores: Float32Array, width: number, height: number, corr: Correspondence | null, meanSimilarity: number | null): void {
    const K = this.K;
    const n = width * height;
    const carried = corr !== null && this.continues(sequence, meanSimilarity, width, height);
    const labels = this.spareLabels?.length === n ? this.spareLabels : new Uint16Array(n);
    if (!carried) {
      this.resets++;
      this.simMean = 0;
      this.simCount = 0;
      const into = this.spare?.length === n * K ? this.spare : this.state?.length === n * K ? this.state : new Float32Array(n * K);
      into.set(scores);
      this.spare = this.state === into ? null : this.state;
      this.state = into;
      for (let i = 0; i < n; i++) labels[i] = argmaxAt(scores, i * K, K);
    } else {
      const prev = this.state!;
      const prevLabels = this.labels!;
      const next = this.spare?.length === n * K ? this.spare : new Float32Array(n * K);
      const carry = this.carry;
      const margin = this.margin;
      // a still pixel's own previous label holds too, beside the one carried along the flow (added after the
      // carried labels' bonus, pixel by pixel, and each pixel's argmax taken at once: one pass, same sums)
      const still = this.stillMargin > 0 ? corr.still : undefined;
      const stillMargin = this.stillMargin;
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const i = y * width + x;
          const o = i * K;
          const conf = corr.confidence[i]!;
          const px = x + corr.u[i]!;
          const py = y + corr.v[i]!;
          // disoccluded or unmatched content, or content that came from outside frame t−1: frame t's own
          if (conf <= 0 || px < -0.5 || py < -0.5 || px > width - 0.5 || py > height - 0.5) {
            for (let k = 0; k < K; k++) next[o + k] = scores[o + k]!;
            if (still?.[i]) scores[o + prevLabels[i]!] = scores[o + prevLabels[i]!]! + stillMargin;
            labels[i] = argmaxAt(scores, o, K);
            continue;
          }
          const c = carry * conf;
          const x0 = Math.max(0, Math.min(width - 1, Math.floor(px)));
          const y0 = Math.max(0, Math.min(height - 1, Math.floor(py)));
          const x1 = Math.min(width - 1, x0 + 1);
          const y1 = Math.min(height - 1, y0 + 1);
          const fx = Math.max(0, Math.min(1, px - x0));
          const fy = Math.max(0, Math.min(1, py - y0));
          const ia = y0 * width + x0;
          const ib = y0 * width + x1;
          const id = y1 * width + x0;
          const ie = y1 * width + x1;
          const a = ia * K;
          const b = ib * K;
          const d = id * K;
          const e = ie * K;
          const w00 = (1 - fx) * (1 - fy) * c;
          const w01 = fx * (1 - fy) * c;
          const w10 = (1 - fx) * fy * c;
          const w11 = fx * fy * c;
          const own = 1 - c;
          for (let k = 0; k < K; k++) {
            const s = own * scores[o + k]! + w00 * prev[a + k]! + w01 * prev[b + k]! + w10 * prev[d + k]! + w11 * prev[e + k]!;
            next[o + k] = s;
            scores[o + k] = s;
          }
          if (margin > 0) {
            // the carried labels' bonus, spread over the taps (the state itself stays free of it)
            const m = margin * conf;
            scores[o + prevLabels[ia]!]! += (1 - fx) * (1 - fy) * m;
            scores[o + prevLabels[ib]!]! += fx * (1 - fy) * m;
            scores[o + prevLabels[id]!]! += (1 - fx) * fy * m;
            scores[o + prevLabels[ie]!]! += fx * fy * m;
          }
          if (still?.[i]) scores[o + prevLabels[i]!] = scores[o + prevLabels[i]!]! + stillMargin;
          labels[i] = argmaxAt(scores, o, K);
        }
      }
      this.spare = prev;
      this.state = next;
    }
    if (meanSimilarity !== null) {
      this.simMean = (this.simMean * this.simCount + meanSimilarity) / (this.simCount + 1);
      this.simCount++;
    }
    this.spareLabels = this.labels;
    this.labels = labels;
    this.sequence = sequence;
    this.width = width;
    this.height = height;
  }
}

/** The first index of the largest of scores[o..o+K). */
function argmaxAt(scores: Float32Array, o: number, K: number): number {
  let best = 0;
  let bv = scores[o]!;
  for (let k = 1; k < K; k++) {
    const s = scores[o + k]!;
    if (s > bv) {
      bv = s;
      best = k;
    }
  }
  return best;
}
