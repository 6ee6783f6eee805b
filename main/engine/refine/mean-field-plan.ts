// The fast mean field of the dense CRF: the same mathematics as meanField() over symmetricNormalised()
// kernels in dense-crf.ts (which stays as the readable reference the tests compare against), with
// everything that does not change between iterations computed once per frame, and the work split so
// two threads can share it without writing to the same cache lines.
// Why this shape:
// - the lattice (vertices, blur neighbours, barycentric weights) is built once; the symmetric
//   normalisation D^{-½} and the Potts weight are folded into the splat and slice weights, and the
//   Gaussian's D^{-½} into its per-tap weights, so an iteration is splat → blur → slice → grid filter →
//   softmax with no separate scaling passes and no allocation;
// - the K labels are cut into parts (one per thread); each part has its own lattice buffers and its own
//   channel-last planes [points, part channels], so the threads never write the same memory; only the
//   softmax needs every label of a pixel, and it is split by pixel rows instead;
// - the buffers can live on SharedArrayBuffers, which is how crf-threads.ts hands them to a worker.
import { blurChains, blurInPlace, PermutohedralLattice } from './permutohedral.js';
import { upsampleArgmaxRows, type LabelMap } from './resample.js';

/** One thread's labels [k0, k1) and its planes. */
export interface CrfPart {
  readonly k0: number;
  readonly k1: number;
  /** −unary of its labels, [points, k1 − k0]. */
  readonly negUnary: Float32Array;
  /** The next iteration's logits of its labels, [points, k1 − k0]. */
  readonly logits: Float32Array;
  /** The Gaussian's horizontal pass, [points, k1 − k0]. */
  readonly rows: Float32Array;
  /** Lattice values, [(vertices + 1), k1 − k0] (vertex 0 is the always-zero 'absent' neighbour). */
  readonly values: Float32Array;
  /** The blur's carry: the previous vertex's old values, k1 − k0. */
  readonly carry: Float32Array;
}

/** Everything one frame's mean field reads, precomputed; Q is the marginals [points, K]. */
export interface CrfPlan {
  readonly width: number;
  readonly height: number;
  readonly K: number;
  /** d + 1 lattice vertices per pixel (6 for x, y, r, g, b). */
  readonly d1: number;
  readonly vertices: number;
  /** Per pixel, its d + 1 lattice vertices (index + 1). */
  readonly offsets: Int32Array;
  /** Splat weights: barycentric · D_b^{-½}. */
  readonly splatWeights: Float32Array;
  /** Slice weights: barycentric · lattice gain · bilateral compat · D_b^{-½}. */
  readonly sliceWeights: Float32Array;
  /** The blur's lines of linked vertices (permutohedral.ts blurChains). */
  readonly chains: Int32Array;
  /** The Gaussian's D_g^{-½} per pixel, its taps and their radius, its Potts weight. */
  readonly gaussianNorm: Float32Array;
  readonly taps: Float32Array;
  readonly radius: number;
  readonly gaussianCompat: number;
  readonly Q: Float32Array;
  readonly parts: readonly CrfPart[];
}

export interface CrfPlanInput {
  readonly rgb: ArrayLike<number>;
  readonly width: number;
  readonly height: number;
  readonly K: number;
  readonly unary: Float32Array;
  readonly gaussian: { readonly sxy: number; readonly compat: number };
  readonly bilateral: { readonly sxy: number; readonly srgb: number; readonly compat: number };
}

/**
 * Gaussian taps exp(−t²/2σ²) for |t| ≤ 3σ (at least 1): every tap down to exp(−4.5) ≈ 1 % of the
 * centre, none below it (gaussianGridFilter uses the same).
 */
export function gaussianTaps(sigma: number): Float32Array {
  const radius = Math.max(1, Math.floor(3 * sigma + 1e-9));
  const taps = new Float32Array(2 * radius + 1);
  for (let t = -radius; t <= radius; t++) taps[t + radius] = Math.exp(-(t * t) / (2 * sigma * sigma));
  return taps;
}

