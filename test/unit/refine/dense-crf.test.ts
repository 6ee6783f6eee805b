// The permutohedral lattice against a brute-force Gaussian filter, and the dense CRF's mean field
// against brute-force kernels: it lowers the CRF energy of the labelling, converges, and cleans a noisy
// labelling along colour edges.
import { describe, expect, it } from 'vitest';
import { PermutohedralLattice } from '../../../main/engine/refine/permutohedral.js';
import { meanFieldThreaded, stopCrfHelper } from '../../../main/engine/refine/crf-threads.js';
import { expNonPositive } from '../../../main/engine/refine/mean-field-plan.js';
import {
  bilateralLatticeFilter,
  denseCrf,
  denseCrfReference,
  gaussianGridFilter,
  meanField,
  REFERENCE_CRF,
  symmetricNormalised,
  unaryFromCosines,
  type KernelFilter,
} from '../../../main/engine/refine/dense-crf.js';
import { Prng } from '../../../shared/random.js';

/** Σ_j exp(−‖f_i − f_j‖²/2σ²) in_j, every pair. */
function bruteGaussian(features: Float32Array, d: number, sigma = 1): KernelFilter {
  const n = features.length / d;
  return {
    filter(input, c) {
      const out = new Float32Array(n * c);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let k = 0; k < d; k++) s += (features[i * d + k]! - features[j * d + k]!) ** 2;
          const w = Math.exp(-s / (2 * sigma * sigma));
          for (let k = 0; k < c; k++) out[i * c + k] = out[i * c + k]! + w * input[j * c + k]!;
        }
      }
      return out;
    },
  };
}

/** A small image of colour regions with noise, and its features (x, y, r, g, b)/σ. */
function regions(width: number, height: number, seed: number) {
  const rng = new Prng(seed);
  const n = width * height;
  const rgb = new Uint8Array(n * 3);
  const truth = new Int32Array(n);
  const palette = [
    [200, 40, 40],
    [40, 180, 60],
    [50, 60, 210],
  ];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const l = x < width / 3 ? 0 : y < height / 2 ? 1 : 2;
      truth[y * width + x] = l;
      for (let c = 0; c < 3; c++) rgb[(y * width + x) * 3 + c] = Math.max(0, Math.min(255, palette[l]![c]! + Math.round(4 * rng.normal())));
    }
  }
  return { rgb, truth, n };
}

function latticeFeatures(rgb: Uint8Array, width: number, height: number, sxy: number, srgb: number): Float32Array {
  const f = new Float32Array(width * height * 5);
  for (let i = 0; i < width * height; i++) {
    f[i * 5] = (i % width) / sxy;
    f[i * 5 + 1] = Math.floor(i / width) / sxy;
    for (let c = 0; c < 3; c++) f[i * 5 + 2 + c] = rgb[i * 3 + c]! / srgb;
  }
  return f;
}

/** Mean |a − b| of two normalised filter results (each divided by its filtered ones). */
function normalisedGap(a: KernelFilter, b: KernelFilter, values: Float32Array, n: number): number {
  const ones = new Float32Array(n).fill(1);
  const [fa, fb, na, nb] = [a.filter(values, 1), b.filter(values, 1), a.filter(ones, 1), b.filter(ones, 1)];
  let gap = 0;
  for (let i = 0; i < n; i++) gap += Math.abs(fa[i]! / na[i]! - fb[i]! / nb[i]!);
  return gap / n;
}

