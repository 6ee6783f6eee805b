// The lattice's packed keys and in-place blur against the loose-coordinate table and the two-buffer
// blur they replaced (both kept: the loose table is the fallback, filter() the reference), and the
// refinement's resampling split over two threads against one.
import { describe, expect, it } from 'vitest';
import { blurChains, blurInPlace, PermutohedralLattice } from '../../../main/engine/refine/permutohedral.js';
import { keyLayout } from '../../../main/engine/refine/lattice-keys.js';
import { bilateralFeatures, buildCrfPlan, runMeanField } from '../../../main/engine/refine/mean-field-plan.js';
import { refineThreaded, stopCrfHelper } from '../../../main/engine/refine/crf-threads.js';
import { upsampleArgmax } from '../../../main/engine/refine/resample.js';
import { unaryFromCosines } from '../../../main/engine/refine/dense-crf.js';
import { Prng } from '../../../shared/random.js';

/** A textured image: colour regions, a gradient and noise (a lattice of many vertices, most linked). */
function texture(width: number, height: number, seed: number, noise = 6): Uint8Array {
  const rng = new Prng(seed);
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const region = (Math.floor(x / 9) + 3 * Math.floor(y / 7)) % 5;
      for (let c = 0; c < 3; c++) rgb[(y * width + x) * 3 + c] = Math.max(0, Math.min(255, region * 47 * (c + 1) % 230 + x + Math.round(noise * rng.normal())));
    }
  }
  return rgb;
}

const same = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let diff = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) diff++;
  expect(diff).toBe(0);
};

describe('packed lattice keys', () => {
  for (const [label, sxy, srgb] of [
    ['the release settings at the CRF budget scale', 33, 3],
    ['a coarse lattice', 8, 20],
    ['a fine lattice (σ below a pixel and a grey level)', 0.7, 0.9],
  ] as const) {
    it(`build the same lattice as loose coordinates, vertex for vertex: ${label}`, () => {
      const [W, H] = [47, 31];
      const f = bilateralFeatures(texture(W, H, 3), W, H, sxy, srgb);
      expect(keyLayout(f, 5)).not.toBeNull();
      const packed = PermutohedralLattice.build(f, 5);
      const loose = PermutohedralLattice.build(f, 5, { keys: 'loose' });
      expect(packed.vertices).toBe(loose.vertices);
      expect(packed.vertices).toBeGreaterThan(W * H * 0.5);
      same(packed.offsets, loose.offsets);
      same(packed.weights, loose.weights);
      same(packed.neighbours, loose.neighbours);
      // The neighbours are found, not all absent: the comparison can fail.
      expect(packed.neighbours.filter((v) => v !== 0).length).toBeGreaterThan(packed.vertices);
    });
  }

  it('fall back to loose coordinates when a frame’s range does not fit two words, with the same lattice', () => {
    const [W, H] = [20, 10];
    const f = bilateralFeatures(texture(W, H, 4), W, H, 0.001, 0.001);
    expect(keyLayout(f, 5)).toBeNull();
    const auto = PermutohedralLattice.build(f, 5);
    const loose = PermutohedralLattice.build(f, 5, { keys: 'loose' });
    same(auto.offsets, loose.offsets);
    same(auto.neighbours, loose.neighbours);
  });

  it('the in-place blur along chains gives the two-buffer blur’s floats exactly', () => {
    const [W, H] = [40, 30];
    const lattice = PermutohedralLattice.build(bilateralFeatures(texture(W, H, 5), W, H, 6, 8), 5);
    const { offsets, weights, vertices: V, d } = lattice;
    const d1 = d + 1;
    const c = 3;
    const rng = new Prng(9);
    const input = Float32Array.from({ length: W * H * c }, () => rng.next());
    // splat → in-place blur → slice, written out here, against filter() (two buffers, swapped per direction).
    const values = new Float32Array((V + 1) * c);
    for (let p = 0; p < W * H; p++) {
      for (let r = 0; r < d1; r++) {
        for (let k = 0; k < c; k++) values[offsets[p * d1 + r]! * c + k] = values[offsets[p * d1 + r]! * c + k]! + weights[p * d1 + r]! * input[p * c + k]!;
      }
    }
    const splatted = values.slice();
    const chains = blurChains(lattice.neighbours, V, d1);
    // Only linked vertices are in the chains, and each at most once per direction.
    expect(chains.filter((v) => v !== 0).length).toBeLessThanOrEqual(d1 * V);
    blurInPlace(values, c, chains, new Float32Array(c));
    const slice = (from: Float32Array) => {
      const out = new Float32Array(W * H * c);
      for (let p = 0; p < W * H; p++) {
        for (let r = 0; r < d1; r++) {
          const w = weights[p * d1 + r]! * lattice.gain;
          for (let k = 0; k < c; k++) out[p * c + k] = out[p * c + k]! + w * from[offsets[p * d1 + r]! * c + k]!;
        }
      }
      return out;
    };
    const out = slice(values);
    same(out, lattice.filter(input, c));
    // …and the blur did something: sliced straight from the splat, the result differs.
    const unblurred = slice(splatted);
    expect(Math.max(...out.map((v, i) => Math.abs(v - unblurred[i]!)))).toBeGreaterThan(0.1);
  });
});

describe('refinement on two threads', () => {
  it('resamples to the frame with the same labels as one thread and as the plain mean field + upsampling', async () => {
    const [W, H, K] = [37, 23, 5];
    const rgb = texture(W, H, 6);
    const rng = new Prng(12);
    const cos = Float32Array.from({ length: W * H * K }, () => 0.4 * rng.normal());
    const input = { rgb, width: W, height: H, K, unary: unaryFromCosines(cos, W * H, K, 3), gaussian: { sxy: 1, compat: 3 }, bilateral: { sxy: 6, srgb: 10, compat: 4 } };
    const plain = upsampleArgmax(runMeanField(buildCrfPlan(input, 1), 10), W, H, K, 101, 57);
    try {
      const one = await refineThreaded(input, 10, 101, 57, 1);
      const two = await refineThreaded(input, 10, 101, 57, 2);
      for (const r of [one, two]) {
        expect([r.width, r.height]).toEqual([101, 57]);
        same(r.clusters, plain.clusters);
        same(r.confidence, plain.confidence);
        expect(r.clusters.buffer).toBeInstanceOf(ArrayBuffer);
      }
      expect(new Set(two.clusters).size).toBeGreaterThan(1);
    } finally {
      await stopCrfHelper();
    }
  });
});
