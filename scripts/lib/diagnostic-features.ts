// DIAGNOSTIC, never the product path: features of controlled semantic quality built from a demo
// workspace's labels (see scripts/feature-quality.ts for the formula and its reading). Per patch token t
// of frame f:  x_t = α · ( Σ_c h_t[c] · (E_c + δ_{f,c}) + σ_n · ε_t ) + (1 − α) · b̂_t.
// Labels are read here to build the features and the patch class histograms; training functions that
// consume the result receive a FeatureSource (features only).
import { centreCropRegion } from '../../main/engine/cause/predict.js';
import type { FeatureSource } from '../../main/engine/cause/features.js';
import { Prng } from '../../shared/random.js';
import type { DemoWorkspace, GridSource } from './demo-eval.js';

export interface DiagnosticFeatures {
  /** Frames × grid tokens × classes: each patch's class histogram (fractions of its labelled pixels). */
  readonly hist: Float32Array;
  readonly N: number;
  readonly T: number;
  readonly C: number;
  readonly D: number;
  /** The features at one α. */
  build(alpha: number): Float32Array;
  /** FeatureSource and GridSource over built features. */
  sources(feats: Float32Array): { source: FeatureSource; grids: GridSource };
}

/**
 * Frames × grid tokens × classes: each patch's class histogram (fractions of its labelled pixels), for the
 * labelled frames of `ws` in order. Pixel (px, py) belongs to patch (gx, gy) when its centre falls in that
 * patch of the centre-crop region (centreCropRegion, as in predict); pixels outside it or ignored don't count.
 */
export function patchClassHistograms(ws: DemoWorkspace): Float32Array {
  const { set, protocol, labels } = ws;
  const { h, w } = set.grid;
  const T = h * w;
  const C = protocol.classNames.length;
  const N = ws.labelled.length;
  const hist = new Float32Array(N * T * C);
  labels.forEach((lab, j) => {
    const reg = centreCropRegion(lab.width, lab.height, set.preprocessing.width, set.preprocessing.height);
    const cnt = new Float32Array(T);
    for (let py = 0; py < lab.height; py++) {
      const gy = Math.floor(((py + 0.5 - reg.y) / reg.height) * h);
      if (gy < 0 || gy >= h) continue;
      for (let px = 0; px < lab.width; px++) {
        const gx = Math.floor(((px + 0.5 - reg.x) / reg.width) * w);
        if (gx < 0 || gx >= w) continue;
        const c = protocol.lut[lab.data[py * lab.width + px]!]!;
        if (c >= C) continue;
        const t = gy * w + gx;
        hist[(j * T + t) * C + c]! += 1;
        cnt[t]! += 1;
      }
    }
    for (let t = 0; t < T; t++) if (cnt[t]! > 0) for (let c = 0; c < C; c++) hist[(j * T + t) * C + c]! /= cnt[t]!;
  });
  return hist;
}

/**
 * `drawSeed`: where the per-frame offsets δ and the token noise ε come from (default: the featureSeed
 * stream, after E). A held-out world is built with the same class embeddings E (same featureSeed) and its
 * own δ, ε (another drawSeed), so it is the same feature family without sharing the training world's noise.
 */
export function diagnosticFeatures(ws: DemoWorkspace, o: { frameVar: number; noise: number; featureSeed: number; drawSeed?: number }): DiagnosticFeatures {
  const { set, protocol, labelled } = ws;
  const { h, w } = set.grid;
  const D = set.dim;
  const T = h * w;
  const C = protocol.classNames.length;
  const N = labelled.length;
  if (N !== set.items.length) throw new Error(`${set.id}: ${set.items.length} items but ${N} labelled crop-0 frames; this diagnostic needs one labelled frame per item`);
  const hist = patchClassHistograms(ws);
  // Standardisation of the builtin tokens (per channel, over all tokens of the set).
  const mean = new Float64Array(D);
  const sq = new Float64Array(D);
  for (let i = 0; i < N; i++) {
    const g = set.read(ws.itemOf.get(labelled[i]!.id)!);
    for (let t = 0; t < T; t++)
      for (let d = 0; d < D; d++) {
        const v = g[t * D + d]!;
        mean[d]! += v;
        sq[d]! += v * v;
      }
  }
  const std = new Float64Array(D);
  for (let d = 0; d < D; d++) {
    mean[d]! /= N * T;
    std[d] = Math.sqrt(Math.max(1e-12, sq[d]! / (N * T) - mean[d]! * mean[d]!));
  }
  // Fixed draws (independent of α and of the training seed) so the α curve compares one feature family.
  const rng = new Prng(o.featureSeed);
  const E = rng.normalArray(C * D, 1);
  const draws = o.drawSeed === undefined ? rng : new Prng(o.drawSeed);
  const delta = draws.normalArray(N * C * D, o.frameVar);
  const eps = draws.normalArray(N * T * D, 1);
  const build = (alpha: number): Float32Array => {
    const out = new Float32Array(N * T * D);
    for (let j = 0; j < N; j++) {
      const g = set.read(ws.itemOf.get(labelled[j]!.id)!);
      for (let t = 0; t < T; t++) {
        const q = (j * T + t) * D;
        const hb = (j * T + t) * C;
        for (let d = 0; d < D; d++) out[q + d] = (1 - alpha) * ((g[t * D + d]! - mean[d]!) / std[d]!) + alpha * o.noise * eps[q + d]!;
        if (alpha === 0) continue;
        for (let c = 0; c < C; c++) {
          const p = hist[hb + c]!;
          if (p === 0) continue;
          const a = alpha * p;
          const eb = c * D;
          const db = (j * C + c) * D;
          for (let d = 0; d < D; d++) out[q + d]! += a * (E[eb + d]! + delta[db + d]!);
        }
      }
    }
    return out;
  };
  const sources = (feats: Float32Array) => {
    const source: FeatureSource = { count: N, h, w, dim: D, read: (i) => feats.subarray(i * T * D, (i + 1) * T * D) };
    const grids: GridSource = { h, w, dim: D, inputWidth: set.preprocessing.width, inputHeight: set.preprocessing.height, grid: (j) => source.read(j) };
    return { source, grids };
  };
  return { hist, N, T, C, D, build, sources };
}
