// Temporal consistency against ground truth: pixels of frame t are followed back along the true motion
// to frame t−1 (SynthDrive exports it); among those whose true class did not change, the share whose
// predicted cluster changed is the temporal inconsistency. Unlike the label-free static-region
// flicker, it covers moving regions too and is not fooled by an aligned-but-wrong segmentation.
// Pixels without valid motion (frame 0, moving objects, disocclusions) or with an ignored label are left out.

export interface TemporalConsistencySummary {
  /** Frame pairs compared (consecutive frames of one sequence, both with motion and ground truth). */
  readonly framePairs: number;
  /** Pixels followed along valid motion whose true class stayed the same. */
  readonly pixels: number;
  /** Of those, the ones whose predicted cluster changed. */
  readonly changed: number;
  /** changed / pixels (NaN when none). */
  readonly inconsistency: number;
}

export interface ConsistencyFrame {
  readonly sequence: string;
  readonly width: number;
  readonly height: number;
  readonly clusters: ArrayLike<number>;
  /** True class per pixel (any integer ids; `ignore` values are skipped). */
  readonly labels: ArrayLike<number>;
  /** Offset of each pixel to frame t−1 (NaN = no valid motion); null = this frame has no motion. */
  readonly motion: { readonly u: Float32Array; readonly v: Float32Array } | null;
}

/** Called for every pixel the measure counts: its true class, whether its cluster changed, its true motion. */
export type ConsistencyVisitor = (label: number, changed: boolean, u: number, v: number) => void;

export class TemporalConsistencyAccumulator {
  private prev: ConsistencyFrame | null = null;
  private pairs = 0;
  private pixels = 0;
  private changed = 0;

  /** `visit` (diagnostics) sees each counted pixel, so a breakdown counts exactly the measure's pixels. */
  constructor(
    private readonly ignore: (label: number) => boolean = () => false,
    private readonly visit?: ConsistencyVisitor,
  ) {}

  addFrame(f: ConsistencyFrame): void {
    const p = this.prev;
    if (p && f.motion && p.sequence === f.sequence && p.width === f.width && p.height === f.height) {
      const { width: W, height: H } = f;
      let counted = 0;
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          const i = y * W + x;
          const u = f.motion.u[i]!;
          const v = f.motion.v[i]!;
          if (Number.isNaN(u) || Number.isNaN(v)) continue;
          const qx = Math.round(x + u);
          const qy = Math.round(y + v);
          if (qx < 0 || qy < 0 || qx >= W || qy >= H) continue;
          const q = qy * W + qx;
          const l = f.labels[i]!;
          if (l !== p.labels[q] || this.ignore(l)) continue;
          counted++;
          const changed = f.clusters[i] !== p.clusters[q];
          if (changed) this.changed++;
          this.visit?.(l, changed, u, v);
        }
      }
      this.pixels += counted;
      if (counted > 0) this.pairs++;
    }
    this.prev = f;
  }

  /** Makes `f` the previous frame without comparing it: a part that starts mid-sequence pairs its first frame with it. */
  prime(f: ConsistencyFrame): void {
    this.prev = f;
  }

  /** Adds another accumulator's counts (integers: merging parts is exact). */
  merge(s: Pick<TemporalConsistencySummary, 'framePairs' | 'pixels' | 'changed'>): void {
    this.pairs += s.framePairs;
    this.pixels += s.pixels;
    this.changed += s.changed;
  }

  summary(): TemporalConsistencySummary {
    return {
      framePairs: this.pairs,
      pixels: this.pixels,
      changed: this.changed,
      inconsistency: this.pixels > 0 ? this.changed / this.pixels : Number.NaN,
    };
  }
}
