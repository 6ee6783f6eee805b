// Temporally consistent prediction: the cluster probabilities of frame t−1 (already blended) are
// carried along label-free correspondences to frame t and blended with frame t's own probabilities
// where the correspondence is confident. The state resets at sequence boundaries and scene cuts, so
// a cut never drags the last shot's clusters into the next.
import type { PixelRect } from '../cause/predict.js';
import type { PatchMatches } from './feature-match.js';
import { sample, type FlowField } from './optical-flow.js';

export const TEMPORAL_DEFAULTS = {
  /** Weight of the carried probabilities at full confidence. */
  carry: 0.85,
  /** Feature match cosine below which a patch match is not trusted at all; 1 is full confidence. */
  minSimilarity: 0.5,
  /** A scene cut: the frame's mean best-match cosine falls this far below the sequence's running mean. */
  cutDrop: 0.2,
} as const;

/** Where each output pixel of frame t was in frame t−1 (output pixels), and how sure that is (0..1). */
export interface Correspondence {
  readonly width: number;
  readonly height: number;
  readonly u: Float32Array;
  readonly v: Float32Array;
  readonly confidence: Float32Array;
}

/**
 * Patch matches → per-pixel correspondence: the patch displacement field is resampled bilinearly (half-
 * pixel centres, as the prediction itself) and scaled from patches to output pixels; confidence grows
 * linearly from `minSimilarity` to a cosine of 1.
 */
export function correspondenceFromPatches(
  m: PatchMatches,
  region: PixelRect,
  outW: number,
  outH: number,
  minSimilarity: number = TEMPORAL_DEFAULTS.minSimilarity,
): Correspondence {
  const n = outW * outH;
  const u = new Float32Array(n);
  const v = new Float32Array(n);
  const confidence = new Float32Array(n);
  const sx = region.width / m.w;
  const sy = region.height / m.h;
  const conf = new Float32Array(m.h * m.w);
  for (let i = 0; i < conf.length; i++) conf[i] = Math.max(0, Math.min(1, (m.similarity[i]! - minSimilarity) / (1 - minSimilarity)));
  for (let y = 0; y < outH; y++) {
    const gy = (y + 0.5 - region.y) / sy - 0.5;
    for (let x = 0; x < outW; x++) {
      const gx = (x + 0.5 - region.x) / sx - 0.5;
      const i = y * outW + x;
      u[i] = sample(m.dx, m.w, m.h, gx, gy) * sx;
      v[i] = sample(m.dy, m.w, m.h, gx, gy) * sy;
      confidence[i] = sample(conf, m.w, m.h, gx, gy);
    }
  }
  return { width: outW, height: outH, u, v, confidence };
}

/** A flow field computed at a smaller size → per-pixel correspondence at the output size. */
export function correspondenceFromFlow(f: FlowField, outW: number, outH: number): Correspondence {
  const n = outW * outH;
  const u = new Float32Array(n);
  const v = new Float32Array(n);
  const confidence = new Float32Array(n);
  const ax = f.width / outW;
  const ay = f.height / outH;
  for (let y = 0; y < outH; y++) {
    const fy = (y + 0.5) * ay - 0.5;
    for (let x = 0; x < outW; x++) {
      const fx = (x + 0.5) * ax - 0.5;
      const i = y * outW + x;
      u[i] = sample(f.u, f.width, f.height, fx, fy) / ax;
      v[i] = sample(f.v, f.width, f.height, fx, fy) / ay;
      confidence[i] = sample(f.confidence, f.width, f.height, fx, fy);
    }
  }
  return { width: outW, height: outH, u, v, confidence };
}

/** softmax(scale·x) over each row of K, in place. */
export function softmaxRows(x: Float32Array, K: number, scale: number): void {
  for (let o = 0; o < x.length; o += K) {
    let m = -Infinity;
    for (let k = 0; k < K; k++) m = Math.max(m, x[o + k]!);
    let s = 0;
    for (let k = 0; k < K; k++) {
      const e = Math.exp(scale * (x[o + k]! - m));
      x[o + k] = e;
      s += e;
    }
    for (let k = 0; k < K; k++) x[o + k] = x[o + k]! / s;
  }
}

