// Label-free correspondences for temporal prediction, at the filter's resolution: where each pixel of
// frame t was in frame t−1, from patch feature matches or from a flow field, with a confidence. The
// filter that carries the scores along them is filter.ts.
import type { PixelRect } from '../cause/predict.js';
import type { PatchMatches } from './feature-match.js';
import { sample, type FlowField } from './optical-flow.js';

export const TEMPORAL_DEFAULTS = {
  /** Feature match cosine below which a patch match is not trusted at all; 1 is full confidence. */
  minSimilarity: 0.5,
} as const;

/** Where each output pixel of frame t was in frame t−1 (output pixels), and how sure that is (0..1). */
export interface Correspondence {
  readonly width: number;
  readonly height: number;
  readonly u: Float32Array;
  readonly v: Float32Array;
  readonly confidence: Float32Array;
  /** 1 where the pixel's own luma did not change since t−1 (flow mode with `stillBonus`). */
  readonly still?: Uint8Array;
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
  const still = f.still ? new Uint8Array(n) : undefined;
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
      if (still) still[i] = f.still![Math.min(f.height - 1, Math.max(0, Math.round(fy))) * f.width + Math.min(f.width - 1, Math.max(0, Math.round(fx)))]!;
    }
  }
  return { width: outW, height: outH, u, v, confidence, ...(still ? { still } : {}) };
}
