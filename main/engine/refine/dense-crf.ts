// Fully connected CRF (Krähenbühl & Koltun 2011) with mean-field inference, as the CAUSE release applies
// it at test time through pydensecrf: unary −log softmax(3·cos), a Gaussian kernel on position
// (sxy 1, Potts compat 3) and a bilateral kernel on position and colour (sxy 67, srgb 3, compat 4), both
// with densecrf's default symmetric normalisation (message = D^{-½} K D^{-½} Q, D = K·1), 10 iterations.
// The bilateral kernel runs on the permutohedral lattice (permutohedral.ts), as in densecrf. The
// Gaussian kernel is small (σ = 1 px), so it is filtered exactly and separably (taps within 3σ) — cheaper
// than a 2-D lattice and without its approximation. denseCrf runs the fused mean field of
// mean-field-plan.ts (denseCrfRefine: on two threads, crf-threads.ts, then resampled to the frame); denseCrfReference is the same
// mathematics written plainly, which the tests hold the fast path to.
import { PermutohedralLattice } from './permutohedral.js';
import { refineThreaded } from './crf-threads.js';
import type { LabelMap } from './resample.js';
import { bilateralFeatures, buildCrfPlan, gaussianTaps, runMeanField } from './mean-field-plan.js';

export interface CrfSettings {
  readonly iterations: number;
  readonly gaussian: { readonly sxy: number; readonly compat: number };
  readonly bilateral: { readonly sxy: number; readonly srgb: number; readonly compat: number };
  /** Unary = −log softmax(unaryScale · cos) (the release: 3). */
  readonly unaryScale: number;
}

/** The CAUSE release's dense_crf settings. */
export const REFERENCE_CRF: CrfSettings = {
  iterations: 10,
  gaussian: { sxy: 1, compat: 3 },
  bilateral: { sxy: 67, srgb: 3, compat: 4 },
  unaryScale: 3,
};

/** A linear filter over [points, channels] signals (a kernel matrix applied to every channel). */
export interface KernelFilter {
  filter(input: Float32Array, channels: number): Float32Array;
}

/** A Potts pairwise term: weight · normalised kernel. */
export interface PairwiseTerm {
  readonly kernel: KernelFilter;
  readonly compat: number;
}

/** Exact separable Gaussian over the pixel grid (σ in pixels), [points, channels] channel-last. */
export function gaussianGridFilter(width: number, height: number, sigma: number): KernelFilter {
  const taps = gaussianTaps(sigma);
  const radius = (taps.length - 1) / 2;
  return {
    filter(input, c) {
      const tmp = new Float32Array(input.length);
      const out = new Float32Array(input.length);
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const dst = (y * width + x) * c;
          const x0 = Math.max(0, x - radius);
          const x1 = Math.min(width - 1, x + radius);
          for (let xx = x0; xx <= x1; xx++) {
            const w = taps[xx - x + radius]!;
            const src = (y * width + xx) * c;
            for (let k = 0; k < c; k++) tmp[dst + k] = tmp[dst + k]! + w * input[src + k]!;
          }
        }
      }
      for (let y = 0; y < height; y++) {
        const y0 = Math.max(0, y - radius);
        const y1 = Math.min(height - 1, y + radius);
        for (let yy = y0; yy <= y1; yy++) {
          const w = taps[yy - y + radius]!;
          const src = yy * width * c;
          const dst = y * width * c;
          for (let i = 0; i < width * c; i++) out[dst + i] = out[dst + i]! + w * tmp[src + i]!;
        }
      }
      return out;
    },
  };
}

/** Bilateral kernel exp(−‖p_i − p_j‖²/2sxy² − ‖rgb_i − rgb_j‖²/2srgb²) on the permutohedral lattice. */
export function bilateralLatticeFilter(rgb: ArrayLike<number>, width: number, height: number, sxy: number, srgb: number): KernelFilter {
  const lattice = PermutohedralLattice.build(bilateralFeatures(rgb, width, height, sxy, srgb), 5);
  return { filter: (input, c) => lattice.filter(input, c) };
}

/** densecrf's NORMALIZE_SYMMETRIC: K̃ = D^{-½} K D^{-½} with D = K·1. */
export function symmetricNormalised(kernel: KernelFilter, points: number): KernelFilter {
  const deg = kernel.filter(new Float32Array(points).fill(1), 1);
  const norm = new Float32Array(points);
  for (let i = 0; i < points; i++) norm[i] = 1 / Math.sqrt(deg[i]! + 1e-20);
  return {
    filter(input, c) {
      const scaled = new Float32Array(input.length);
      for (let i = 0; i < points; i++) for (let k = 0; k < c; k++) scaled[i * c + k] = input[i * c + k]! * norm[i]!;
      const out = kernel.filter(scaled, c);
      for (let i = 0; i < points; i++) for (let k = 0; k < c; k++) out[i * c + k] = out[i * c + k]! * norm[i]!;
      return out;
    },
  };
}

/** Q_i = softmax(logits_i) per point, in place. */
function softmaxRows(logits: Float32Array, points: number, K: number): Float32Array {
  for (let i = 0; i < points; i++) {
    const o = i * K;
    let m = -Infinity;
    for (let k = 0; k < K; k++) m = Math.max(m, logits[o + k]!);
    let s = 0;
    for (let k = 0; k < K; k++) {
      const e = Math.exp(logits[o + k]! - m);
      logits[o + k] = e;
      s += e;
    }
    const inv = 1 / s;
    for (let k = 0; k < K; k++) logits[o + k] = logits[o + k]! * inv;
  }
  return logits;
}

