import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initTfBackend } from '../../../main/engine/tf/backend.js';
import { pairMasks } from '../../../main/engine/cause/concepts.js';
import { contrastiveSum, planContrastive } from '../../../main/engine/cause/contrastive.js';
import { l2normalize } from '../../../main/engine/cause/ops.js';
import { Prng } from '../../../shared/random.js';

beforeAll(async () => {
  await initTfBackend('cpu');
});

/** Unit concept vectors: c0 and c1 similar (cos 0.8), c2 orthogonal to both. */
const C0 = [1, 0, 0];
const C1 = [0.8, 0.6, 0];
const C2 = [0, 0, 1];

describe('concept-aware pair masks', () => {
  it('positives above 0.3 (self excluded), negatives below 0.1, the band in between left out', () => {
    const C3 = [0.2, Math.sqrt(1 - 0.04), 0]; // cos(C0, C3) = 0.2: neither positive nor negative
    const V = tf.tensor2d([C0, C1, C2, C3, C0]);
    const { pos, neg } = pairMasks(V, V, 0.3, 0.1, true);
    expect(pos.arraySync()).toEqual([
      [0, 1, 0, 0, 1],
      [1, 0, 0, 1, 1], // cos(C1, C3) = 0.16 + 0.57 = 0.73 → positive
      [0, 0, 0, 0, 0],
      [0, 1, 0, 0, 0],
      [1, 1, 0, 0, 0],
    ]);
    expect(neg.arraySync()).toEqual([
      [0, 0, 1, 0, 0],
      [0, 0, 1, 0, 0],
      [1, 1, 0, 1, 1],
      [0, 0, 1, 0, 0],
      [0, 0, 1, 0, 0],
    ]);
  });

  it('against the bank the anchor itself is not excluded', () => {
    const V = tf.tensor2d([C0, C2]);
    const { pos } = pairMasks(V, V, 0.3, 0.1, false);
    expect(pos.arraySync()).toEqual([
      [1, 0],
      [0, 1],
    ]);
  });

  it('an image without any positive pair is skipped and counted, and the loss stays finite', () => {
    // Image 0: tokens of concepts c0, c2 (no positive inside the batch once self is excluded... unless
    // image 1 has a c0); image 1: c2, c2. With B = 2, n = 2: rows of image 0 = [c0, c0'], image 1 = [c2, c2].
    const V = tf.tensor2d([C0, C2, C1, C1]);
    const masks = pairMasks(V, V, 0.3, 0.1, true);
    const plan = planContrastive(masks, 2);
    // c0 ↔ c1 positives exist; and c2 has no partner anywhere: image 0 still has positives (row 0).
    expect(plan.terms).toBe(2);
    const lonely = tf.tensor2d([C2, C2.map((v) => -v), C0, C1]);
    // Rows 0/1 are c2 and −c2: no positive pair for image 0 at all.
    const m2 = pairMasks(lonely, lonely, 0.3, 0.1, true);
    const p2 = planContrastive(m2, 2);
    expect(p2.terms).toBe(1);
    expect(p2.skipped).toBe(1);
    const rng = new Prng(1);
    const z = tf.tensor2d(rng.normalArray(4 * 5), [4, 5]);
    const t = tf.transpose(l2normalize(tf.tensor2d(rng.normalArray(4 * 5), [4, 5]))) as tf.Tensor2D;
    const s = contrastiveSum(z, t, m2, p2, 0.07).dataSync()[0]!;
    expect(Number.isFinite(s)).toBe(true);
  });
});

describe('contrastive loss', () => {
  function reference(z: number[][], targets: number[][], pos: number[][], neg: number[][], B: number, temp: number): number {
    // Straight from the definition, in float64.
    const norm = (v: number[]) => {
      const n = Math.sqrt(v.reduce((a, b) => a + b * b, 0));
      return v.map((x) => x / n);
    };
    const zn = z.map(norm);
    const tn = targets.map(norm);
    const n = z.length / B;
    let total = 0;
    for (let b = 0; b < B; b++) {
      let sum = 0;
      let count = 0;
      for (let i = b * n; i < (b + 1) * n; i++) {
        const S = tn.map((t) => t.reduce((a, v, d) => a + v * zn[i]![d]!, 0) / temp);
        let lse = 0;
        for (let m = 0; m < tn.length; m++) if (pos[i]![m] || neg[i]![m]) lse += Math.exp(S[m]!);
        lse = Math.log(lse);
        for (let j = 0; j < tn.length; j++) {
          if (pos[i]![j]) {
            sum += -S[j]! + lse;
            count++;
          }
        }
      }
      if (count > 0) total += sum / count;
    }
    return total;
  }

  it('matches the definition and its gradient matches finite differences', () => {
    const rng = new Prng(5);
    const B = 2, n = 3, p = 4;
    const T = B * n;
    const ids = [0, 1, 2, 0, 0, 1];
    const concepts = [C0, C1, C2];
    const V = tf.tensor2d(ids.map((i) => concepts[i]!));
    const masks = pairMasks(V, V, 0.3, 0.1, true);
    const plan = planContrastive(masks, B);
    const z0 = rng.normalArray(T * p);
    const targets = rng.normalArray(T * p);
    const tT = tf.transpose(l2normalize(tf.tensor2d(targets, [T, p]))) as tf.Tensor2D;
    const temp = 0.5; // a mild temperature keeps float32 finite differences meaningful
    const f = (arr: Float32Array) => tf.tidy(() => contrastiveSum(tf.tensor2d(arr, [T, p]), tT, masks, plan, temp).dataSync()[0]!);
    const rows = (a: Float32Array) => Array.from({ length: T }, (_, i) => Array.from(a.subarray(i * p, (i + 1) * p)));
    const expected = reference(rows(z0), rows(targets), masks.pos.arraySync(), masks.neg.arraySync(), B, temp);
    expect(f(z0)).toBeCloseTo(expected, 4);

    const zv = tf.variable(tf.tensor2d(z0, [T, p]));
    const { grads } = tf.variableGrads(() => contrastiveSum(zv as unknown as tf.Tensor2D, tT, masks, plan, temp), [zv]);
    const g = grads[zv.name]!.dataSync();
    const eps = 1e-2;
    for (let i = 0; i < z0.length; i++) {
      const a = Float32Array.from(z0);
      const b = Float32Array.from(z0);
      a[i]! += eps;
      b[i]! -= eps;
      const fd = (f(a) - f(b)) / (2 * eps);
      expect(Math.abs(fd - g[i]!)).toBeLessThan(2e-3 + 0.02 * Math.abs(fd));
    }
  });
});