/** The 5-D bilateral features (x/sxy, y/sxy, r/srgb, g/srgb, b/srgb), densecrf's DenseCRF2D layout. */
export function bilateralFeatures(rgb: ArrayLike<number>, width: number, height: number, sxy: number, srgb: number): Float32Array {
  const f = new Float32Array(width * height * 5);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      f[i * 5] = x / sxy;
      f[i * 5 + 1] = y / sxy;
      f[i * 5 + 2] = rgb[i * 3]! / srgb;
      f[i * 5 + 3] = rgb[i * 3 + 1]! / srgb;
      f[i * 5 + 4] = rgb[i * 3 + 2]! / srgb;
    }
  }
  return f;
}

/** Label ranges for `parts` threads: as even as K allows. */
export function labelRanges(K: number, parts: number): [number, number][] {
  const p = Math.max(1, Math.min(parts, K));
  return Array.from({ length: p }, (_, i) => [Math.round((i * K) / p), Math.round(((i + 1) * K) / p)]);
}

/**
 * Builds the plan of one frame. `alloc` makes every float/int buffer (a SharedArrayBuffer-backed one for
 * threads). The unary is copied, negated, into the parts' planes.
 */
export function buildCrfPlan(input: CrfPlanInput, parts: number, alloc: (bytes: number) => ArrayBufferLike = (b) => new ArrayBuffer(b)): CrfPlan {
  const { width, height, K, unary } = input;
  const n = width * height;
  const f32 = (len: number) => new Float32Array(alloc(len * 4));
  const lattice = PermutohedralLattice.build(bilateralFeatures(input.rgb, width, height, input.bilateral.sxy, input.bilateral.srgb), 5);
  const d1 = lattice.d + 1;
  const V = lattice.vertices;
  const lines = blurChains(lattice.neighbours, V, d1);
  const chainsShared = new Int32Array(alloc(lines.length * 4));
  chainsShared.set(lines);
  // densecrf's NORMALIZE_SYMMETRIC: D = K·1 through the same lattice, then 1/√D on both sides.
  const degree = latticeDegree(lattice.offsets, lattice.weights, n, d1, V, lines, lattice.gain);
  const alpha = lattice.gain;
  const offsets = new Int32Array(alloc(n * d1 * 4));
  offsets.set(lattice.offsets);
  const splatWeights = f32(n * d1);
  const sliceWeights = f32(n * d1);
  for (let p = 0; p < n; p++) {
    const norm = 1 / Math.sqrt(degree[p]! + 1e-20);
    for (let r = 0; r < d1; r++) {
      const w = lattice.weights[p * d1 + r]!;
      splatWeights[p * d1 + r] = w * norm;
      sliceWeights[p * d1 + r] = w * alpha * input.bilateral.compat * norm;
    }
  }
  // The Gaussian on the grid is separable, and so is its degree: D_g(x, y) = Σ_dx taps · Σ_dy taps.
  const taps = gaussianTaps(input.gaussian.sxy);
  const radius = (taps.length - 1) / 2;
  const along = (size: number) =>
    Float64Array.from({ length: size }, (_, i) => {
      let s = 0;
      for (let t = Math.max(0, i - radius); t <= Math.min(size - 1, i + radius); t++) s += taps[t - i + radius]!;
      return s;
    });
  const [sx, sy] = [along(width), along(height)];
  const gaussianNorm = f32(n);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) gaussianNorm[y * width + x] = 1 / Math.sqrt(sx[x]! * sy[y]! + 1e-20);
  const planes = labelRanges(K, parts).map(([k0, k1]): CrfPart => {
    const kc = k1 - k0;
    const negUnary = f32(n * kc);
    for (let p = 0; p < n; p++) for (let k = 0; k < kc; k++) negUnary[p * kc + k] = -unary[p * K + k0 + k]!;
    return { k0, k1, negUnary, logits: f32(n * kc), rows: f32(n * kc), values: f32((V + 1) * kc), carry: f32(kc) };
  });
  return {
    width,
    height,
    K,
    d1,
    vertices: V,
    offsets,
    splatWeights,
    sliceWeights,
    chains: chainsShared,
    gaussianNorm,
    taps,
    radius,
    gaussianCompat: input.gaussian.compat,
    Q: f32(n * K),
    parts: planes,
  };
}

/**
 * One part's pairwise messages for the current Q: logits = −U + w_b·K̃_b Q + w_g·K̃_g Q over its labels.
 * Reads Q (all threads' shared input), writes only the part's own planes.
 */
