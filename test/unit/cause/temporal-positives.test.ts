// Step 2's temporal positives: the matches come from the neighbour frame's features, the masks pair each
// matched token with its own match (positive) and with concept-disagreeing matches of others (negatives),
// and the term's gradient matches finite differences like the other Step 2 options.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { planContrastive, contrastiveSum } from '../../../main/engine/cause/contrastive.js';
import type { FeatureSource } from '../../../main/engine/cause/features.js';
import { l2normalize } from '../../../main/engine/cause/ops.js';
import { temporalMasks, temporalMatches } from '../../../main/engine/cause/temporal-positives.js';
import { neighbourLookup, sequenceNeighbours } from '../../../main/engine/temporal/neighbours.js';
import { resolveStep2Loss, step2LossLabel } from '../../../shared/contract/step2-loss.js';
import { Prng } from '../../../shared/random.js';

describe('temporal positives', () => {
  it('pairs nothing when no frame has a neighbour that far (frames without sequences, or sequences too short)', () => {
    const lone = [0, 1, 2].map((i) => ({ id: `f${i}`, sequenceId: `s${i}`, index: 0 }));
    const items = lone.map((f) => ({ frameId: f.id, crop: 0 }));
    expect(sequenceNeighbours(items, lone, 1)).toBeNull();
    const run = [0, 1, 2].map((i) => ({ id: `f${i}`, sequenceId: 'A', index: i }));
    expect(sequenceNeighbours(items, run, 3)).toBeNull();
    expect(sequenceNeighbours(items, run, 2)!(0, 2)).toBe(2);
  });

  it('finds each item neighbour in its own sequence, the same crop, earlier at the end', () => {
    const frames = [
      { id: 'a0', sequenceId: 'A', index: 0 },
      { id: 'a1', sequenceId: 'A', index: 1 },
      { id: 'b0', sequenceId: 'B', index: 0 },
    ];
    const items = [
      { frameId: 'a0', crop: 0 },
      { frameId: 'a0', crop: 1 },
      { frameId: 'a1', crop: 0 },
      { frameId: 'a1', crop: 1 },
      { frameId: 'b0', crop: 0 },
    ];
    const nb = neighbourLookup(items, frames);
    expect(nb(0, 1)).toBe(2);
    expect(nb(1, 1)).toBe(3);
    expect(nb(2, 1)).toBe(0); // the last frame pairs backwards
    expect(nb(4, 1)).toBeNull(); // a one-frame sequence has no neighbour
  });

  it('matches sampled tokens to the shifted neighbour grid and masks positives and negatives', () => {
    const h = 8;
    const w = 10;
    const D = 32;
    const rng = new Prng(2);
    const world = rng.normalArray((h + 2) * (w + 2) * D);
    const grid = (ox: number) => {
      const g = new Float32Array(h * w * D);
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) g.set(world.subarray(((y + 1) * (w + 2) + x + ox) * D, ((y + 1) * (w + 2) + x + ox + 1) * D), (y * w + x) * D);
      return g;
    };
    const grids = [grid(1), grid(2), grid(0)];
    const source: FeatureSource = { count: 3, h, w, dim: D, read: (i) => grids[i]!, neighbour: (i) => (i === 0 ? 1 : null) };
    const indices = [Int32Array.from([12, 35, 44]), Int32Array.from([12, 35, 44])];
    const m = temporalMatches(source, [0, 2], indices, { offset: 1, minSimilarity: 0.9 });
    // item 1 sees the world one patch further right: item 0's patch (x, y) is item 1's (x − 1, y)
    for (const [j, p] of [12, 35, 44].entries()) {
      expect(m.matched[j]).toBe(1);
      const want = grids[1]!.subarray((p - 1) * D, p * D);
      expect(Array.from(m.tokens.subarray(j * D, (j + 1) * D))).toEqual(Array.from(want));
    }
    expect(Array.from(m.matched.subarray(3))).toEqual([0, 0, 0]); // item 2 has no neighbour

    const cos = tf.tensor2d([
      [1, 0.9, 0, 0, 0, 0],
      [0.9, 1, 0, 0, 0, 0],
      [0, 0, 1, 0, 0, 0],
      [0, 0, 0, 1, 0, 0],
      [0, 0, 0, 0, 1, 0],
      [0, 0, 0, 0, 0, 1],
    ]);
    const masks = temporalMasks(cos, m.matched, 0.1);
    expect(masks.pos.arraySync()[0]).toEqual([1, 0, 0, 0, 0, 0]);
    expect(masks.pos.arraySync()[3]).toEqual([0, 0, 0, 0, 0, 0]);
    // row 0: token 1's match shares its concept (0.9), token 2's does not; unmatched rows/cols never count
    expect(masks.neg.arraySync()[0]).toEqual([0, 0, 1, 0, 0, 0]);
    expect(masks.neg.arraySync()[4]).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('its InfoNCE term has the gradient finite differences give', () => {
    const rng = new Prng(7);
    const B = 2;
    const n = 3;
    const p = 4;
    const T = B * n;
    const matched = Uint8Array.from([1, 1, 0, 1, 1, 1]);
    const conceptCos = tf.tensor2d(rng.uniformArray(T * T, -1, 1), [T, T]);
    const masks = temporalMasks(conceptCos, matched, 0.1);
    const plan = planContrastive(masks, B);
    expect(plan.terms).toBe(2);
    const z0 = rng.normalArray(T * p);
    const tT = tf.transpose(l2normalize(tf.tensor2d(rng.normalArray(T * p), [T, p]))) as tf.Tensor2D;
    const temp = 0.5;
    const loss = resolveStep2Loss({ temporal: { offset: 1, minSimilarity: 0.6 } });
    expect(step2LossLabel(loss)).toBe('infonce(temporal +1@0.6)');
    const f = (arr: Float32Array) => tf.tidy(() => contrastiveSum(tf.tensor2d(arr, [T, p]), tT, masks, plan, temp, loss).dataSync()[0]!);
    expect(Number.isFinite(f(z0))).toBe(true);
    const zv = tf.variable(tf.tensor2d(z0, [T, p]));
    const { grads } = tf.variableGrads(() => contrastiveSum(zv as unknown as tf.Tensor2D, tT, masks, plan, temp, loss), [zv]);
    const g = grads[zv.name]!.dataSync();
    const eps = 1e-2;
    let nonzero = 0;
    for (let i = 0; i < z0.length; i++) {
      const a = Float32Array.from(z0);
      const b = Float32Array.from(z0);
      a[i]! += eps;
      b[i]! -= eps;
      const fd = (f(a) - f(b)) / (2 * eps);
      if (Math.abs(g[i]!) > 1e-4) nonzero++;
      expect(Math.abs(fd - g[i]!)).toBeLessThan(2e-3 + 0.02 * Math.abs(fd));
    }
    // the unmatched row (2) gets no gradient from this term, the matched ones do
    expect(Array.from(g.subarray(2 * p, 3 * p)).every((x) => Math.abs(x) < 1e-6)).toBe(true);
    expect(nonzero).toBeGreaterThan(10);
  });
});