describe('permutohedral lattice', () => {
  it('filters like a brute-force Gaussian in 5-D (x, y, r, g, b), and a wrong σ is visibly different', () => {
    const [W, H] = [18, 14];
    const { rgb, n } = regions(W, H, 3);
    const f = latticeFeatures(rgb, W, H, 4, 8);
    const lattice = PermutohedralLattice.build(f, 5);
    const rng = new Prng(5);
    const values = Float32Array.from({ length: n }, (_, i) => ((i % W) / W) + 0.3 * rng.next());
    const viaLattice = { filter: (v: Float32Array, c: number) => lattice.filter(v, c) };
    const exact = normalisedGap(viaLattice, bruteGaussian(f, 5), values, n);
    const wrong = normalisedGap(viaLattice, bruteGaussian(f, 5, 3), values, n);
    expect(exact).toBeLessThan(0.03);
    expect(wrong).toBeGreaterThan(2 * exact);
  });

  it('keeps a constant signal constant after normalisation and handles any channel count', () => {
    const { rgb, n } = regions(10, 8, 4);
    const lattice = PermutohedralLattice.build(latticeFeatures(rgb, 10, 8, 3, 5), 5);
    const two = new Float32Array(n * 2);
    for (let i = 0; i < n; i++) [two[2 * i], two[2 * i + 1]] = [1, 0.5];
    const out = lattice.filter(two, 2);
    for (let i = 0; i < n; i++) expect(out[2 * i + 1]! / out[2 * i]!).toBeCloseTo(0.5, 5);
    expect(() => lattice.filter(new Float32Array(n * 2 + 1), 2)).toThrow(/not/);
  });

  it('the separable Gaussian grid filter equals the brute-force spatial Gaussian (within its 3σ truncation)', () => {
    const [W, H] = [9, 7];
    const n = W * H;
    const f = new Float32Array(n * 2);
    for (let i = 0; i < n; i++) [f[2 * i], f[2 * i + 1]] = [i % W, Math.floor(i / W)];
    const rng = new Prng(2);
    const v = rng.normalArray(n * 3);
    const a = gaussianGridFilter(W, H, 1).filter(v, 3);
    const b = bruteGaussian(f, 2).filter(v, 3);
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThan(0.02);
  });
});

/** CRF energy of a labelling: Σ U_i(x_i) + Σ_{i<j} Σ_m compat_m K̃_m(i,j) [x_i ≠ x_j], with brute-force kernels. */
function energy(labels: Int32Array, unary: Float32Array, K: number, terms: { kernel: KernelFilter; compat: number }[]): number {
  const n = labels.length;
  let e = 0;
  for (let i = 0; i < n; i++) e += unary[i * K + labels[i]!]!;
  const onehot = new Float32Array(n * K);
  for (let i = 0; i < n; i++) onehot[i * K + labels[i]!] = 1;
  for (const t of terms) {
    const msg = t.kernel.filter(onehot, K);
    const ones = t.kernel.filter(new Float32Array(n * K).fill(1), K);
    // Σ_{i≠j} K̃ij [xi ≠ xj] = Σ_i (Σ_j K̃ij − Σ_j K̃ij [xj = xi]); halved for pairs i < j.
    for (let i = 0; i < n; i++) e += (t.compat * (ones[i * K]! - msg[i * K + labels[i]!]!)) / 2;
  }
  return e;
}

const argmax = (Q: Float32Array, n: number, K: number) =>
  Int32Array.from({ length: n }, (_, i) => {
    let b = 0;
    for (let k = 1; k < K; k++) if (Q[i * K + k]! > Q[i * K + b]!) b = k;
    return b;
  });

