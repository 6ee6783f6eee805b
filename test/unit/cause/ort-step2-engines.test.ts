// Step 2 through the trainer on its two engines: the MLP and TR heads on onnxruntime (the default)
// against tfjs, and the tfjs TR head's micro-batched gradient against the full-batch one.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initTfBackend } from '../../../main/engine/tf/backend.js';
import { trainCause, trMicroBatch, type CauseModel, type TrainHooks } from '../../../main/engine/cause/trainer.js';
import { plantedFeatures, tinyConfig } from './fixtures.js';

beforeAll(async () => {
  await initTfBackend('wasm');
});

/** max |a − b| / max |b| over every teacher parameter. */
function teacherRelErr(a: CauseModel, b: CauseModel): number {
  let diff = 0;
  let scale = 0;
  for (const [name, p] of b.teacher) {
    const q = a.teacher.get(name)!.values;
    for (let i = 0; i < p.values.length; i++) {
      diff = Math.max(diff, Math.abs(q[i]! - p.values[i]!));
      scale = Math.max(scale, Math.abs(p.values[i]!));
    }
  }
  return diff / scale;
}

async function run(method: 'cause-mlp' | 'cause-tr', hooks: TrainHooks, overrides = {}) {
  const src = plantedFeatures(12, 8, 8, 16);
  const series: Record<string, number>[] = [];
  const tensors: number[] = [];
  const model = await trainCause(src, tinyConfig(method, { dropout: 0, step2: { lr: 2e-3, epochs: 2 }, step3: { lr: 4e-3, epochs: 0, decayEvery: 2, decayFactor: 0.5 }, ...overrides }), {
    ...hooks,
    metrics: (_s, v) => {
      if ('step2.loss' in v) {
        series.push(v);
        tensors.push(tf.memory().numTensors);
      }
    },
  });
  return { model, series, tensors };
}

describe('Step 2 engines in the trainer', () => {
  // The head's Step 2 on onnxruntime against tfjs: same plan (same sampling, same concepts, same bank),
  // same loss up to float rounding, the same teacher at the end.
  for (const [head, method] of [['MLP', 'cause-mlp'], ['TR', 'cause-tr']] as const) {
    it(`the ${head} head trains on onnxruntime by default, and agrees with tfjs (dropout off)`, async () => {
      const ort = await run(method, {});
      const tfjs = await run(method, { step2Engine: 'tfjs' });
      expect(ort.model.step2Engine).toMatch(/^onnxruntime-/);
      expect(tfjs.model.step2Engine).toBe('tfjs');
      expect(ort.series.length).toBe(6);
      expect(ort.series.length).toBe(tfjs.series.length);
      ort.series.forEach((v, i) => {
        const w = tfjs.series[i]!;
        for (const k of ['step2.terms', 'step2.posPairs', 'step2.negPairs', 'step2.bankFill', 'step2.skippedImages']) expect(v[k], k).toBe(w[k]);
        expect(Math.abs(v['step2.loss']! - w['step2.loss']!) / Math.abs(w['step2.loss']!)).toBeLessThan(1e-4);
        expect(Math.abs(v['step2.gradNorm']! - w['step2.gradNorm']!) / w['step2.gradNorm']!).toBeLessThan(1e-3);
      });
      expect(teacherRelErr(ort.model, tfjs.model)).toBeLessThan(1e-4);
    });
  }

  it('the TR head on onnxruntime with dropout repeats itself exactly (masks drawn from the run seed)', async () => {
    const a = await run('cause-tr', {}, { dropout: 0.1 });
    const b = await run('cause-tr', {}, { dropout: 0.1 });
    const off = await run('cause-tr', {});
    expect(a.series.map((v) => v['step2.loss'])).toEqual(b.series.map((v) => v['step2.loss']));
    expect(teacherRelErr(a.model, b.model)).toBe(0);
    expect(a.series[0]!['step2.loss']).not.toBe(off.series[0]!['step2.loss']); // the masks do reach the graph
  });

  it('TR micro-batches of one image give the full-batch gradient (tfjs, dropout off)', async () => {
    const full = await run('cause-tr', { step2Engine: 'tfjs', trMicroBatch: 4 });
    const micro = await run('cause-tr', { step2Engine: 'tfjs', trMicroBatch: 1 });
    expect(full.series.length).toBe(6);
    full.series.forEach((v, i) => {
      const w = micro.series[i]!;
      expect(Math.abs(v['step2.loss']! - w['step2.loss']!) / Math.abs(v['step2.loss']!)).toBeLessThan(1e-5);
      expect(Math.abs(v['step2.gradNorm']! - w['step2.gradNorm']!) / v['step2.gradNorm']!).toBeLessThan(1e-4);
    });
    expect(teacherRelErr(micro.model, full.model)).toBeLessThan(1e-4);
    expect(new Set(micro.tensors).size).toBe(1); // the accumulators do not leak across micro-batches or steps
  });

  it('sizes TR micro-batches from the grid: a few 40×40 images, all of a tiny grid', () => {
    const spec = { kind: 'tr' as const, dim: 384, headDim: 90, projDim: 2048, ffnDim: 2048, dropout: 0.1 };
    const big = trMicroBatch({ ...spec, gridTokens: 1600 }, { batchSize: 16 });
    expect(big).toBeGreaterThanOrEqual(1);
    expect(big).toBeLessThan(16);
    expect(trMicroBatch({ ...spec, gridTokens: 64, dim: 16, ffnDim: 16 }, { batchSize: 4 })).toBe(4);
  });
});

