// The hybrid head (`--head hybrid`) end to end: config → head spec → both Step 2 engines → stored model
// → predictor. The graph's maths is checked against tfjs in ort-hybrid-step2.test.ts.
import { beforeAll, describe, expect, it } from 'vitest';
import { initTfBackend } from '../../../main/engine/tf/backend.js';
import { trainCause } from '../../../main/engine/cause/trainer.js';
import { Predictor } from '../../../main/engine/cause/predict.js';
import { trainConfigSchema } from '../../../shared/contract/experiments.js';
import { plantedFeatures, relErr, tinyConfig } from './fixtures.js';

beforeAll(async () => {
  await initTfBackend('wasm');
});

describe('hybrid head through the trainer and the predictor', () => {
  it('trains on onnxruntime and on tfjs alike, stores its conv branch, and predicts with it', async () => {
    const src = plantedFeatures(8, 8, 8, 16);
    const config = tinyConfig('cause-tr', { dropout: 0, head: 'hybrid', step2: { lr: 2e-3, epochs: 1 }, step3: { lr: 4e-3, epochs: 1, decayEvery: 2, decayFactor: 0.5 } });
    const run = async (engine: 'onnxruntime' | 'tfjs') => {
      const losses: number[] = [];
      const model = await trainCause(src, config, {
        step2Engine: engine,
        metrics: (_s, v) => {
          if ('step2.loss' in v) losses.push(v['step2.loss']!);
        },
      });
      return { model, losses };
    };
    const ort = await run('onnxruntime');
    const tfjs = await run('tfjs');
    expect(ort.model.step2Engine).toMatch(/^onnxruntime-/);
    expect(ort.model.spec.hybrid).toEqual({ gridWidth: 8 });
    expect(ort.model.teacher.has('head.cv.dw.w')).toBe(true);
    expect(ort.losses.length).toBeGreaterThan(0);
    ort.losses.forEach((v, i) => expect(Math.abs(v - tfjs.losses[i]!) / Math.abs(tfjs.losses[i]!)).toBeLessThan(1e-4));
    expect(relErr(ort.model.teacher.get('head.cv.pw.w')!.values, tfjs.model.teacher.get('head.cv.pw.w')!.values)).toBeLessThan(1e-4);
    const predictor = new Predictor(ort.model, true);
    const p = predictor.predict(src.read(0), 8, 8, 16, 16, 16);
    predictor.dispose();
    expect(p.clusters.length).toBe(256);
  });

  it('the config refuses a head option on a method without the TR decoder', () => {
    expect(trainConfigSchema.safeParse(tinyConfig('cause-tr', { head: 'hybrid' })).success).toBe(true);
    expect(trainConfigSchema.safeParse(tinyConfig('cause-mlp', { head: 'hybrid' })).success).toBe(false);
  });
});
