// Step 1's onnxruntime products (assignment forward, clusterbook backward) composed with the tfjs
// co-membership loop, against the tfjs modularityLoss differentiated end to end (the oracle).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initTfBackend } from '../../../main/engine/tf/backend.js';
import { coMembership, disposeGraph, modularityGraph, modularityLoss, modularityLossFromDelta } from '../../../main/engine/cause/modularity.js';
import { Prng } from '../../../shared/random.js';
import { OrtStep1 } from '../../../main/engine/cause/ort/step1.js';
import { trainCause } from '../../../main/engine/cause/trainer.js';
import { plantedFeatures, tinyConfig } from './fixtures.js';

const B = 3;
const n = 6;
const D = 10;
const k = 9;
let ort1: OrtStep1;

beforeAll(async () => {
  await initTfBackend('wasm');
  ort1 = await OrtStep1.open(D, k, { threads: 1, provider: 'cpu' });
});
afterAll(async () => {
  await ort1.release();
});

describe('Step 1 on onnxruntime vs tfjs autodiff', () => {
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: same loss and clusterbook gradient`, async () => {
      const rng = new Prng(seed);
      // Tokens near a few prototypes, so the affinity graph and the assignments are not degenerate.
      const protos = Array.from({ length: 3 }, () => rng.normalArray(D));
      const tokens = new Float32Array(B * n * D);
      for (let t = 0; t < B * n; t++) for (let d = 0; d < D; d++) tokens[t * D + d] = protos[t % 3]![d]! + 0.5 * rng.normal();
      const mValues = rng.normalArray(k * D);
      const x = tf.tensor3d(tokens, [B, n, D]);
      const g = modularityGraph(x);
      const M = tf.variable(tf.tensor2d(mValues, [k, D]));
      const ref = tf.variableGrads(() => modularityLoss(g, M as unknown as tf.Tensor2D, 0.1, B, n), [M]);
      const refLoss = ref.value.dataSync()[0]!;
      const refGrad = ref.grads[M.name]!.dataSync() as Float32Array;

      const { xhat, w, e, c } = await ort1.assignment(tokens, B, mValues);
      // The graph's constants equal modularityGraph's.
      for (const [got, want] of [[xhat, g.xhat], [w, g.W], [e, g.e]] as const) {
        const ref = want.dataSync();
        expect(got.length).toBe(ref.length);
        for (let i = 0; i < got.length; i++) expect(Math.abs(got[i]! - ref[i]!)).toBeLessThan(1e-5 * (1 + Math.abs(ref[i]!)));
      }
      const { value, grad } = tf.valueAndGrad((C: tf.Tensor) => modularityLossFromDelta(g, coMembership(C as tf.Tensor3D, 0.1)))(tf.tensor3d(c, [B, n, k]));
      const dm = await ort1.clusterbookGrad(xhat, mValues, c, grad.dataSync() as Float32Array);

      expect(Math.abs(value.dataSync()[0]! - refLoss) / Math.abs(refLoss)).toBeLessThan(1e-5);
      let diff = 0;
      let scale = 0;
      for (let i = 0; i < dm.length; i++) {
        diff = Math.max(diff, Math.abs(dm[i]! - refGrad[i]!));
        scale = Math.max(scale, Math.abs(refGrad[i]!));
      }
      expect(scale).toBeGreaterThan(0);
      expect(diff / scale).toBeLessThan(1e-4);
      tf.dispose([x, M, value, grad, ref.value, ...Object.values(ref.grads)]);
      disposeGraph(g);
    });
  }

  it('a trainer run records the engine and matches a tfjs run', async () => {
    const src = plantedFeatures(8, 8, 8, 16);
    const config = tinyConfig('cause-mlp', { step2: { lr: 2e-3, epochs: 0 }, step3: { lr: 4e-3, epochs: 0, decayEvery: 2, decayFactor: 0.5 } });
    const a = await trainCause(src, config);
    const b = await trainCause(src, config, { step1Engine: 'tfjs' });
    expect(a.step1Engine).toMatch(/^onnxruntime-/);
    expect(b.step1Engine).toBe('tfjs');
    let diff = 0;
    for (let i = 0; i < a.clusterbook.length; i++) diff = Math.max(diff, Math.abs(a.clusterbook[i]! - b.clusterbook[i]!));
    // Adam steps are ±lr-sized, so a clusterbook that follows the same gradients lands within rounding.
    expect(diff).toBeLessThan(1e-5);
    let moved = 0;
    const init = (await trainCause(src, { ...config, step1: { lr: 4e-3, epochs: 0 } })).clusterbook;
    for (let i = 0; i < a.clusterbook.length; i++) moved = Math.max(moved, Math.abs(a.clusterbook[i]! - init[i]!));
    expect(moved).toBeGreaterThan(1e-3); // Step 1 did train
  });
});