describe('dense CRF (mean field)', () => {
  const [W, H, K] = [21, 16, 3];
  const { rgb, truth, n } = regions(W, H, 7);
  const rng = new Prng(11);
  // Noisy cosines: the true label a little ahead on average, so the unary alone mislabels many pixels.
  const cos = new Float32Array(n * K);
  for (let i = 0; i < n; i++) for (let k = 0; k < K; k++) cos[i * K + k] = (k === truth[i] ? 0.15 : 0) + 0.3 * rng.normal();
  const settings = { ...REFERENCE_CRF, bilateral: { sxy: 8, srgb: 10, compat: 4 } };
  const accuracy = (labels: Int32Array) => labels.reduce((a, l, i) => a + (l === truth[i] ? 1 : 0), 0) / n;

  it('lowers the energy of the labelling and converges, with exact kernels', () => {
    const f = latticeFeatures(rgb, W, H, settings.bilateral.sxy, settings.bilateral.srgb);
    const fxy = new Float32Array(n * 2);
    for (let i = 0; i < n; i++) [fxy[2 * i], fxy[2 * i + 1]] = [i % W, Math.floor(i / W)];
    const terms = [
      { kernel: symmetricNormalised(bruteGaussian(fxy, 2), n), compat: 3 },
      { kernel: symmetricNormalised(bruteGaussian(f, 5), n), compat: 4 },
    ];
    const unary = unaryFromCosines(cos, n, K, 3);
    const changes: number[] = [];
    let prev: Float32Array | null = null;
    const Q = meanField(unary, n, K, terms, 10, (_, q) => {
      if (prev) changes.push(q.reduce((m, v, i) => Math.max(m, Math.abs(v - prev![i]!)), 0));
      prev = Float32Array.from(q);
    });
    const before = energy(argmax(unary.map((u) => -u), n, K), unary, K, terms);
    const after = energy(argmax(Q, n, K), unary, K, terms);
    expect(after).toBeLessThan(before);
    expect(changes.at(-1)!).toBeLessThan(1e-3);
    expect(changes.at(-1)!).toBeLessThan(changes[0]!);
  });

  it('the lattice CRF cleans the noisy labelling along the colour regions', () => {
    const unaryLabels = argmax(cos, n, K);
    const Q = denseCrf({ cos, rgb, width: W, height: H, K }, { settings });
    expect(accuracy(unaryLabels)).toBeLessThan(0.8);
    expect(accuracy(argmax(Q, n, K))).toBeGreaterThan(0.97);
    for (let i = 0; i < n; i++) expect(Math.abs(Q.subarray(i * K, i * K + K).reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-5);
  });

  it('the fused mean field equals the plain reference (kernels, normalisation, mean field) to float rounding', () => {
    // Release settings at a scale where every kernel matters on a 21×16 image.
    const s = { ...REFERENCE_CRF, gaussian: { sxy: 1.3, compat: 3 }, bilateral: { sxy: 6, srgb: 12, compat: 4 } };
    const fast = denseCrf({ cos, rgb, width: W, height: H, K }, { settings: s });
    const slow = denseCrfReference({ cos, rgb, width: W, height: H, K }, { settings: s });
    let gap = 0;
    for (let i = 0; i < fast.length; i++) gap = Math.max(gap, Math.abs(fast[i]! - slow[i]!));
    expect(gap).toBeLessThan(1e-5);
    // …and the result is not the unary's: the comparison can fail.
    const unaryQ = denseCrf({ cos, rgb, width: W, height: H, K }, { settings: { ...s, iterations: 0 } });
    let moved = 0;
    for (let i = 0; i < fast.length; i++) moved = Math.max(moved, Math.abs(fast[i]! - unaryQ[i]!));
    expect(moved).toBeGreaterThan(0.1);
  });

  it('two threads (a helper worker on shared memory) give the same marginals as one', async () => {
    const input = { rgb, width: W, height: H, K, unary: unaryFromCosines(cos, n, K, 3), gaussian: { sxy: 1, compat: 3 }, bilateral: settings.bilateral };
    try {
      const one = await meanFieldThreaded(input, 10, 1);
      const two = await meanFieldThreaded(input, 10, 2);
      const again = await meanFieldThreaded(input, 10, 2); // the helper is reused
      expect(Array.from(two)).toEqual(Array.from(one));
      expect(Array.from(again)).toEqual(Array.from(one));
    } finally {
      await stopCrfHelper();
    }
  });

  it('its exponential matches Math.exp to float32 resolution', () => {
    for (let x = 0; x > -80; x -= 0.0137) expect(Math.abs(expNonPositive(x) / Math.exp(x) - 1)).toBeLessThan(1e-7);
    expect(expNonPositive(-200)).toBe(0);
  });

  it('rejects arrays of the wrong size', () => {
    expect(() => denseCrf({ cos: cos.subarray(1), rgb, width: W, height: H, K })).toThrow(/cosines/);
    expect(() => denseCrf({ cos, rgb: rgb.subarray(3), width: W, height: H, K })).toThrow(/RGB/);
    expect(() => bilateralLatticeFilter(rgb, W, H, 67, 3).filter(new Float32Array(5), 1)).toThrow(/points/);
  });
});