/** The carried state of one sequence. */
export class TemporalCarry {
  private prev: Float32Array | null = null;
  private prevW = 0;
  private prevH = 0;
  private sequence: string | null = null;
  private simMean = 0;
  private simCount = 0;
  /** Frames that started a new state (sequence starts and scene cuts), for the job's log. */
  resets = 0;
  cuts = 0;

  constructor(
    readonly K: number,
    private readonly carry: number = TEMPORAL_DEFAULTS.carry,
    private readonly cutDrop: number = TEMPORAL_DEFAULTS.cutDrop,
  ) {}

  /** True when the previous frame's state can be carried to this frame (same sequence, no cut). */
  continues(sequence: string, meanSimilarity: number | null): boolean {
    if (sequence !== this.sequence || this.prev === null) return false;
    if (meanSimilarity !== null && this.simCount > 0 && meanSimilarity < this.simMean - this.cutDrop) {
      this.cuts++;
      return false;
    }
    return true;
  }

  /**
   * Blends `probs` [h·w·K] of frame t in place with the carried state and makes it the new state.
   * `corr` null (or a reset) keeps frame t's own probabilities.
   */
  step(sequence: string, probs: Float32Array, width: number, height: number, corr: Correspondence | null, meanSimilarity: number | null): void {
    const K = this.K;
    const carried = corr !== null && this.continues(sequence, meanSimilarity) && this.prevW === width && this.prevH === height;
    if (!carried) {
      this.resets++;
      this.simMean = 0;
      this.simCount = 0;
    } else {
      const prev = this.prev!;
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const i = y * width + x;
          const c = this.carry * corr.confidence[i]!;
          if (c <= 0) continue;
          const px = x + corr.u[i]!;
          const py = y + corr.v[i]!;
          // a pixel that came from outside frame t−1 has nothing to carry
          if (px < -0.5 || py < -0.5 || px > width - 0.5 || py > height - 0.5) continue;
          const x0 = Math.max(0, Math.min(width - 1, Math.floor(px)));
          const y0 = Math.max(0, Math.min(height - 1, Math.floor(py)));
          const x1 = Math.min(width - 1, x0 + 1);
          const y1 = Math.min(height - 1, y0 + 1);
          const fx = Math.max(0, Math.min(1, px - x0));
          const fy = Math.max(0, Math.min(1, py - y0));
          const a = (y0 * width + x0) * K;
          const b = (y0 * width + x1) * K;
          const d = (y1 * width + x0) * K;
          const e = (y1 * width + x1) * K;
          const w00 = (1 - fx) * (1 - fy);
          const w01 = fx * (1 - fy);
          const w10 = (1 - fx) * fy;
          const w11 = fx * fy;
          const o = i * K;
          for (let k = 0; k < K; k++) {
            const q = w00 * prev[a + k]! + w01 * prev[b + k]! + w10 * prev[d + k]! + w11 * prev[e + k]!;
            probs[o + k] = (1 - c) * probs[o + k]! + c * q;
          }
        }
      }
    }
    if (meanSimilarity !== null) {
      this.simMean = (this.simMean * this.simCount + meanSimilarity) / (this.simCount + 1);
      this.simCount++;
    }
    this.sequence = sequence;
    this.prev = probs.slice();
    this.prevW = width;
    this.prevH = height;
  }
}

/** Argmax and max of [n·K] probabilities: cluster ids and confidence 0..255. */
export function argmaxProbabilities(probs: Float32Array, K: number, n: number): { clusters: Uint16Array; confidence: Uint8Array } {
  const clusters = new Uint16Array(n);
  const confidence = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * K;
    let best = 0;
    for (let k = 1; k < K; k++) if (probs[o + k]! > probs[o + best]!) best = k;
    clusters[i] = best;
    confidence[i] = Math.round(Math.min(1, probs[o + best]!) * 255);
  }
  return { clusters, confidence };
}
