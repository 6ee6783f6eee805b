import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initTfBackend } from '../../../main/engine/tf/backend.js';
import { matMul, matMulConstA, matMulConstB } from '../../../main/engine/tf/matmul.js';
import { gatherRows } from '../../../main/engine/cause/ops.js';
import { headForward, initHeadParams, type HeadSpec } from '../../../main/engine/cause/heads.js';
import { emaUpdate, ParamSet } from '../../../main/engine/cause/params.js';
import { dropoutMultipliers } from '../../../main/engine/cause/engines/dropout-masks.js';
import { Prng } from '../../../shared/random.js';
import { initialTrainerState } from '../../../main/engine/cause/trainer.js';
import { plantedFeatures, tinyConfig } from './fixtures.js';

beforeAll(async () => {
  await initTfBackend('cpu');
});

const spec = (kind: 'mlp' | 'tr'): HeadSpec => ({ kind, dim: 6, headDim: 4, projDim: 5, ffnDim: 8, gridTokens: 16, dropout: 0.1 });

describe('custom matMul gradients', () => {
  it('equal the stock gradients', () => {
    const rng = new Prng(1);
    const a = tf.tensor2d(rng.normalArray(12), [3, 4]);
    const b = tf.tensor2d(rng.normalArray(20), [4, 5]);
    const w = tf.tensor2d(rng.normalArray(15), [3, 5]);
    const loss = (f: (x: tf.Tensor2D, y: tf.Tensor2D) => tf.Tensor2D) => (x: tf.Tensor, y: tf.Tensor) =>
      tf.sum(tf.mul(tf.square(f(x as tf.Tensor2D, y as tf.Tensor2D)), w));
    const stock = tf.grads(loss((x, y) => tf.matMul(x, y)))([a, b]);
    const mine = tf.grads(loss(matMul))([a, b]);
    for (let k = 0; k < 2; k++) {
      const s = stock[k]!.dataSync();
      const m = mine[k]!.dataSync();
      for (let i = 0; i < s.length; i++) expect(m[i]).toBeCloseTo(s[i]!, 4);
    }
    const gb = tf.grad((y: tf.Tensor) => loss(matMulConstA)(a, y))(b).dataSync();
    const ga = tf.grad((x: tf.Tensor) => loss(matMulConstB)(x, b))(a).dataSync();
    stock[1]!.dataSync().forEach((v, i) => expect(gb[i]).toBeCloseTo(v, 4));
    stock[0]!.dataSync().forEach((v, i) => expect(ga[i]).toBeCloseTo(v, 4));
  });

  it('gatherRows has the gradient of gather without UnsortedSegmentSum', () => {
    const x = tf.tensor2d(new Prng(2).normalArray(10), [5, 2]);
    const idx = Int32Array.from([4, 1, 4]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(gatherRows(t as tf.Tensor2D, idx), tf.tensor2d([[1, 2], [3, 4], [5, 6]]))))(x);
    expect(g.arraySync()).toEqual([[0, 0], [3, 4], [0, 0], [0, 0], [6, 8]]);
  });
});

describe('EMA teacher', () => {
  it('the teacher starts as an exact copy of the student', () => {
    const src = plantedFeatures(4, 4, 4, 6);
    for (const m of ['cause-mlp', 'cause-tr'] as const) {
      const s = initialTrainerState(src, tinyConfig(m));
      expect([...s.teacher!.keys()]).toEqual([...s.student!.keys()]);
      for (const [k, v] of s.student!) expect(Array.from(s.teacher!.get(k)!.values)).toEqual(Array.from(v.values));
    }
  });

  it('θ_t ← m·θ_t + (1 − m)·θ_s, per parameter', () => {
    const student = new ParamSet(initHeadParams(spec('mlp'), new Prng(1)));
    const teacher = new ParamSet(initHeadParams(spec('mlp'), new Prng(2)), false);
    const before = teacher.export();
    const s = student.export();
    emaUpdate(teacher, student, 0.99);
    const after = teacher.export();
    for (const [k, v] of after) {
      const t0 = before.get(k)!.values;
      const s0 = s.get(k)!.values;
      v.values.forEach((x, i) => expect(x).toBeCloseTo(0.99 * t0[i]! + 0.01 * s0[i]!, 6));
    }
  });
});

describe('heads', () => {
  it('MLP and TR produce r-d outputs; eval mode is deterministic, train mode uses dropout', () => {
    const rng = new Prng(3);
    for (const kind of ['mlp', 'tr'] as const) {
      const sp = spec(kind);
      const p = new ParamSet(initHeadParams(sp, new Prng(4)));
      const x = tf.tensor2d(rng.normalArray(32 * 6), [32, 6]); // 2 grids of 16 tokens
      const q = tf.tensor2d(rng.normalArray(32 * 6), [32, 6]);
      const e1 = headForward(sp, p, x, q).dataSync();
      const e2 = headForward(sp, p, x, q).dataSync();
      expect(e1.length).toBe(32 * 4);
      expect(Array.from(e1)).toEqual(Array.from(e2));
      // Train mode: dropout only through explicit masks (drawn from the trainer's stream), here the output branches.
      const drop = (seed: number) => tf.tensor2d(dropoutMultipliers(seed, 32 * 6, 0.5), [32, 6]);
      const masks = kind === 'mlp' ? { m1: drop(1), m2: drop(2) } : undefined;
      if (masks) {
        const t1 = headForward(sp, p, x, q, masks).dataSync();
        expect(Array.from(t1)).not.toEqual(Array.from(e1));
        tf.dispose([masks.m1, masks.m2]);
      }
      p.dispose();
    }
  });
});
