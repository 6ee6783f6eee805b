import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initTfBackend } from '../../../main/engine/tf/backend.js';
import {
  assignment,
  coMembership,
  coMembershipReference,
  disposeGraph,
  modularityGraph,
  modularityLoss,
  modularityLossFromDelta,
} from '../../../main/engine/cause/modularity.js';
import { Prng } from '../../../shared/random.js';

beforeAll(async () => {
  await initTfBackend('cpu');
});

function randTokens(rng: Prng, B: number, n: number, D: number): tf.Tensor3D {
  return tf.tensor3d(rng.normalArray(B * n * D), [B, n, D]);
}

describe('modularity loss', () => {
  it('the loop co-membership equals the plain-autodiff reference, values and gradients', () => {
    const rng = new Prng(1);
    const B = 2, n = 6, D = 5, k = 7;
    const x = randTokens(rng, B, n, D);
    const M = tf.variable(tf.tensor2d(rng.normalArray(k * D), [k, D]));
    const g = modularityGraph(x);
    const a = tf.variableGrads(() => modularityLossFromDelta(g, coMembership(assignment(g.xhat, M, B, n), 0.1)), [M]);
    const r = tf.variableGrads(() => modularityLossFromDelta(g, coMembershipReference(assignment(g.xhat, M, B, n), 0.1)), [M]);
    expect(a.value.dataSync()[0]).toBeCloseTo(r.value.dataSync()[0]!, 5);
    const ga = a.grads[M.name]!.dataSync();
    const gr = r.grads[M.name]!.dataSync();
    for (let i = 0; i < ga.length; i++) expect(ga[i]).toBeCloseTo(gr[i]!, 4);
    disposeGraph(g);
  });

  it('gradient matches central finite differences', () => {
    const rng = new Prng(2);
    const B = 2, n = 5, D = 4, k = 3;
    const x = randTokens(rng, B, n, D);
    const m0 = rng.normalArray(k * D);
    const M = tf.variable(tf.tensor2d(m0, [k, D]));
    const g = modularityGraph(x);
    const loss = (arr: Float32Array) =>
      tf.tidy(() => modularityLoss(g, tf.tensor2d(arr, [k, D]), 0.1, B, n).dataSync()[0]!);
    const { grads } = tf.variableGrads(() => modularityLoss(g, M, 0.1, B, n), [M]);
    const analytic = grads[M.name]!.dataSync();
    const eps = 1e-2;
    let checked = 0;
    for (let i = 0; i < m0.length; i++) {
      const p = Float32Array.from(m0);
      const q = Float32Array.from(m0);
      p[i]! += eps;
      q[i]! -= eps;
      const fd = (loss(p) - loss(q)) / (2 * eps);
      // Max over concepts is piecewise smooth; where the winner changes inside ±eps FD is meaningless.
      const scale = Math.max(1e-3, Math.abs(fd), Math.abs(analytic[i]!));
      if (Math.abs(fd - analytic[i]!) / scale < 0.05) checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(Math.floor(m0.length * 0.9));
    disposeGraph(g);
  });

  it('permuting clusterbook rows leaves the loss unchanged', () => {
    const rng = new Prng(3);
    const B = 3, n = 16, D = 8, k = 10;
    const x = randTokens(rng, B, n, D);
    const m = rng.normalArray(k * D);
    const perm = rng.permutation(k);
    const mp = new Float32Array(k * D);
    for (let r = 0; r < k; r++) mp.set(m.subarray(perm[r]! * D, perm[r]! * D + D), r * D);
    const g = modularityGraph(x);
    const l1 = modularityLoss(g, tf.tensor2d(m, [k, D]), 0.1, B, n).dataSync()[0]!;
    const l2 = modularityLoss(g, tf.tensor2d(mp, [k, D]), 0.1, B, n).dataSync()[0]!;
    expect(Number.isFinite(l1)).toBe(true);
    expect(l2).toBeCloseTo(l1, 6);
    disposeGraph(g);
  });

  it('W rows sum to zero and a saturated co-membership gives loss ≈ 0', () => {
    const rng = new Prng(4);
    const g = modularityGraph(randTokens(rng, 2, 9, 6));
    const rows = tf.sum(g.W, 2).dataSync();
    for (const v of rows) expect(Math.abs(v)).toBeLessThan(1e-5);
    const loss = modularityLossFromDelta(g, tf.ones([2, 9, 9])).dataSync()[0]!;
    expect(Math.abs(loss)).toBeLessThan(1e-5);
    disposeGraph(g);
  });

  it('all-zero features give a finite zero loss, never NaN', () => {
    const g = modularityGraph(tf.zeros([1, 4, 3]) as tf.Tensor3D);
    const loss = modularityLoss(g, tf.ones([2, 3]) as tf.Tensor2D, 0.1, 1, 4).dataSync()[0]!;
    expect(Number.isFinite(loss) && Math.abs(loss) === 0).toBe(true);
    disposeGraph(g);
  });
});