export function partMessages(plan: CrfPlan, part: CrfPart): void {
  const lattice = splatBlur(plan, part);
  sliceLogits(plan, part, lattice);
  gaussianMessages(plan, part);
}

/** Bilateral: Q's part splatted onto the lattice and blurred; returns the buffer holding the result. */
export function splatBlur(plan: CrfPlan, part: CrfPart): Float32Array {
  splatPart(plan, part);
  // Blur with [½ 1 ½] along each lattice direction, in place (vertex 0 stays zero).
  blurInPlace(part.values, part.k1 - part.k0, plan.chains, part.carry);
  return part.values;
}

/** Q's labels of the part splatted onto its lattice values. */
export function splatPart(plan: CrfPlan, part: CrfPart): void {
  const { width: W, height: H, K, d1, offsets, splatWeights, Q } = plan;
  const { k0, values } = part;
  const kc = part.k1 - part.k0;
  const n = W * H;
  values.fill(0);
  for (let p = 0; p < n; p++) {
    const src = p * K + k0;
    for (let r = 0; r < d1; r++) {
      const o = offsets[p * d1 + r]! * kc;
      const w = splatWeights[p * d1 + r]!;
      for (let k = 0; k < kc; k++) values[o + k] = values[o + k]! + w * Q[src + k]!;
    }
  }
}

/** D = K·1 through the lattice (splat ones, blur, slice with the lattice gain), per point. */
function latticeDegree(offsets: Int32Array, weights: Float32Array, n: number, d1: number, V: number, chains: Int32Array, gain: number): Float32Array {
  const values = new Float32Array(V + 1);
  for (let p = 0; p < n; p++) for (let r = 0; r < d1; r++) values[offsets[p * d1 + r]!] = values[offsets[p * d1 + r]!]! + weights[p * d1 + r]!;
  blurInPlace(values, 1, chains, new Float32Array(1));
  const degree = new Float32Array(n);
  for (let p = 0; p < n; p++) {
    let s = 0;
    // Rounded to float32 per step, as PermutohedralLattice.filter's output buffer does.
    for (let r = 0; r < d1; r++) s = Math.fround(s + weights[p * d1 + r]! * gain * values[offsets[p * d1 + r]!]!);
    degree[p] = s;
  }
  return degree;
}

/** Slices the blurred lattice back, starting the part's logits from −U. */
export function sliceLogits(plan: CrfPlan, part: CrfPart, values: Float32Array): void {
  const { width: W, height: H, d1, offsets, sliceWeights } = plan;
  const { negUnary, logits } = part;
  const kc = part.k1 - part.k0;
  const n = W * H;
  for (let p = 0; p < n; p++) {
    const dst = p * kc;
    for (let k = 0; k < kc; k++) logits[dst + k] = negUnary[dst + k]!;
    for (let r = 0; r < d1; r++) {
      const o = offsets[p * d1 + r]! * kc;
      const w = sliceWeights[p * d1 + r]!;
      for (let k = 0; k < kc; k++) logits[dst + k] = logits[dst + k]! + w * values[o + k]!;
    }
  }
}

/** Gaussian on the grid, exact and separable, D_g^{-½} folded into the tap weights; adds to the logits. */
export function gaussianMessages(plan: CrfPlan, part: CrfPart): void {
  const { width: W, height: H, K, Q } = plan;
  const { k0, logits } = part;
  const kc = part.k1 - part.k0;
  const { gaussianNorm: g, taps, radius: R, gaussianCompat: cg } = plan;
  const rows = part.rows;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const dst = (y * W + x) * kc;
      for (let k = 0; k < kc; k++) rows[dst + k] = 0;
      const x1 = Math.min(W - 1, x + R);
      for (let xx = Math.max(0, x - R); xx <= x1; xx++) {
        const q = y * W + xx;
        const w = taps[xx - x + R]! * g[q]!;
        const src = q * K + k0;
        for (let k = 0; k < kc; k++) rows[dst + k] = rows[dst + k]! + w * Q[src + k]!;
      }
    }
  }
  for (let y = 0; y < H; y++) {
    const y1 = Math.min(H - 1, y + R);
    for (let yy = Math.max(0, y - R); yy <= y1; yy++) {
      const t = cg * taps[yy - y + R]!;
      for (let x = 0; x < W; x++) {
        const w = t * g[y * W + x]!;
        const dst = (y * W + x) * kc;
        const src = (yy * W + x) * kc;
        for (let k = 0; k < kc; k++) logits[dst + k] = logits[dst + k]! + w * rows[src + k]!;
      }
    }
  }
}