/**
 * Mean-field inference of densecrf: Q ← softmax(−U + Σ_m compat_m · K̃_m Q) (Potts: a label is rewarded
 * by the kernel-weighted mass of the same label around it). `unary` [points, K] energies; returns Q.
 * `onIteration` sees every Q (tests check convergence and energy).
 */
export function meanField(
  unary: Float32Array,
  points: number,
  K: number,
  terms: readonly PairwiseTerm[],
  iterations: number,
  onIteration?: (it: number, Q: Float32Array) => void,
): Float32Array {
  let Q = softmaxRows(unary.map((u) => -u), points, K);
  for (let it = 0; it < iterations; it++) {
    const logits = unary.map((u) => -u);
    for (const t of terms) {
      const msg = t.kernel.filter(Q, K);
      for (let i = 0; i < logits.length; i++) logits[i] = logits[i]! + t.compat * msg[i]!;
    }
    Q = softmaxRows(logits, points, K);
    onIteration?.(it, Q);
  }
  return Q;
}

/** Unary energies −log max(softmax(scale·cos), 1e-5) (pydensecrf's unary_from_softmax clips at 1e-5). */
export function unaryFromCosines(cos: Float32Array, points: number, K: number, scale: number): Float32Array {
  const u = new Float32Array(cos.length);
  for (let i = 0; i < points; i++) {
    const o = i * K;
    let m = -Infinity;
    for (let k = 0; k < K; k++) m = Math.max(m, scale * cos[o + k]!);
    let s = 0;
    for (let k = 0; k < K; k++) s += Math.exp(scale * cos[o + k]! - m);
    const logZ = m + Math.log(s);
    for (let k = 0; k < K; k++) u[o + k] = -Math.max(scale * cos[o + k]! - logZ, Math.log(1e-5));
  }
  return u;
}

/**
 * One image's CRF problem: `cos` [points, K] cosines of each pixel's embedding to the centroids, `rgb`
 * packed 8-bit RGB of the same width × height.
 */
export interface CrfImage {
  readonly cos: Float32Array;
  readonly rgb: ArrayLike<number>;
  readonly width: number;
  readonly height: number;
  readonly K: number;
}

/** How a CRF runs: the settings (default the release's), a scale for the spatial σs, the threads. */
export interface CrfRun {
  readonly settings?: CrfSettings;
  /** Multiplies the spatial σs (sxy), for an image at another scale than the one the settings were written for. */
  readonly pixelScale?: number;
  /** Threads of the threaded entry points (default: 2 where the machine has them). */
  readonly threads?: number;
}

/** The kernels and unary of the reference CRF on one image (see denseCrf), checked and unscaled. */
function crfInput({ cos, rgb, width, height, K }: CrfImage, { settings = REFERENCE_CRF, pixelScale = 1 }: CrfRun) {
  const n = width * height;
  if (cos.length !== n * K) throw new Error(`dense CRF: ${cos.length} cosines are not ${width}×${height} pixels × ${K} clusters`);
  if (rgb.length !== n * 3) throw new Error(`dense CRF: ${rgb.length} colour values are not ${width}×${height} RGB pixels`);
  return {
    rgb,
    width,
    height,
    K,
    unary: unaryFromCosines(cos, n, K, settings.unaryScale),
    gaussian: { sxy: settings.gaussian.sxy * pixelScale, compat: settings.gaussian.compat },
    bilateral: { sxy: settings.bilateral.sxy * pixelScale, srgb: settings.bilateral.srgb, compat: settings.bilateral.compat },
  };
}

const iterationsOf = (run: CrfRun) => (run.settings ?? REFERENCE_CRF).iterations;

/**
 * The reference CRF on one image; returns Q [points, K]. Runs the fused mean field of mean-field-plan.ts
 * on this thread (denseCrfRefine splits it over two).
 */
export function denseCrf(image: CrfImage, run: CrfRun = {}): Float32Array {
  const plan = buildCrfPlan(crfInput(image, run), 1);
  return runMeanField(plan, iterationsOf(run));
}

/**
 * The CRF on `run.threads` threads (crf-threads.ts) followed by the marginals' bilinear resampling to outW×outH and argmax
 * (resample.ts), the resampling split by rows over the same threads.
 */
export async function denseCrfRefine(image: CrfImage, outW: number, outH: number, run: CrfRun = {}): Promise<LabelMap> {
  return refineThreaded(crfInput(image, run), iterationsOf(run), outW, outH, run.threads);
}

/**
 * The same CRF written plainly (kernel filters, separate normalisation, allocation per step): the
 * readable reference the fast path is tested against.
 */
export function denseCrfReference(image: CrfImage, run: CrfRun = {}): Float32Array {
  const input = crfInput(image, run);
  const { width, height, rgb, K } = image;
  const n = width * height;
  const terms: PairwiseTerm[] = [
    { kernel: symmetricNormalised(gaussianGridFilter(width, height, input.gaussian.sxy), n), compat: input.gaussian.compat },
    { kernel: symmetricNormalised(bilateralLatticeFilter(rgb, width, height, input.bilateral.sxy, input.bilateral.srgb), n), compat: input.bilateral.compat },
  ];
  return meanField(input.unary, n, K, terms, iterationsOf(run));
}