const LN2 = Math.LN2;
/** 2^−i for i = 0 … 149 (below that a float32 marginal is 0 anyway). */
const POW2_NEG = Float64Array.from({ length: 150 }, (_, i) => 2 ** -i);

/**
 * e^x for x ≤ 0, relative error < 1e-7 (below float32's resolution): 2^(x·log2 e) as a power of two from
 * a table times 2^f, f ∈ [0, 1), by its Taylor series to degree 9. Math.exp was a fifth of the mean
 * field's time; this is a handful of multiplications.
 */
export function expNonPositive(x: number): number {
  const t = x * Math.LOG2E;
  if (t <= -149) return 0;
  const i = Math.floor(t);
  const z = (t - i) * LN2;
  const p = 1 + z * (1 + z * (1 / 2 + z * (1 / 6 + z * (1 / 24 + z * (1 / 120 + z * (1 / 720 + z * (1 / 5040 + z * (1 / 40320 + z / 362880))))))));
  return POW2_NEG[-i]! * p;
}

/** Q = softmax(logits) for pixels [p0, p1), gathering each pixel's labels from every part (or from −U). */
export function softmaxPixels(plan: CrfPlan, p0: number, p1: number, fromUnary = false): void {
  const { K, Q, parts } = plan;
  for (let p = p0; p < p1; p++) {
    const q = p * K;
    for (const part of parts) {
      const kc = part.k1 - part.k0;
      const src = fromUnary ? part.negUnary : part.logits;
      const s = p * kc;
      for (let k = 0; k < kc; k++) Q[q + part.k0 + k] = src[s + k]!;
    }
    let m = -Infinity;
    for (let k = 0; k < K; k++) if (Q[q + k]! > m) m = Q[q + k]!;
    let sum = 0;
    for (let k = 0; k < K; k++) {
      const e = expNonPositive(Q[q + k]! - m);
      Q[q + k] = e;
      sum += e;
    }
    const inv = 1 / sum;
    for (let k = 0; k < K; k++) Q[q + k] = Q[q + k]! * inv;
  }
}

/** The whole mean field on this thread (every part in turn); returns plan.Q. */
export function runMeanField(plan: CrfPlan, iterations: number): Float32Array {
  const n = plan.width * plan.height;
  softmaxPixels(plan, 0, n, true);
  for (let it = 0; it < iterations; it++) {
    for (const part of plan.parts) partMessages(plan, part);
    softmaxPixels(plan, 0, n);
  }
  return plan.Q;
}

/** The rows of pixels thread `t` of `threads` normalises (whole rows, as even as the height allows). */
export function pixelShare(plan: CrfPlan, t: number, threads: number): [number, number] {
  const rows = (i: number) => Math.round((i * plan.height) / threads) * plan.width;
  return [rows(t), rows(t + 1)];
}

/**
 * Thread `t`'s share of the mean field when plan.parts.length threads run it together: the messages of
 * its own labels, then the softmax of its own pixels, with `barrier` between the phases (every thread
 * must have finished writing what the next phase reads). With `out`, then its share of the output rows
 * of the resampling to the frame (resample.ts), and a last barrier.
 */
export function runMeanFieldShare(plan: CrfPlan, iterations: number, t: number, barrier: () => void, out?: LabelMap): void {
  const threads = plan.parts.length;
  const [p0, p1] = pixelShare(plan, t, threads);
  softmaxPixels(plan, p0, p1, true);
  barrier();
  for (let it = 0; it < iterations; it++) {
    partMessages(plan, plan.parts[t]!);
    barrier();
    softmaxPixels(plan, p0, p1);
    barrier();
  }
  if (out) {
    const rows = (i: number) => Math.round((i * out.height) / threads);
    upsampleArgmaxRows(plan.Q, plan.width, plan.height, plan.K, out, rows(t), rows(t + 1));
    barrier();
  }
}
